package ai.legion.cli;

import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.Timings;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.Legion;
import ai.legion.models.inference.LegionAnalyzer;
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
 * KV cache (upstream recomputes the whole sequence per token), and batch vs one-by-one throughput.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Per-stage latency, decode tokens/s with and without the KV cache, batch vs serial throughput.")
final class AnalyzeBenchmark implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "LEGION checkpoint folder.")
    Path model;

    @Option(names = "--clip", paramLabel = "DIR", description = "CLIP folder (default: MODEL/clip).")
    Path clip;

    @Option(names = "--sam-config", paramLabel = "FILE|PRESET", description = "SAM sizes (default: inferred).")
    String samConfig;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "Image to analyze.")
    Path image;

    @Option(names = "--tokens", defaultValue = "64", description = "Generated tokens per image (EOS banned; default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--images", defaultValue = "8", description = "Images for the batch comparison (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--batch", defaultValue = "4", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
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

    private static double median(List<Timings> ts, String stage) {
        double[] v = ts.stream().mapToDouble(t -> {
            Map<String, Double> m = t.asMap();
            return m.getOrDefault(stage, 0.0);
        }).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
