package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The regeneration loop (paper Eq. 5; upstream {@code scripts/refine/regenerator.py::run_iterative_optimization}):
 *
 * <pre>
 * P_0 = the user's prompt, M = {}
 * for t = 0 .. iterations-1:
 *   if t &gt; 0: P_t = Revise(P_{t-1}, M)        (iteration_t/prompt.txt)
 *   I_t = Regen(P_t)                             (iteration_t/image.png; t = 0 may be a given image)
 *   M = M + LEGION(I_t)                          (iteration_t/report.json, mask_K.png)
 *   score I_t against P_t
 * </pre>
 *
 * Every intermediate prompt, image, report and score is kept. Upstream runs all rounds; with
 * {@link #stopWhenClean(boolean)} the loop ends as soon as LEGION finds no artifact.
 *
 * <pre>{@code
 * RefinementResult r = Refiner.regeneration().artifacts(legion::analyze).generator(new Automatic1111Client(uri))
 *         .reviser(new RuleBasedReviser()).iterations(3).output(Path.of("out")).run("a cat on a sofa");
 * }</pre>
 */
public final class RegenerationRefiner extends AbstractRefiner<RegenerationRefiner> {

    /** The mode name in {@code summary.json}. */
    public static final String MODE = "regeneration";

    /** Upstream's default number of rounds ({@code --max_rounds 3}). */
    public static final int DEFAULT_ITERATIONS = 3;

    private ImageGenerator generator;
    private PromptReviser reviser = new RuleBasedReviser();
    private int iterations = DEFAULT_ITERATIONS;
    private GenerationSettings settings = GenerationSettings.generationDefaults();
    private boolean stopWhenClean;

    RegenerationRefiner() {}

    @Override
    RegenerationRefiner self() {
        return this;
    }

    /** The text-to-image model (required unless a single iteration starts from a given image). */
    public RegenerationRefiner generator(ImageGenerator value) {
        this.generator = Objects.requireNonNull(value, "generator");
        return this;
    }

    /** The prompt reviser (default {@link RuleBasedReviser} with upstream's 49-word budget). */
    public RegenerationRefiner reviser(PromptReviser value) {
        this.reviser = Objects.requireNonNull(value, "reviser");
        return this;
    }

    /** Number of images to generate and analyze (default 3, &ge; 1). */
    public RegenerationRefiner iterations(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + value);
        }
        this.iterations = value;
        return this;
    }

    /**
     * Sampling settings (default {@link GenerationSettings#generationDefaults()}); a fixed seed becomes
     * {@code seed + iteration}.
     */
    public RegenerationRefiner settings(GenerationSettings value) {
        this.settings = Objects.requireNonNull(value, "settings");
        return this;
    }

    /** Stop as soon as LEGION finds no artifact (default false: run every iteration, as upstream). */
    public RegenerationRefiner stopWhenClean(boolean value) {
        this.stopWhenClean = value;
        return this;
    }

    /** Runs the loop from a prompt: iteration 0 generates from it. */
    public RefinementResult run(String prompt) throws RefineException {
        return run(prompt, null);
    }

    /**
     * Runs the loop from a prompt and the image {@code I_0} already generated from it (the paper's starting
     * point): iteration 0 analyzes {@code initialImage} instead of generating.
     */
    public RefinementResult run(String prompt, RgbImage initialImage) throws RefineException {
        Objects.requireNonNull(prompt, "prompt");
        if (prompt.isBlank()) {
            throw new IllegalArgumentException("the prompt is blank");
        }
        requireCommon();
        if (generator == null && (initialImage == null || iterations > 1)) {
            throw new IllegalArgumentException("generator(...) is required: the text-to-image model to regenerate with");
        }
        RefineOutput out = new RefineOutput(output);
        ObjectNode settingsNode = settingsNode();
        List<IterationResult> done = new ArrayList<>();
        MemoryBank memory = MemoryBank.start(prompt);
        String current = prompt;
        String stop = "iterations done";
        for (int t = 0; t < iterations; t++) {
            if (t > 0) {
                current = revise(current, memory, t);
            }
            out.writePrompt(t, current);
            RgbImage image;
            long generateMs = 0;
            if (t == 0 && initialImage != null) {
                image = initialImage;
            } else {
                long g0 = System.nanoTime();
                image = generate(current, settings.withSeed(settings.seedForCall(t)), t);
                generateMs = millisSince(g0);
            }
            Path imageFile = out.writeImage(t, image);
            long a0 = System.nanoTime();
            ArtifactReport report = analyze(image, out.rel(imageFile), t);
            long analyzeMs = millisSince(a0);
            Path reportFile = out.writeReport(t, report);
            for (Artifact a : report.artifacts()) {
                if (a.hasMask()) {
                    out.writeMask(t, a.index(), a.mask());
                }
            }
            memory = memory.with(new MemoryBank.Entry(t, current, report));
            Map<String, Double> scores = score(new ScoringInput(t, image, report, current, prompt));
            IterationResult r = new IterationResult(t, out.folder(t), imageFile, reportFile, image, current, report,
                    report.artifactAreaFraction(), scores, List.of(), generateMs, analyzeMs);
            done.add(r);
            boolean clean = report.artifacts().stream().noneMatch(Artifact::hasMask);
            boolean last = t == iterations - 1 || (stopWhenClean && clean);
            if (last) {
                if (stopWhenClean && clean) {
                    stop = "no artifact left";
                }
                break;
            }
            out.writeSummary(MODE, settingsNode, null, prompt, scorers, done, null);
            listener.accept(r);
        }
        Path summary = out.writeSummary(MODE, settingsNode, null, prompt, scorers, done, stop);
        listener.accept(done.get(done.size() - 1));
        return new RefinementResult(MODE, done, summary, stop);
    }

    private String revise(String prompt, MemoryBank memory, int t) throws RefineException {
        String revised;
        try {
            revised = reviser.revise(prompt, memory);
        } catch (GeneratorException e) {
            throw new GeneratorException(e.endpoint(), e.status(), "iteration " + t + ": prompt revision: "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RefineException("iteration " + t + ": the prompt reviser failed: " + e, e);
        }
        if (revised == null || revised.isBlank()) {
            throw new RefineException("iteration " + t + ": the prompt reviser returned an empty prompt");
        }
        return revised.strip();
    }

    private RgbImage generate(String prompt, GenerationSettings s, int t) throws RefineException {
        RgbImage image;
        try {
            image = generator.generate(new GenerateRequest(prompt, s));
        } catch (GeneratorException e) {
            throw new GeneratorException(e.endpoint(), e.status(), "iteration " + t + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RefineException("iteration " + t + ": the generator failed: " + e, e);
        }
        if (image == null) {
            throw new RefineException("iteration " + t + ": the generator returned no image");
        }
        return image;
    }

    private ObjectNode settingsNode() {
        ObjectNode n = RefineOutput.MAPPER.createObjectNode();
        n.put("iterations", iterations);
        n.put("stopWhenClean", stopWhenClean);
        n.put("generator", String.valueOf(generator));
        n.put("reviser", String.valueOf(reviser));
        n.put("seed", settings.seed()).put("steps", settings.steps()).put("guidance", settings.guidance())
                .put("width", settings.width()).put("height", settings.height())
                .put("negativePrompt", settings.negativePrompt());
        if (settings.sampler() != null) {
            n.put("sampler", settings.sampler());
        }
        return n;
    }
}
