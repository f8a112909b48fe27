package ai.legion.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.dataset.Stage1Dataset;
import ai.legion.data.sample.Stage1SampleBuilder;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.synthscars.SynthScarsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code legion bench data}: stage-1 sample throughput with and without multi-threaded prefetch. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Stage-1 samples/s (decode, preprocess, tokenize, rasterize, batch) with prefetch off and on.")
final class DataBenchmark implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model folder: tokenizer, config.json, clip/ (sizes of the preprocessing).")
    Path model;

    @Option(names = "--sam-config", paramLabel = "FILE|PRESET", description = "SAM sizes (default vit_h: 1024 px).")
    String samConfig;

    @Option(names = "--data", paramLabel = "ROOT", description = "SynthScars-layout dataset (default: a fresh scars-sim).")
    Path data;

    @Option(names = "--split", defaultValue = "train")
    String split;

    @Option(names = "--limit", defaultValue = "256", description = "Samples per measurement (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--batch", defaultValue = "8")
    int batch;

    @Option(names = "--threads", defaultValue = "2", description = "Prefetch threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--prefetch", defaultValue = "4", description = "Batches fetched ahead (default ${DEFAULT-VALUE}).")
    int prefetch;

    @Override
    public Integer call() throws Exception {
        Path root = data;
        Path tmp = null;
        if (root == null) {
            tmp = Files.createTempDirectory("legion-bench-data");
            root = tmp;
            ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().trainCount(limit).testCount(1)
                    .detectTrainCount(0).detectTestCount(0).build(), root, true);
        }
        List<ArtifactRecord> records = new ArrayList<>();
        try (SynthScarsReader reader = SynthScarsReader.open(root, split)) {
            for (ArtifactRecord r : reader) {
                if (records.size() == limit) {
                    break;
                }
                records.add(r);
            }
        }
        LegionConfig cfg = LegionConfig.read(model.resolve("config.json"));
        Path clipDir = model.resolve("clip");
        ClipVisionConfig clip = ClipVisionConfig.read(clipDir.resolve("config.json"));
        Path pre = clipDir.resolve("preprocessor_config.json");
        ClipImageProcessor clipProc = new ClipImageProcessor(Files.isRegularFile(pre) ? ClipImageProcessorConfig.read(pre)
                : ClipImageProcessorConfig.square(clip.imageSize()));
        SamConfig sam = samConfig == null ? SamConfig.vitH() : SamConfig.presetOrRead(samConfig);
        try (LegionTokenizer tok = LegionTokenizer.load(model); NDManager m = NDManager.newBaseManager()) {
            Stage1SampleBuilder sb = new Stage1SampleBuilder(tok, clipProc, SamImageProcessor.of(sam), new ImageLoader(),
                    Stage1SampleBuilder.trainingMasks(), null, cfg.numImageTokens(clip));
            System.out.printf("%d samples of %s (%s), batch %d, CLIP %d px, SAM %d px%n", records.size(), root, split, batch,
                    clip.imageSize(), sam.imageEncoder().imgSize());
            double off = run(m, sb, records, null);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            double on;
            try {
                on = run(m, sb, records, pool);
            } finally {
                pool.shutdownNow();
            }
            System.out.printf("prefetch off: %.1f samples/s%nprefetch on (%d threads, %d batches ahead): %.1f "
                    + "samples/s%n",
                    off, threads, prefetch, on);
        } finally {
            if (tmp != null) {
                try (var walk = Files.walk(tmp)) {
                    walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return 0;
    }

    private double run(NDManager m, Stage1SampleBuilder sb, List<ArtifactRecord> records, ExecutorService pool)
            throws Exception {
        Stage1Dataset ds = Stage1Dataset.builder().records(records).sampleBuilder(sb)
                .setSampling(Stage1Dataset.sampling(batch, true, 1, false)).optPrefetchNumber(pool == null ? 1 : prefetch)
                .build();
        long t0 = System.nanoTime();
        long n = 0;
        for (Batch b : pool == null ? ds.getData(m) : ds.getData(m, pool)) {
            n += b.getSize();
            b.close();
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }
}
