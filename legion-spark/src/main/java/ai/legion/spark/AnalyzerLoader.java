package ai.legion.spark;

import ai.djl.Device;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.models.Precision;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.models.lm.GenerationOptions;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * How each executor JVM gets its {@link LegionAnalyzer}: this object is what Spark ships with the tasks (a few
 * strings and numbers); the analyzer itself is never serialized. The first task of a JVM that needs it resolves the
 * model folder ({@link ModelFiles}: a local path, a file shipped with {@code SparkContext.addFile}/{@code --files},
 * or a Hadoop URI copied to a local cache), loads it once, and every later task of that JVM (all its cores) shares
 * it: the analyzer is thread-safe, and one copy of the weights per executor is what the memory budget assumes.
 *
 * @param model the model folder: a local path, a name given to {@code SparkContext.addFile}, or a Hadoop URI
 *     ({@code hdfs://}, {@code s3a://}, {@code file:/})
 * @param clip the CLIP folder (same forms), or {@code null} for {@code MODEL/clip}
 * @param samConfig a SAM preset ({@code vit_b}, {@code vit_l}, {@code vit_h}) or a JSON file, or {@code null} for
 *     {@code MODEL/sam_config.json} (else inferred from the weights)
 * @param maxNewTokens the token budget of an explanation
 * @param batchSize images per forward batch
 * @param threads libtorch intra-op threads of the executor JVM ({@code 0}: libtorch's default); applies when this
 *     loader is the first to start the engine in that JVM
 * @param concurrency how many batches one executor JVM runs at once ({@code 0}: one per task slot); activations of
 *     a batch at real size are several GB, so this caps the memory of an executor with many cores
 * @param gpu run on the executor's GPU in float16 (the first GPU address Spark assigned to the task, else GPU 0;
 *     needs a CUDA libtorch on the executors, see docs/DISTRIBUTED.md)
 * @param maxMemory the memory budget in bytes of the executor JVM's analyzer ({@code 0}: what the executor's
 *     machine can hold, {@link LegionAnalyzer.Builder#maxMemory}); layers beyond it are streamed from the checkpoint
 */
public record AnalyzerLoader(String model, String clip, String samConfig, int maxNewTokens, int batchSize,
        int threads, int concurrency, boolean gpu, long maxMemory) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Analyzers of this JVM, one per distinct loader. */
    private static final Map<AnalyzerLoader, LegionAnalyzer> LOADED = new ConcurrentHashMap<>();
    private static final Map<AnalyzerLoader, Semaphore> PERMITS = new ConcurrentHashMap<>();
    /** Milliseconds each loader of this JVM took to load (the per-executor start-up cost). */
    private static final Map<AnalyzerLoader, Double> LOAD_MS = new ConcurrentHashMap<>();

    /** Checks the numbers. */
    public AnalyzerLoader {
        Objects.requireNonNull(model, "model");
        if (maxNewTokens <= 0 || batchSize <= 0 || threads < 0 || concurrency < 0 || maxMemory < 0) {
            throw new IllegalArgumentException("AnalyzerLoader: maxNewTokens and batchSize must be positive, threads, "
                    + "concurrency and maxMemory >= 0; got " + maxNewTokens + ", " + batchSize + ", " + threads + ", "
                    + concurrency + ", " + maxMemory);
        }
    }

    /** A loader of {@code model} with the CLI's defaults (512 tokens, batches of 4, default threads). */
    public static AnalyzerLoader of(String model) {
        return new AnalyzerLoader(model, null, null, 512, 4, 0, 0, false, 0);
    }

    /** This loader with another token budget. */
    public AnalyzerLoader withMaxNewTokens(int value) {
        return new AnalyzerLoader(model, clip, samConfig, value, batchSize, threads, concurrency, gpu, maxMemory);
    }

    /** This loader with another batch size. */
    public AnalyzerLoader withBatchSize(int value) {
        return new AnalyzerLoader(model, clip, samConfig, maxNewTokens, value, threads, concurrency, gpu, maxMemory);
    }

    /** This loader with a CLIP folder and SAM sizes. */
    public AnalyzerLoader withClipAndSam(String clipDir, String sam) {
        return new AnalyzerLoader(model, clipDir, sam, maxNewTokens, batchSize, threads, concurrency, gpu, maxMemory);
    }

    /** This loader with libtorch threads and batches per JVM. */
    public AnalyzerLoader withResources(int intraOpThreads, int batchesPerJvm) {
        return new AnalyzerLoader(model, clip, samConfig, maxNewTokens, batchSize, intraOpThreads, batchesPerJvm, gpu,
                maxMemory);
    }

    /** This loader on the GPU (or back on the CPU). */
    public AnalyzerLoader withGpu(boolean value) {
        return new AnalyzerLoader(model, clip, samConfig, maxNewTokens, batchSize, threads, concurrency, value, maxMemory);
    }

    /** This loader with a memory budget in bytes ({@code 0}: the machine's default). */
    public AnalyzerLoader withMaxMemory(long bytes) {
        return new AnalyzerLoader(model, clip, samConfig, maxNewTokens, batchSize, threads, concurrency, gpu, bytes);
    }

    /**
     * The analyzer of this JVM, loaded on first use.
     *
     * @throws IllegalStateException naming the model location when it cannot be found or loaded (a configuration
     *     error, which fails the task: every row would fail the same way)
     */
    public LegionAnalyzer analyzer() {
        return LOADED.computeIfAbsent(this, AnalyzerLoader::load);
    }

    /** Runs {@code work} while holding one of this JVM's {@link #concurrency} batch permits. */
    <T> T withPermit(java.util.function.Supplier<T> work) {
        if (concurrency == 0) {
            return work.get();
        }
        Semaphore s = PERMITS.computeIfAbsent(this, k -> new Semaphore(concurrency, true));
        s.acquireUninterruptibly();
        try {
            return work.get();
        } finally {
            s.release();
        }
    }

    /** How long this JVM took to load this loader's analyzer, or NaN when it has not loaded it. */
    public double loadMillis() {
        return LOAD_MS.getOrDefault(this, Double.NaN);
    }

    /** Closes and forgets every analyzer of this JVM (tests, the end of a CLI run). */
    public static void closeAll() {
        for (AnalyzerLoader k : LOADED.keySet()) {
            LegionAnalyzer a = LOADED.remove(k);
            if (a != null) {
                a.close();
            }
        }
        LOAD_MS.clear();
    }

    /** The first GPU Spark assigned to this task (spark.task.resource.gpu.amount), else 0. */
    private static int gpuIndex() {
        TaskContext task = TaskContext.get();
        ResourceInformation gpus = task == null ? null : task.resourcesJMap().get("gpu");
        return gpus == null || gpus.addresses().length == 0 ? 0 : Integer.parseInt(gpus.addresses()[0]);
    }

    private static SamConfig samConfig(String value) throws CheckpointException {
        try {
            return SamConfig.preset(value);
        } catch (IllegalArgumentException notPreset) {
            return SamConfig.read(ModelFiles.resolveFile(value));
        }
    }

    private static LegionAnalyzer load(AnalyzerLoader l) {
        long t0 = System.nanoTime();
        if (l.threads > 0) {
            // read by DJL's PyTorch engine when it starts; a JVM whose engine already runs keeps its setting
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(l.threads));
        }
        try {
            Path dir = ModelFiles.resolveDirectory(l.model);
            LegionAnalyzer.Builder b = LegionAnalyzer.builder().model(dir).batchSize(l.batchSize)
                    .generation(GenerationOptions.DEFAULT.withMaxNewTokens(l.maxNewTokens));
            if (l.clip != null) {
                b.clip(ModelFiles.resolveDirectory(l.clip));
            } else if (Files.isDirectory(dir.resolve("clip"))) {
                b.clip(dir.resolve("clip"));
            }
            if (l.samConfig != null) {
                b.samConfig(samConfig(l.samConfig));
            }
            if (l.gpu) {
                b.device(Device.gpu(gpuIndex())).precision(Precision.FLOAT16);
            }
            if (l.maxMemory > 0) {
                b.maxMemory(l.maxMemory);
            }
            LegionAnalyzer a = b.build();
            LOAD_MS.put(l, (System.nanoTime() - t0) / 1e6);
            return a;
        } catch (CheckpointException | UncheckedIOException e) {
            throw new IllegalStateException("cannot load the LEGION model " + l.model + " on this executor: "
                    + e.getMessage(), e);
        }
    }
}
