package ai.legion.refine;

import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The inpainting loop (paper Eq. 6; upstream {@code scripts/refine/inpainter.py::sd_xl_inpainting_process}):
 *
 * <pre>
 * for t = 0 .. rounds:
 *   A_t = LEGION(I_t) = {(L_i, M_i, E_i)}                 (iteration_t/report.json)
 *   stop when t == rounds or no artifact has a mask
 *   J = I_t
 *   for each artifact i with a mask, in LEGION's order:
 *     M_i' = dilate(M_i, kernel x kernel ones, iterations)  (iteration_t/mask_i.png)
 *     J = J + M_i' * (fit(Inpaint(J, M_i', prompt(E_i))) - J)
 *   I_{t+1} = J
 * </pre>
 *
 * <p>The compositing keeps every pixel outside the dilated masks bit-identical to {@code I_t} (the paper's
 * formula; upstream itself passes the inpainter's whole output on, so the VAE round trip alters the rest of
 * the image). Regions are applied one after the other to the running image, each call seeing the previous
 * regions' result (upstream's order); where masks overlap the later region wins. An inpainter's output of
 * another size is resized back (bicubic) before compositing.
 *
 * <pre>{@code
 * RefinementResult r = Refiner.inpainting().artifacts(legion::analyze).inpainter(new Automatic1111Client(uri))
 *         .rounds(3).dilation(5, 5).output(Path.of("out")).run(Path.of("image.png"));
 * }</pre>
 */
public final class InpaintingRefiner extends AbstractRefiner<InpaintingRefiner> {

    /** The mode name in {@code summary.json}. */
    public static final String MODE = "inpainting";

    /**
     * The inpainting prompt template of upstream {@code scripts/refine/inpainter.py::sd_xl_inpainting_process}, kept
     * verbatim because it is what the paper's inpainting results were produced with; {@code {explanation}}
     * is the artifact's explanation (its phrase when the explanation is empty), {@code {phrase}} the phrase.
     */
    public static final String PROMPT_TEMPLATE = "Try to avoid the problem: {explanation} And make every effort to "
            + "maintain the photorealism and reasonableness of the entire image, as well as consistency and coherence "
            + "in style, lighting, and shadows.";

    /** Upstream's number of inpainting rounds ({@code --max_iter 3}). */
    public static final int DEFAULT_ROUNDS = 3;

    private Inpainter inpainter;
    private int rounds = DEFAULT_ROUNDS;
    private int kernel = MaskOps.DEFAULT_KERNEL;
    private int dilationIterations = MaskOps.DEFAULT_ITERATIONS;
    private String template = PROMPT_TEMPLATE;
    private GenerationSettings settings = GenerationSettings.inpaintingDefaults();
    private String evaluationPrompt = "";
    private ImageLoader loader = new ImageLoader();

    InpaintingRefiner() {}

    @Override
    InpaintingRefiner self() {
        return this;
    }

    /** The inpainting model (required), e.g. an {@code Automatic1111Client} or {@code ComfyUiClient}. */
    public InpaintingRefiner inpainter(Inpainter value) {
        this.inpainter = Objects.requireNonNull(value, "inpainter");
        return this;
    }

    /** Inpainting rounds (default 3); LEGION runs {@code rounds + 1} times at most. 0 = analyze only. */
    public InpaintingRefiner rounds(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("rounds must be >= 0, got " + value);
        }
        this.rounds = value;
        return this;
    }

    /** Mask dilation: a {@code kernel x kernel} square of ones applied {@code iterations} times (default 5, 5). */
    public InpaintingRefiner dilation(int kernelSize, int iterations) {
        if (kernelSize < 1 || iterations < 0) {
            throw new IllegalArgumentException("dilation needs kernel >= 1 and iterations >= 0, got " + kernelSize + ", "
                    + iterations);
        }
        this.kernel = kernelSize;
        this.dilationIterations = iterations;
        return this;
    }

    /** The prompt template, with {@code {explanation}} and/or {@code {phrase}} (default {@link #PROMPT_TEMPLATE}). */
    public InpaintingRefiner promptTemplate(String value) {
        Objects.requireNonNull(value, "template");
        if (!value.contains("{explanation}") && !value.contains("{phrase}")) {
            throw new IllegalArgumentException("the prompt template must contain {explanation} or {phrase}: " + value);
        }
        this.template = value;
        return this;
    }

    /**
     * Sampling settings for every inpainting call (default {@link GenerationSettings#inpaintingDefaults()}:
     * seed 42, 25 steps, guidance 8, strength 0.84). A fixed seed becomes {@code seed + call index}.
     */
    public InpaintingRefiner settings(GenerationSettings value) {
        this.settings = Objects.requireNonNull(value, "settings");
        return this;
    }

    /** A description of the image for prompt-based scorers such as HPS v2 (default ""). */
    public InpaintingRefiner evaluationPrompt(String value) {
        this.evaluationPrompt = Objects.requireNonNull(value, "evaluationPrompt");
        return this;
    }

    /** How {@link #run(Path)} decodes the input (default {@link ImageLoader} with its default limits). */
    public InpaintingRefiner imageLoader(ImageLoader value) {
        this.loader = Objects.requireNonNull(value, "loader");
        return this;
    }

    /** The prompt for one artifact: the template with its explanation (or phrase) filled in. */
    public static String prompt(String template, Artifact artifact) {
        String explanation = artifact.explanation().isBlank() ? artifact.phrase().strip() : artifact.explanation().strip();
        return template.replace("{explanation}", explanation).replace("{phrase}", artifact.phrase().strip());
    }

    /**
     * Runs the loop on an image file.
     *
     * @throws RefineException naming the file when it cannot be read, or what failed later
     */
    public RefinementResult run(Path image) throws RefineException {
        Objects.requireNonNull(image, "image");
        RgbImage img;
        try {
            img = loader.load(image);
        } catch (ImageException e) {
            throw new RefineException("cannot read the input image: " + e.getMessage(), e);
        }
        return run(img, image.toString());
    }

    /** Runs the loop on a decoded image. */
    public RefinementResult run(RgbImage image) throws RefineException {
        return run(image, null);
    }

    /**
     * Runs the loop on a decoded image.
     *
     * @param inputName what to call the input in {@code summary.json} (e.g. its file), or null
     */
    public RefinementResult run(RgbImage input, String inputName) throws RefineException {
        Objects.requireNonNull(input, "image");
        requireCommon();
        if (inpainter == null && rounds > 0) {
            throw new IllegalArgumentException("inpainter(...) is required: the model that repaints artifact regions");
        }
        RefineOutput out = new RefineOutput(output);
        ObjectNode settingsNode = settingsNode();
        List<IterationResult> done = new ArrayList<>();
        RgbImage current = input;
        int call = 0;
        String stop;
        for (int t = 0;; t++) {
            Path imageFile = out.writeImage(t, current);
            long a0 = System.nanoTime();
            ArtifactReport report = analyze(current, out.rel(imageFile), t);
            long analyzeMs = millisSince(a0);
            Path reportFile = out.writeReport(t, report);
            Map<String, Double> scores = score(new ScoringInput(t, current, report, evaluationPrompt, evaluationPrompt));
            List<Artifact> regions = report.artifacts().stream().filter(Artifact::hasMask).toList();
            boolean edit = t < rounds && !regions.isEmpty();
            List<RegionEdit> edits = new ArrayList<>();
            RgbImage next = current;
            long generateMs = 0;
            if (edit) {
                StringBuilder prompts = new StringBuilder();
                for (Artifact a : regions) {
                    BinaryMask mask = MaskOps.dilate(a.mask(), kernel, dilationIterations);
                    String prompt = prompt(template, a);
                    long seed = settings.seedForCall(call++);
                    Path maskFile = out.writeMask(t, a.index(), mask);
                    prompts.append(maskFile.getFileName()).append(": ").append(prompt).append('\n');
                    long g0 = System.nanoTime();
                    RgbImage painted = inpaint(next, mask, prompt, settings.withSeed(seed), t, a);
                    generateMs += millisSince(g0);
                    next = MaskOps.composite(next, MaskOps.fitTo(painted, next.width(), next.height()), mask);
                    edits.add(new RegionEdit(a.index(), a.phrase(), a.explanation(), prompt, mask, maskFile, seed));
                }
                out.writePrompt(t, prompts.toString());
            }
            IterationResult r = new IterationResult(t, out.folder(t), imageFile, reportFile, current, evaluationPrompt,
                    report, report.artifactAreaFraction(), scores, edits, generateMs, analyzeMs);
            done.add(r);
            if (!edit) {
                stop = regions.isEmpty() ? "no artifact left" : "rounds done";
                break;
            }
            out.writeSummary(MODE, settingsNode, inputName, evaluationPrompt, scorers, done, null);
            listener.accept(r);
            current = next;
        }
        Path summary = out.writeSummary(MODE, settingsNode, inputName, evaluationPrompt, scorers, done, stop);
        listener.accept(done.get(done.size() - 1));
        return new RefinementResult(MODE, done, summary, stop);
    }

    private RgbImage inpaint(RgbImage image, BinaryMask mask, String prompt, GenerationSettings s, int t, Artifact a)
            throws RefineException {
        String where = "iteration " + t + ", artifact " + a.index() + " ('" + a.phrase() + "')";
        RgbImage painted;
        try {
            painted = inpainter.inpaint(new InpaintRequest(image, mask, prompt, s));
        } catch (GeneratorException e) {
            throw new GeneratorException(e.endpoint(), e.status(), where + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RefineException(where + ": the inpainter failed: " + e, e);
        }
        if (painted == null) {
            throw new RefineException(where + ": the inpainter returned no image");
        }
        return painted;
    }

    private ObjectNode settingsNode() {
        ObjectNode n = RefineOutput.MAPPER.createObjectNode();
        n.put("rounds", rounds);
        n.putObject("dilation").put("kernel", kernel).put("iterations", dilationIterations);
        n.put("promptTemplate", template);
        n.put("inpainter", String.valueOf(inpainter));
        n.put("seed", settings.seed()).put("steps", settings.steps()).put("guidance", settings.guidance())
                .put("strength", settings.strength()).put("negativePrompt", settings.negativePrompt());
        if (settings.sampler() != null) {
            n.put("sampler", settings.sampler());
        }
        return n;
    }
}
