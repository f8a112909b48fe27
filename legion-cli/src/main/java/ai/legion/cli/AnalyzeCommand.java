package ai.legion.cli;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.io.IoUtils;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.Explanations;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.Overlay;
import ai.legion.core.report.ReportJson;
import ai.legion.core.report.Verdict;
import ai.legion.core.text.SafeText;
import ai.legion.models.GenerationListener;
import ai.legion.models.inference.BatchItem;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.inference.LegionAnalyzer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code legion analyze IMAGES...}: verdict, artifact masks and explanations. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        header = "Analyze images: verdict, artifact masks and their explanations.",
        description = {"Analyze images: real/fake verdict (if the checkpoint has a detection head), a grounded "
                + "explanation and one mask per artifact. With --out DIR each image gets DIR/<image name>/ with "
                + "report.json (masks as COCO RLE), mask.png (union, 0/255 like upstream), artifact_NN.png, "
                + "overlay.png and explanation.json (upstream's {image_path: text}), written as each image finishes.",
            "Folder names are the file name with control characters, / \\ : * ? \" < > | replaced by _ and no "
                + "leading dot; a name seen earlier in the run gets -2, -3, ... Each folder appears whole (written "
                + "under DIR/.legion-tmp-*, then renamed); leftovers of a killed run are removed.",
            "Exit code: 0 = every image analyzed, 1 = failure (nothing analyzed), 2 = bad arguments, missing inputs "
                + "or a model that cannot be loaded, 3 = some images failed and the others were analyzed."})
final class AnalyzeCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGE",
            description = {"Image files (PNG, JPEG, WebP, BMP, GIF, TIFF), folders (searched recursively for those "
                    + "extensions) or globs (quoted, e.g. 'shots/**.jpg')."})
    List<String> inputs;

    @Option(names = "--model", paramLabel = "DIR",
            description = {"GLaMM/LEGION checkpoint folder (weights, config.json, tokenizer). Default: the demo "
                    + "model (trained on scars-sim only; see README): examples/demo-model in the repository, else "
                    + "the copy in the legion-demo-model jar, unpacked once into the LEGION cache folder."})
    Path model;

    @Mixin
    ModelOptions load;

    @Option(names = "--out", paramLabel = "DIR", description = "Write reports, masks and overlays here.")
    Path out;

    @Option(names = "--json", description = "Print each report as one line of JSON (JSON Lines) instead of a summary.")
    boolean json;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (upstream; default).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sampling: keep the k best tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Sampling: nucleus mass (1 = all).")
    float topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed.")
    long seed;

    @Option(names = "--no-kv-cache", description = "Recompute the whole sequence each step, as upstream does.")
    boolean noKvCache;

    @Option(names = "--batch", defaultValue = "4", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--instruction", description = "Replace LEGION's instruction.")
    String instruction;

    @Option(names = "--explain-real", description = "Explain images the detector calls REAL too (marked "
            + "\"explanations\": \"forced\"; by default they get only their verdict, as upstream runs localization "
            + "and explanation on fakes).")
    boolean explainReal;

    @Option(names = "--stream", description = "Print the explanation as it is generated (one image at a time).")
    boolean stream;

    @Option(names = "--max-pixels", defaultValue = "100000000", description = "Reject larger images (default ${DEFAULT-VALUE}).")
    long maxPixels;

    private AnalyzeOutput output;
    private final Map<String, String> folders = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        List<Path> images = checkInputs();
        if (out != null) {
            output = new AnalyzeOutput(out);
            for (Path stale : output.removeStale()) {
                spec.commandLine().getErr().println("legion: removed " + SafeText.forTerminalLine(stale)
                        + " (left by an interrupted run)");
            }
            for (Path p : images) {
                folders.put(p.toString(), output.assign(p));
            }
        }
        GenerationOptions gen = new GenerationOptions(load.maxNewTokens, temperature, topK, topP, seed, !noKvCache,
                null);
        // a batch is never larger than the images: the memory plan reserves activations for the batch size
        LegionAnalyzer.Builder b = load.analyzer(model).generation(gen)
                .batchSize(stream ? 1 : Math.min(batch, Math.max(1, images.size()))).explainReal(explainReal)
                .imageOptions(ImageLoader.Options.defaults().withMaxPixels(maxPixels));
        if (instruction != null) {
            b.instruction(instruction);
        }
        int failed = 0;
        try (LegionAnalyzer analyzer = b.build()) {
            if (analyzer.memoryPlan().streams()) {
                spec.commandLine().getErr().println("legion: " + analyzer.memoryPlan().describe());
            }
            if (stream) {
                for (Path p : images) {
                    failed += streamOne(analyzer, p) ? 0 : 1;
                }
            } else {
                int[] bad = {0};
                // each result is printed and written as soon as its batch is done, so an interrupted run
                // keeps everything finished before it
                if (images.size() > 1) {
                    try (ProgressBar bar = new ProgressBarBuilder().setTaskName("analyze").setInitialMax(images.size())
                            .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(
                                    System.err)).build()) {
                        analyzer.analyzeAll(images, item -> {
                            bad[0] += emit(item) ? 0 : 1;
                            bar.step();
                        });
                    }
                } else {
                    analyzer.analyzeAll(images, item -> bad[0] += emit(item) ? 0 : 1);
                }
                failed = bad[0];
            }
        }
        return failed == 0 ? 0 : failed < images.size() ? LegionCli.EXIT_PARTIAL : 1;
    }

    /**
     * The image list, with every missing input, the model folder and the CLIP folder checked before anything is
     * loaded: one error names all that are missing.
     */
    private List<Path> checkInputs() {
        AnalyzeInputs in = AnalyzeInputs.expand(inputs);
        if (model == null) {
            try {
                model = DemoModel.folder();
            } catch (IllegalStateException e) {
                in.problem(e.getMessage());
            }
        } else if (!Files.exists(model)) {
            in.problem("--model " + model + ": no such folder");
        }
        if (load.clip != null && !Files.isDirectory(load.clip)) {
            in.problem("--clip " + load.clip + ": no such folder");
        }
        if (!in.problems().isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", in.problems()));
        }
        return in.images();
    }

    /**
     * Analyzes one image while printing: "SOURCE: VERDICT" as soon as the detection head has run, then the clean
     * explanation as its tokens come (no {@code <p>}/{@code [SEG]} markup), then the artifact count.
     */
    private boolean streamOne(LegionAnalyzer analyzer, Path p) {
        RgbImage image;
        try {
            image = new ImageLoader(ImageLoader.Options.defaults().withMaxPixels(maxPixels)).load(p);
        } catch (Exception e) {
            return emit(BatchItem.failed(p.toString(), e));
        }
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        boolean[] headed = {false};
        Runnable header = () -> {
            if (!headed[0]) {
                stdout.print(SafeText.forTerminalLine(p) + ":");
                headed[0] = true;
            }
        };
        List<Long> tokens = new ArrayList<>();
        StreamText text = new StreamText();
        GenerationListener print = new GenerationListener() {
            @Override
            public void onVerdict(int sequence, float[] clsLogits) {
                header.run();
                stdout.println(" " + Verdict.fromLogits(clsLogits).describe());
                stdout.print("  ");
                stdout.flush();
            }

            @Override
            public void onToken(int sequence, long token) {
                if (!headed[0]) {
                    header.run();
                    stdout.println();
                    stdout.print("  ");
                }
                tokens.add(token);
                String delta = text.update(analyzer.tokenizer().decode(
                        tokens.stream().mapToLong(Long::longValue).toArray(), false));
                // model output: anything a terminal would act on escaped
                stdout.print(SafeText.forTerminalLine(delta, SafeText.UNLIMITED));
                stdout.flush();
            }
        };
        ArtifactReport r;
        try {
            r = analyzer.analyze(image, p.toString(), analyzer.generationOptions(), print);
        } catch (RuntimeException e) { // one image's failure must not stop the others
            stdout.println();
            stdout.flush();
            return emit(BatchItem.failed(p.toString(), e));
        }
        header.run();
        String rest = r.explanationText().startsWith(text.shown())
                ? r.explanationText().substring(text.shown().length()) : "";
        stdout.println(SafeText.forTerminalLine(rest, SafeText.UNLIMITED));
        stdout.println("  " + (r.explanations() == Explanations.SKIPPED
                ? "not explained (judged real; --explain-real to explain it anyway)" : counts(r)));
        stdout.flush();
        return emit(BatchItem.ok(p.toString(), r));
    }

    /** Prints and writes one result; false if the image failed or its outputs could not be written. */
    private boolean emit(BatchItem item) {
        if (!item.succeeded()) {
            String msg = item.error().getMessage();
            error(msg != null && msg.contains(item.source()) ? msg : item.source() + ": " + msg);
            return false;
        }
        ArtifactReport r = item.report();
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(ReportJson.toJson(r, false)); // one report per line (JSON Lines)
        } else if (!stream) {
            stdout.println(summary(r));
        }
        stdout.flush();
        if (output != null) {
            String name = folders.get(item.source());
            try {
                output.publish(name, dir -> write(r, dir));
            } catch (Exception e) {
                error(item.source() + ": cannot write " + output.folder(name) + ": " + e.getMessage());
                return false;
            }
        }
        return true;
    }

    private void error(String message) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        err.println("legion: " + SafeText.forTerminalLine(message));
        err.flush();
    }

    /** The printed summary: model output and the source name are escaped (one line each, raw output multi-line). */
    static String summary(ArtifactReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(SafeText.forTerminalLine(r.source())).append(": ");
        r.verdict().ifPresent(v -> sb.append(v.describe()).append("; "));
        if (r.explanations() == Explanations.SKIPPED) {
            return sb.append(String.format("not explained (judged real; --explain-real to explain it anyway) (%.0f ms)",
                    r.timings().totalMs())).toString();
        }
        if (r.explanations() == Explanations.FORCED) {
            sb.append("explained on request although judged real, low confidence: ");
        }
        sb.append(counts(r));
        if (!r.summary().isEmpty()) {
            sb.append("\n  summary: ").append(SafeText.forTerminalLine(r.summary()));
        }
        for (Artifact a : r.artifacts()) {
            sb.append(String.format("%n  %d. %s (%.1f%%): %s", a.index() + 1, SafeText.forTerminalLine(a.phrase()),
                    100 * a.areaFraction(), SafeText.forTerminalLine(a.explanation())));
        }
        if (r.artifacts().isEmpty() && !r.rawText().isBlank()) {
            sb.append("\n  output: ").append(SafeText.forTerminal(r.rawText().strip()));
        }
        return sb.toString();
    }

    /** "N artifacts, X% of the image marked (T tokens, M ms)". */
    private static String counts(ArtifactReport r) {
        return r.artifacts().size() + (r.artifacts().size() == 1 ? " artifact" : " artifacts")
                + String.format(", %.1f%% of the image marked", 100 * r.union().areaFraction())
                + String.format(" (%d tokens, %.0f ms)", r.generatedTokens(), r.timings().totalMs());
    }

    /** Writes one image's outputs into {@code dir} (an existing folder). */
    static void write(ArtifactReport r, Path dir) throws Exception {
        ReportJson.write(dir.resolve("report.json"), r);
        MaskImages.writeAll(dir, r);
        Map<String, String> upstream = new LinkedHashMap<>();
        upstream.put(r.source(), r.explanationText());
        byte[] explanation = new ObjectMapper().writeValueAsBytes(upstream);
        IoUtils.writeAtomically(dir.resolve("explanation.json"), explanation);
        Path source = Path.of(r.source());
        if (Files.isRegularFile(source)) {
            RgbImage image = new ImageLoader(ImageLoader.Options.defaults().withMaxPixels(RgbImage.MAX_PIXELS)).load(source);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(Overlay.render(image.toBufferedImage(), r), "png", png);
            byte[] bytes = png.toByteArray();
            IoUtils.writeAtomically(dir.resolve("overlay.png"), bytes);
        }
    }
}
