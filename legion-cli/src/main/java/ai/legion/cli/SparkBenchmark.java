package ai.legion.cli;

import ai.legion.core.io.IoUtils;
import ai.legion.core.text.SafeText;
import ai.legion.models.inference.BatchItem;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.spark.AnalyzerLoader;
import ai.legion.spark.LegionSpark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code legion spark bench}: images/s of one JVM ({@code analyzeAll}, what {@code legion analyze} runs) against
 * Spark in local mode with 1, 2, ... task slots on the same images, and the start-up cost of an executor (session
 * start and the model load in the executor JVM). Figures for docs/PERFORMANCE.md; run on an idle machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, header = "Benchmark Spark local[N] against one JVM.",
        description = {"Analyze the same images in one JVM and with Spark in local mode for each --masters entry, "
                + "and print images/s and the start-up costs (session start, model load per executor JVM)."})
final class SparkBenchmark implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    SparkCommand.LoaderOptions loaderOptions;

    @Option(names = "--input", required = true, paramLabel = "DIR", description = "Folder of images.")
    Path input;

    @Option(names = "--masters", defaultValue = "local[1],local[2]", split = ",", paramLabel = "LIST",
            description = "Spark masters to compare (default ${DEFAULT-VALUE}).")
    List<String> masters;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
            description = "Partitions (default: 2 per task slot).")
    int partitions;

    @Option(names = "--output", paramLabel = "PARQUET",
            description = "Where the analysis is written (replaced on each run); default: a temporary folder removed "
                    + "at the end.")
    String output;

    @Override
    public Integer call() throws Exception {
        return EvalCommand.guarded(spec, this::execute);
    }

    private Integer execute() throws Exception {
        if (output != null) {
            return run(output);
        }
        // the benchmark's output is scratch: never left behind in the working directory
        Path scratch = Files.createTempDirectory("legion-spark-bench");
        try {
            return run(scratch.resolve("analysis.parquet").toString());
        } finally {
            IoUtils.deleteRecursively(scratch);
        }
    }

    private Integer run(String output) throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(input)) {
            s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)
                    .matches(".*\\.(png|jpe?g|webp|bmp|tiff?)"))
                    .sorted().forEach(files::add);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(input + ": no images");
        }
        AnalyzerLoader loader = loaderOptions.loader();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%d images, batch %d, %d cores%n", files.size(), loader.batchSize(),
                Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "%-12s %10s %12s %12s %10s %12s%n", "run", "start s", "model load s", "analysis s",
                "images/s", "images/s*");
        long t0 = System.nanoTime();
        double loadS;
        double runS;
        try (LegionAnalyzer single = loaderOptions.load.analyzer(Path.of(loaderOptions.model))
                .batchSize(loader.batchSize()).build()) {
            loadS = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            List<BatchItem> items = single.analyzeAll(files);
            runS = (System.nanoTime() - t1) / 1e9;
            check(items.stream().filter(i -> !i.succeeded()).count());
        }
        row(out, "single JVM", 0, loadS, runS, files.size());
        for (String master : masters) {
            AnalyzerLoader.closeAll();
            long s0 = System.nanoTime();
            SparkSession spark = SparkSession.builder().appName("legion spark bench").master(master)
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false").getOrCreate();
            try {
                double startS = (System.nanoTime() - s0) / 1e9;
                int n = partitions > 0 ? partitions : 2 * spark.sparkContext().defaultParallelism();
                long j0 = System.nanoTime();
                LegionSpark.write(LegionSpark.analyze(LegionSpark.images(spark, input.toString(), n), "image", loader),
                        output);
                double jobS = (System.nanoTime() - j0) / 1e9;
                long failed = spark.read().parquet(output).filter("error is not null").count();
                check(failed);
                double load = loader.loadMillis() / 1e3;
                row(out, master, startS, load, jobS - load, files.size());
            } finally {
                spark.stop();
            }
        }
        out.println("images/s: over the analysis alone; images/s*: over model load + analysis (one executor's "
                + "whole job). In local mode the executor is this JVM; a cluster executor adds its JVM start.");
        out.flush();
        AnalyzerLoader.closeAll();
        return 0;
    }

    private static void check(long failed) {
        if (failed > 0) {
            throw new IllegalStateException(failed + " images failed: the benchmark needs readable images");
        }
    }

    private static void row(PrintWriter out, String name, double startS, double loadS, double runS, int n) {
        out.printf(Locale.ROOT, "%-12s %10.2f %12.2f %12.2f %10.3f %12.3f%n", SafeText.forTerminalLine(name), startS,
                loadS, runS, n / runS, n / (loadS + runS));
    }
}
