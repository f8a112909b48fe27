package ai.legion.cli;

import static org.apache.spark.sql.functions.col;

import ai.legion.core.text.SafeText;
import ai.legion.data.ArtifactRecord;
import ai.legion.eval.report.EvalReport;
import ai.legion.eval.runner.EvalData;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.Task;
import ai.legion.spark.AnalyzerLoader;
import ai.legion.spark.GroundTruth;
import ai.legion.spark.LegionSpark;
import ai.legion.spark.SparkEvaluation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code legion spark analyze|eval|bench}: LEGION over image collections on Apache Spark, in local mode
 * ({@code --master local[N]}) or inside {@code spark-submit} on a cluster (docs/DISTRIBUTED.md).
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        header = "Analyze and evaluate image collections on Apache Spark.",
        description = {"Analyze a folder of images (or a Parquet table of image paths) on Spark and write the "
                + "analysis to Parquet; evaluate stored or fresh predictions against a dataset with the metrics of "
                + "legion eval; benchmark local[N] against one JVM. On a cluster, run the same class with "
                + "spark-submit (docs/DISTRIBUTED.md)."},
        subcommands = {SparkCommand.Analyze.class, SparkCommand.Eval.class, SparkBenchmark.class})
public final class SparkCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The Spark settings every subcommand shares (a picocli mixin). */
    static final class SparkOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master: local[N], local[N,F] (F tries per task), spark://..., yarn, k8s://... "
                        + "(default: the one spark-submit set, else local[*]).")
        String master;

        @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
                description = "Partitions of the image list (default: 2 per task slot).")
        int partitions;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable).")
        List<String> conf = new ArrayList<>();

        /** A session with these settings (local masters stay on the loopback interface). */
        SparkSession session(String app) {
            SparkSession.Builder b = SparkSession.builder().appName(app);
            String m = master != null ? master : System.getProperty("spark.master", "local[*]");
            b.master(m);
            if (m.startsWith("local")) {
                b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                        .config("spark.ui.enabled", "false");
            }
            for (String kv : conf) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--conf " + kv + ": expected KEY=VALUE");
                }
                b.config(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return b.getOrCreate();
        }

        int partitions(SparkSession spark) {
            return partitions > 0 ? partitions : 2 * spark.sparkContext().defaultParallelism();
        }
    }

    /** How executors load the model: the options of {@code legion analyze} (--threads per executor JVM) and Spark's. */
    static final class LoaderOptions {
        @Option(names = "--model", paramLabel = "DIR|URI",
                description = "LEGION model folder: a path every executor sees, a name shipped with --files, or a "
                        + "Hadoop URI (hdfs://, s3a://) copied to each node once.")
        String model;

        @Mixin
        ModelOptions load;

        @Option(names = "--batch", defaultValue = "4", paramLabel = "N",
                description = "Images per forward batch (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--concurrency", defaultValue = "0", paramLabel = "N",
                description = "Batches one executor JVM runs at once, to bound its memory (default: one per task "
                        + "slot).")
        int concurrency;

        AnalyzerLoader loader() {
            if (model == null) {
                throw new IllegalArgumentException("--model DIR is required to analyze images");
            }
            if (load.decoderHeads != 8 && load.samConfig == null) {
                throw new IllegalArgumentException("--decoder-heads needs --sam-config on Spark (executors read "
                        + "the SAM sizes from a file or preset)");
            }
            return new AnalyzerLoader(model, load.clip == null ? null : load.clip.toString(), load.samConfig,
                    load.maxNewTokens, batch, load.threads, concurrency, load.gpu,
                    load.maxMemory == null ? 0 : load.maxMemory);
        }

        String modelName() {
            String m = model.replaceAll("/+$", "");
            return m.substring(m.lastIndexOf('/') + 1);
        }
    }

    /** Whether {@code input} is a Parquet table rather than a folder of images. */
    static boolean isParquet(String input) {
        if (input.toLowerCase(Locale.ROOT).endsWith(".parquet")) {
            return true;
        }
        Path p = Path.of(input.startsWith("file:") ? input.substring(5) : input);
        return Files.isRegularFile(p.resolve("_SUCCESS"));
    }

    /** The images of {@code input}: a folder of images, or a Parquet table with an {@code image} column. */
    static Dataset<Row> images(SparkSession spark, String input, int partitions) {
        return isParquet(input) ? LegionSpark.imageTable(spark, input, partitions)
                : LegionSpark.images(spark, input, partitions);
    }

    /** A subcommand that runs in a Spark session: bad arguments exit 2 before the session starts. */
    abstract static class SparkJob implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        SparkOptions sparkOptions;

        @Mixin
        LoaderOptions loaderOptions;

        /** Checks the arguments and reads what needs no session. */
        abstract void prepare() throws Exception;

        /** The work; returns the exit code. */
        abstract int run(SparkSession spark) throws Exception;

        @Override
        public Integer call() throws Exception {
            return EvalCommand.guarded(spec, () -> {
                prepare();
                SparkSession spark = sparkOptions.session("legion spark " + spec.name());
                try {
                    return run(spark);
                } finally {
                    spark.stop();
                    AnalyzerLoader.closeAll();
                }
            });
        }
    }

    @Command(name = "analyze", mixinStandardHelpOptions = true, header = "Analyze images on Spark into Parquet.",
            description = {"Analyze every image under --input (a folder, recursively, or a Parquet table with an "
                    + "'image' column of paths) and write one row per image to --output: image, verdict, p_fake, "
                    + "explanation, artifacts (phrase, explanation, score, COCO RLE mask, bbox, area), the union "
                    + "mask, width, height, tokens, and error (set when the image could not be read or analyzed; "
                    + "the job goes on). The output is replaced; a retried task writes nothing twice."})
    static final class Analyze extends SparkJob {
        @Option(names = "--input", required = true, paramLabel = "DIR|PARQUET", description = "Images to analyze.")
        String input;

        @Option(names = "--output", required = true, paramLabel = "PARQUET", description = "Where to write the rows.")
        String output;

        private AnalyzerLoader loader;

        @Override
        void prepare() {
            loader = loaderOptions.loader();
        }

        @Override
        int run(SparkSession spark) {
            long t0 = System.nanoTime();
            Dataset<Row> images = images(spark, input, sparkOptions.partitions(spark));
            LegionSpark.write(LegionSpark.analyze(images, "image", loader), output);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Dataset<Row> written = spark.read().parquet(output);
            long n = written.count();
            long failed = written.filter(col("error").isNotNull()).count();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "analyzed %d images (%d with an error) in %.1f s, %.2f images/s: %s%n", n, failed,
                    seconds, n / seconds, SafeText.forTerminalLine(output));
            if (failed > 0) {
                Row first = written.filter(col("error").isNotNull()).select("image", "error").first();
                out.println("first error: " + SafeText.forTerminalLine(first.getString(0) + ": " + first.getString(1)));
            }
            out.flush();
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            header = "Evaluate predictions on Spark with the metrics of legion eval.",
            description = {"Score predictions (--input: the Parquet output of legion spark analyze; or --model to "
                    + "analyze the dataset's images first) against a dataset (SynthScars/scars-sim, LOKI, RichHF-18K, "
                    + "UniversalFakeDetect, read as legion eval reads it): per-image scores on the executors with "
                    + "legion eval's code, written to --output, then the means as Spark aggregations and the report "
                    + "legion eval prints (written to --report)."})
    static final class Eval extends SparkJob {
        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The dataset.")
        Path data;

        @Option(names = "--split", defaultValue = "test", description = "Split (default ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--tasks", defaultValue = "loc,exp", paramLabel = "LIST",
                description = "Tasks: loc, exp, det, comma-separated (default ${DEFAULT-VALUE}).")
        String tasks;

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N records.")
        int limit;

        @Option(names = "--input", paramLabel = "PARQUET", description = "Predictions (legion spark analyze).")
        String input;

        @Option(names = "--output", required = true, paramLabel = "PARQUET", description = "Per-image results.")
        String output;

        @Option(names = "--report", defaultValue = "eval-spark", paramLabel = "DIR",
                description = "Report folder (default ${DEFAULT-VALUE}).")
        Path report;

        @Option(names = "--threshold", defaultValue = "0.5",
                description = "p(fake) threshold (default ${DEFAULT-VALUE}).")
        double threshold;

        @Option(names = "--no-stemmer", description = "ROUGE-L without Porter stemming (default: stemming).")
        boolean noStemmer;

        private Set<Task> taskSet;
        private EvalData dataset;
        private SparkEvaluation.Settings settings;

        @Override
        void prepare() throws Exception {
            if ((input == null) == (loaderOptions.model == null)) {
                throw new IllegalArgumentException("give either --input PARQUET (stored predictions) or --model DIR "
                        + "(analyze the dataset's images first)");
            }
            taskSet = Task.parseAll(tasks);
            Task primary = taskSet.equals(Set.of(Task.DETECTION)) ? Task.DETECTION : Task.LOCALIZATION;
            dataset = EvalData.open(data, primary, EvalData.Options.defaults().withSplit(split));
            String source = input != null ? Path.of(input).getFileName().toString() : loaderOptions.modelName();
            settings = new SparkEvaluation.Settings(taskSet, threshold, !noStemmer, source);
        }

        @Override
        int run(SparkSession spark) throws Exception {
            List<ArtifactRecord> records = dataset.records(limit);
            Dataset<Row> truth = GroundTruth.of(spark, records).cache();
            Dataset<Row> predictions;
            if (input != null) {
                predictions = spark.read().parquet(input);
            } else {
                Dataset<Row> images = LegionSpark.partitionByImage(truth.select(col("image")),
                        sparkOptions.partitions(spark));
                predictions = LegionSpark.analyze(images, "image", loaderOptions.loader());
            }
            LegionSpark.write(SparkEvaluation.score(predictions, truth, settings,
                    SparkEvaluation.grounding(dataset, records)), output);
            Dataset<Row> results = spark.read().parquet(output).cache();
            SparkEvaluation.Summary agg = SparkEvaluation.aggregate(results, threshold);
            List<ImageResult> perImage = SparkEvaluation.imageResults(results, settings);
            EvalSummary summary = EvalSummary.of(perImage, taskSet, threshold, settings.rouge());
            String label = data.toAbsolutePath().normalize().getFileName() + " " + split;
            EvalReport.Files files = EvalReport.builder().title("LEGION evaluation on Spark: " + label)
                    .dataset(label).source(settings.source()).summary(summary).results(perImage)
                    .stemming(!noStemmer).fact("data", data.toAbsolutePath().normalize() + " (" + dataset.layout()
                            + ", split " + split + ")")
                    .fact("results", output).write(report);
            EvalCommand.printReport(spec, files);
            PrintWriter out = spec.commandLine().getOut();
            out.println("spark aggregates: " + describe(agg));
            out.flush();
            return summary.failed() == 0 ? 0 : 1;
        }

        static String describe(SparkEvaluation.Summary s) {
            return String.format(Locale.ROOT, "images %d, failed %d; mIoU %.4f, F1 %.4f over %d; ROUGE-L %.4f over %d; "
                    + "accuracy %.4f (mean over generators %.4f), AP %.4f over %d", s.images(), s.failed(), s.miou(),
                    s.f1(), s.localized(), s.rougeL(), s.explained(), s.accuracy(), s.meanAccuracy(),
                    s.averagePrecision(), s.detected());
        }
    }
}
