package ai.legion.cli;

import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.Timings;
import ai.legion.models.EngineThreads;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.Legion;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.models.memory.MemoryBudget;
import ai.legion.models.memory.MemoryPlan;
import ai.legion.models.memory.StreamedWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code legion bench analyze}: per-stage latency of one analysis, decode speed with and without the
 * KV cache (upstream recomputes the whole sequence per token), and batch vs one-by-one throughput; with
 * {@code --grid}, images/s for each libtorch thread count x batch size instead (the table of docs/PERFORMANCE.md);
 * with {@code --max-memory}, the same stages under memory budgets (the memory-budgeted execution table).
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Per-stage latency, decode tokens/s with and without the KV cache, batch vs serial throughput.",
            "With --grid: images/s for each libtorch thread count x batch size (run it on an idle machine).",
            "With --max-memory 16g,8g: the stages, load time and decode tokens/s under each memory budget."})
final class AnalyzeBenchmark implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "LEGION checkpoint folder (default: the demo model).")
    Path model;

    @Option(names = "--clip", paramLabel = "DIR", description = "CLIP folder (default: MODEL/clip).")
    Path clip;

    @Option(names = "--sam-config", paramLabel = "FILE|PRESET", description = "SAM sizes (default: inferred).")
    String samConfig;

    @Option(names = "--image", paramLabel = "FILE",
            description = "Image to analyze (default: the demo model's sample fake-1.png).")
    Path image;

    @Option(names = "--tokens", defaultValue = "64", description = "Generated tokens per image (EOS banned; default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--images", defaultValue = "8", description = "Images for the batch comparison (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--batch", defaultValue = "4", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--grid", description = "Print images/s for every --grid-threads x --grid-batches pair instead.")
    boolean grid;

    @Option(names = "--grid-threads", defaultValue = "1,2", split = ",", paramLabel = "N",
            description = "libtorch intra-op thread counts of --grid (default ${DEFAULT-VALUE}).")
    List<Integer> gridThreads;

    @Option(names = "--grid-batches", defaultValue = "1,2,4", split = ",", paramLabel = "N",
            description = "Batch sizes of --grid (default ${DEFAULT-VALUE}).")
    List<Integer> gridBatches;

    @Option(names = "--max-memory", split = ",", paramLabel = "SIZE", converter = ModelOptions.MemorySize.class,
            description = {"Memory budgets to compare instead (e.g. 16g,12g,8g), one image (batch 1) each: the plan "
                    + "(resident and streamed bytes), the load time, per-stage times, time to first token, decode "
                    + "tokens/s and the read-ahead's waits, then a budget -> tokens/s table."})
    List<Long> budgets;

    @Override
    public Integer call() throws Exception {
        if (model == null) {
            model = DemoModel.folder();
        }
        if (image == null) {
            image = DemoModel.sample();
        }
        if (grid) {
            return grid();
        }
        if (budgets != null && !budgets.isEmpty()) {
            return budgets();
        }
        Path clipDir = clip != null ? clip : model.resolve("clip");
        LegionAnalyzer.Builder b = Legion.analyzer().model(model).clip(Files.isDirectory(clipDir) ? clipDir : null)
                .batchSize(batch);
        if (samConfig != null) {
            b.samConfig(SamConfig.presetOrRead(samConfig));
        }
        RgbImage img = new ImageLoader().load(image);
        try (LegionAnalyzer a = b.build()) {
            long eos = a.model().config().llama().eosTokenId();
            GenerationOptions fixed = GenerationOptions.DEFAULT.withMaxNewTokens(tokens)
                    .withProcessor((seq, step, gen, logits) -> logits[(int) eos] = Float.NEGATIVE_INFINITY);
            System.out.printf("model %s, image %dx%d, %d generated tokens, %d runs (median)%n", model, img.width(),
                    img.height(), tokens, runs);
            for (boolean cache : new boolean[] {true, false}) {
                GenerationOptions o = fixed.withKvCache(cache);
                a.analyze(img, "warmup", o, null);
                List<Timings> ts = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    ts.add(a.analyze(img, "bench", o, null).timings());
                }
                System.out.printf("%n%s KV cache:%n", cache ? "with" : "without");
                for (String stage : Timings.STAGES) {
                    System.out.printf("  %-12s %9.1f ms%n", stage, median(ts, stage));
                }
                double gen = median(ts, "llm_prefill") + median(ts, "decode");
                System.out.printf("  decode speed %.1f tokens/s (after the first token: %.1f tokens/s)%n",
                        tokens / (gen / 1000), (tokens - 1) / (median(ts, "decode") / 1000));
            }
            List<Path> batchImages = Collections.nCopies(images, image);
            GenerationOptions o = fixed;
            long t0 = System.nanoTime();
            for (Path p : batchImages) {
                a.analyze(img, p.toString(), o, null);
            }
            double serial = (System.nanoTime() - t0) / 1e9;
            try (LegionAnalyzer batched = b.generation(o).build()) {
                batched.analyzeAll(batchImages.subList(0, Math.min(batch, images))); // warm-up
                t0 = System.nanoTime();
                batched.analyzeAll(batchImages);
            }
            double batchS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%n%d images: one by one %.2f s (%.2f images/s); batches of %d %.2f s (%.2f images/s)%n",
                    images, serial, images / serial, batch, batchS, images / batchS);
        }
        return 0;
    }

    /**
     * The threads x batch table: per pair, the median over --runs of the images/s of analyzeAll on --images copies
     * of the image (--tokens each, EOS banned so every run does the same work), after one warm-up batch.
     */
    private int grid() throws Exception {
        Path clipDir = clip != null ? clip : model.resolve("clip");
        int before = EngineThreads.get();
        List<Path> batchImages = Collections.nCopies(images, image);
        double[][] rate = new double[gridThreads.size()][gridBatches.size()];
        try {
            for (int j = 0; j < gridBatches.size(); j++) {
                long[] eos = {0}; // known once the model is loaded
                LegionAnalyzer.Builder b = Legion.analyzer().model(model)
                        .clip(Files.isDirectory(clipDir) ? clipDir : null).batchSize(gridBatches.get(j))
                        .generation(GenerationOptions.DEFAULT.withMaxNewTokens(tokens).withProcessor(
                                (seq, step, gen, logits) -> logits[(int) eos[0]] = Float.NEGATIVE_INFINITY));
                if (samConfig != null) {
                    b.samConfig(SamConfig.presetOrRead(samConfig));
                }
                try (LegionAnalyzer a = b.build()) {
                    eos[0] = a.model().config().llama().eosTokenId();
                    for (int i = 0; i < gridThreads.size(); i++) {
                        EngineThreads.set(gridThreads.get(i));
                        a.analyzeAll(batchImages.subList(0, Math.min(gridBatches.get(j), images)));
                        double[] r = new double[runs];
                        for (int k = 0; k < runs; k++) {
                            long t0 = System.nanoTime();
                            a.analyzeAll(batchImages);
                            r[k] = images / ((System.nanoTime() - t0) / 1e9);
                        }
                        rate[i][j] = median(r);
                        // the table comes at the end; a long grid shows each pair as it is done
                        System.err.printf("threads %d, batch %d: %.2f images/s%n", gridThreads.get(i),
                                gridBatches.get(j), rate[i][j]);
                    }
                }
            }
        } finally {
            EngineThreads.set(before);
        }
        System.out.printf("images/s, median of %d runs of %d images (%d tokens each); model %s, image %s, %d cores%n",
                runs, images, tokens, model, image, Runtime.getRuntime().availableProcessors());
        StringBuilder head = new StringBuilder("| threads |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int batchSize : gridBatches) {
            head.append(" batch ").append(batchSize).append(" |");
            rule.append("---|");
        }
        System.out.println(head);
        System.out.println(rule);
        int bestI = 0;
        int bestJ = 0;
        for (int i = 0; i < gridThreads.size(); i++) {
            StringBuilder row = new StringBuilder("| " + gridThreads.get(i) + " |");
            for (int j = 0; j < gridBatches.size(); j++) {
                row.append(String.format(" %.2f |", rate[i][j]));
                if (rate[i][j] > rate[bestI][bestJ]) {
                    bestI = i;
                    bestJ = j;
                }
            }
            System.out.println(row);
        }
        System.out.printf("fastest: --threads %d --batch %d (%.2f images/s)%n", gridThreads.get(bestI),
                gridBatches.get(bestJ), rate[bestI][bestJ]);
        return 0;
    }

    /**
     * Per budget: build an analyzer with it (load time), one warm-up run unless --runs is 1 (then the one run is a
     * cold one), then the medians over --runs of one image explained with --tokens tokens (EOS banned, explained
     * even when judged real), and what the streaming read and waited for per run.
     */
    private int budgets() throws Exception {
        Path clipDir = clip != null ? clip : model.resolve("clip");
        RgbImage img = new ImageLoader().load(image);
        System.out.printf("model %s, image %s (%dx%d), %d generated tokens, batch 1, %d run(s) (median), %d cores, "
                + "libtorch threads %d%n", model, image, img.width(), img.height(), tokens, runs,
                Runtime.getRuntime().availableProcessors(), EngineThreads.get());
        List<String> rows = new ArrayList<>();
        for (long budget : budgets) {
            long[] eos = {0}; // known once the model is loaded
            LegionAnalyzer.Builder b = Legion.analyzer().model(model).clip(Files.isDirectory(clipDir) ? clipDir : null)
                    .batchSize(1).maxMemory(budget).explainReal(true) // every stage runs, whatever the verdict
                    .generation(GenerationOptions.DEFAULT.withMaxNewTokens(tokens)
                            .withProcessor((seq, step, gen, logits) -> logits[(int) eos[0]] = Float.NEGATIVE_INFINITY));
            if (samConfig != null) {
                b.samConfig(SamConfig.presetOrRead(samConfig));
            }
            long t0 = System.nanoTime();
            try (LegionAnalyzer a = b.build()) {
                double loadS = (System.nanoTime() - t0) / 1e9;
                eos[0] = a.model().config().llama().eosTokenId();
                MemoryPlan plan = a.memoryPlan();
                System.out.printf("%n--max-memory %s: loaded in %.1f s%n  %s%n", MemoryBudget.format(budget), loadS,
                        plan.describe());
                if (runs > 1) {
                    a.analyze(img, "warmup", a.generationOptions(), null);
                }
                StreamedWeights.Stats before = a.streamingStats().orElse(null);
                List<Timings> ts = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    ts.add(a.analyze(img, "bench", a.generationOptions(), null).timings());
                }
                for (String stage : Timings.STAGES) {
                    System.out.printf("  %-12s %11.1f ms%n", stage, median(ts, stage));
                }
                double firstToken = median(ts, "preprocess") + median(ts, "clip") + median(ts, "llm_prefill");
                double decodeRate = (tokens - 1) / (median(ts, "decode") / 1000);
                System.out.printf("  first token  %11.1f ms after preprocessing started; decode %.2f tokens/s%n",
                        firstToken, decodeRate);
                String streamed = "-";
                if (before != null) {
                    StreamedWeights.Stats after = a.streamingStats().orElseThrow();
                    streamed = String.format("%s, waited %.1f s", MemoryBudget.format(
                            (after.bytesRead() - before.bytesRead()) / runs),
                            (after.waitMillis() - before.waitMillis()) / runs / 1000);
                    System.out.printf("  streamed per run: %d layers, %s read in %.1f s on the reader thread; the "
                            + "layers waited %.1f s for their weights (%d of %d read ahead)%n",
                            (after.layersRead() - before.layersRead()) / runs, MemoryBudget.format(
                                    (after.bytesRead() - before.bytesRead()) / runs),
                            (after.readMillis() - before.readMillis()) / runs / 1000,
                            (after.waitMillis() - before.waitMillis()) / runs / 1000,
                            (after.readAhead() - before.readAhead()) / runs,
                            (after.readAhead() + after.misses() - before.readAhead() - before.misses()) / runs);
                    double rate = (after.bytesRead() - before.bytesRead()) / Math.max(1e-9,
                            (after.readMillis() - before.readMillis()) / 1000);
                    long perToken = plan.streamedStoredBytes(MemoryPlan.Stage.LLM);
                    System.out.printf("  reader: %s/s of stored bytes read into engine memory over the run "
                            + "(next to the computing threads)%n", MemoryBudget.format((long) rate));
                    double step = median(ts, "decode") / 1000 / Math.max(1, tokens - 1);
                    double alone = a.measureStreamingReadRate(MemoryPlan.Stage.LLM, 4).orElse(0);
                    if (perToken > 0 && alone > 0) {
                        double floor = perToken / alone;
                        System.out.printf("  streaming decode floor: %s of streamed LLM layers per token at %s/s "
                                + "(the reader alone, 4 layers) = %.2f s; a step took %.2f s, %.2fx the floor%n",
                                MemoryBudget.format(perToken), MemoryBudget.format((long) alone), floor, step,
                                step / floor);
                    }
                }
                String peak = peakRss();
                System.out.printf("  peak resident size of this process so far: %s%n", peak);
                rows.add(String.format("| %s | %s | %s | %s | %.1f | %.2f | %.2f | %.2f | %s | %s |",
                        MemoryBudget.format(budget), MemoryBudget.format(plan.needed()),
                        MemoryBudget.format(plan.residentBytes()), MemoryBudget.format(plan.streamedBytes()), loadS,
                        firstToken / 1000, decodeRate, median(ts, "total") / 1000, streamed, peak));
            }
        }
        System.out.println();
        System.out.println("| budget | plan needs | resident | streamed | load s | first token s | decode tokens/s "
                + "| total s | streamed per run | peak RSS so far |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        return 0;
    }

    /** The process's peak resident size ({@code VmHWM} of /proc/self/status), or "n/a" off Linux. */
    private static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return MemoryBudget.format(kb * 1024);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return "n/a";
    }

    private static double median(List<Timings> ts, String stage) {
        return median(ts.stream().mapToDouble(t -> {
            Map<String, Double> m = t.asMap();
            return m.getOrDefault(stage, 0.0);
        }).toArray());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
