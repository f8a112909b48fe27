package ai.legion.cli;

import ai.legion.core.image.ImageLoader;
import ai.legion.eval.runner.AnalyzerPredictions;
import ai.legion.eval.runner.EvalData;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every {@code legion eval} runner shares (a picocli mixin). */
final class EvalOptions {

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = {"Dataset folder: SynthScars/scars-sim root or split, LOKI root or its JSON, RichHF-18K "
                    + "(raw_imgs/ + heatmaps/, or TFRecords with --images), UniversalFakeDetect 0_real/1_fake tree."})
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "Split (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--layout", paramLabel = "NAME",
            description = "Force the layout: synthscars, loki, richhf, richhf-tfrecord, unifd (default: detect).")
    String layout;

    @Option(names = "--images", paramLabel = "DIR", description = "Images folder for RichHF-18K TFRecords (Pick-a-Pic).")
    Path images;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N records (0 = all).")
    int limit;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Results, report.html, report.md, report.json (default: eval-<runner> here).")
    Path out;

    @Option(names = "--model", paramLabel = "DIR", description = "LEGION checkpoint folder to evaluate.")
    Path model;

    @Option(names = "--predictions", paramLabel = "PATH",
            description = {"Score another tool's outputs instead of a model: loc = folder of mask PNGs, exp = JSON "
                    + "of explanations (or folder of upstream explanation.json), det = JSON of p(fake) scores."})
    Path predictions;

    @Option(names = "--missing-as-empty", description = "With --predictions: a missing mask/text scores as empty.")
    boolean missingAsEmpty;

    @Mixin
    ModelOptions load;

    @Option(names = "--batch", defaultValue = "4", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--max-pixels", defaultValue = "100000000", description = "Reject larger images.")
    long maxPixels;

    @Option(names = "--threshold", defaultValue = "0.5", description = "p(fake) threshold (default ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--css-model", paramLabel = "DIR",
            description = "sentence-transformers paraphrase-MiniLM-L6-v2 folder: also compute CSS.")
    Path cssModel;

    @Option(names = "--no-stemmer", description = "ROUGE-L without Porter stemming (default: stemming).")
    boolean noStemmer;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the per-image perturbation noise.")
    long seed;

    @Option(names = "--gallery", defaultValue = "6", description = "Best/worst images in the report (default ${DEFAULT-VALUE}).")
    int gallery;

    @Option(names = "--title", description = "Report title.")
    String title;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    EvalData.Options dataOptions(Path outDir) {
        EvalData.Options o = EvalData.Options.defaults().withSplit(split).withImagesDir(images)
                .withCacheDir(outDir.resolve("heatmaps"));
        return layout == null ? o : o.withLayout(EvalData.Layout.parse(layout));
    }

    ImageLoader.Options imageOptions() {
        return ImageLoader.Options.defaults().withMaxPixels(maxPixels);
    }

    /** Loads the analyzer of --model. */
    AnalyzerPredictions analyzer() throws Exception {
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException(model + ": model folder not found");
        }
        // upstream evaluates localization and explanation on every test image (scripts/loc_exp), whatever the
        // detector would say, so the analyzer explains images it calls REAL too
        LegionAnalyzer.Builder b = load.analyzer(model).batchSize(batch).imageOptions(imageOptions()).explainReal(true);
        return AnalyzerPredictions.owning(b.build(), modelName(), batch);
    }

    /** The name results of --model are recorded under: the model folder's name. */
    String modelName() {
        return model == null ? null : model.toAbsolutePath().normalize().getFileName().toString();
    }
}
