package ai.legion.spark;

import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * LEGION as a Spark ML {@link Transformer}: appends the analysis of an image column ({@link AnalysisColumns}) to a
 * DataFrame, so it fits in a {@code Pipeline}.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("hdfs:///crawl/2026-12-07/");
 * Dataset<Row> scored = new LegionTransformer().setModelPath("hdfs:///models/legion-7b")
 *         .setInputCol("content").setBatchSize(4).transform(images);
 * }</pre>
 *
 * <p>The input column holds image paths (strings: local paths the executors can read, {@code file:} or Hadoop
 * URIs) or encoded image bytes ({@code binaryFile}'s {@code content}; its {@code path} column then names the
 * image in errors). Each executor JVM loads the model once ({@link AnalyzerLoader}) and analyzes its partitions in
 * batches of {@code batchSize}. A row whose image cannot be read or analyzed gets the {@code error} column set.
 *
 * <p>Persistence: {@code write().save(path)} and {@link #load(String)}, alone or as a stage of a saved
 * {@code Pipeline}/{@code PipelineModel}, store the parameters (Spark ML's JSON metadata), not the model: a loaded
 * transformer reads the model from {@code modelPath} again, so that path must still be reachable.
 */
public final class LegionTransformer extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> modelPath;
    private final Param<String> clipPath;
    private final Param<String> samConfig;
    private final Param<String> inputCol;
    private final Param<String> outputPrefix;
    private final IntParam batchSize;
    private final IntParam maxNewTokens;
    private final IntParam threads;
    private final IntParam concurrency;
    private final BooleanParam gpu;
    private final LongParam maxMemory;

    // Spark ML finds a stage's parameters through its public no-argument methods returning a Param
    /** The model folder: local path, SparkFiles name or Hadoop URI. */
    public Param<String> modelPath() {
        return modelPath;
    }

    /** The CLIP folder ("" for MODEL/clip). */
    public Param<String> clipPath() {
        return clipPath;
    }

    /** SAM sizes: a preset or a JSON file ("" for MODEL/sam_config.json or inferred). */
    public Param<String> samConfig() {
        return samConfig;
    }

    /** The image column. */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** Prefix of the appended columns. */
    public Param<String> outputPrefix() {
        return outputPrefix;
    }

    /** Images per forward batch. */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Token budget of an explanation. */
    public IntParam maxNewTokens() {
        return maxNewTokens;
    }

    /** libtorch intra-op threads per executor JVM (0: libtorch's default). */
    public IntParam threads() {
        return threads;
    }

    /** Batches one executor JVM runs at once (0: one per task slot); bounds the activation memory. */
    public IntParam concurrency() {
        return concurrency;
    }

    /** Whether executors run the model on their GPU in float16. */
    public BooleanParam gpu() {
        return gpu;
    }

    /** Memory budget of each executor JVM's analyzer, bytes (0: the machine's default). */
    public LongParam maxMemory() {
        return maxMemory;
    }

    /** A transformer with a random uid. */
    public LegionTransformer() {
        this(Identifiable$.MODULE$.randomUID("legion"));
    }

    /** A transformer with the given uid (Spark ML's copy contract). */
    public LegionTransformer(String uid) {
        this.uid = uid;
        // created here, not in field initializers: a Param records its parent's uid, which is set only now
        modelPath = new Param<>(uid, "modelPath",
                "LEGION model folder: a local path, a file shipped with addFile/--files, or a Hadoop URI");
        clipPath = new Param<>(uid, "clipPath", "CLIP folder (empty: MODEL/clip)");
        samConfig = new Param<>(uid, "samConfig",
                "SAM sizes: vit_b, vit_l, vit_h or a JSON file (empty: MODEL/sam_config.json, else inferred)");
        inputCol = new Param<>(uid, "inputCol",
                "image column: path strings or encoded bytes (binaryFile's content)");
        outputPrefix = new Param<>(uid, "outputPrefix", "prefix of the appended columns");
        batchSize = new IntParam(uid, "batchSize", "images per forward batch",
                ParamValidators.gtEq(1));
        maxNewTokens = new IntParam(uid, "maxNewTokens", "token budget of an explanation",
                ParamValidators.gtEq(1));
        threads = new IntParam(uid, "threads",
                "libtorch intra-op threads per executor JVM (0: default)", ParamValidators.gtEq(0));
        concurrency = new IntParam(uid, "concurrency",
                "batches one executor JVM runs at once (0: one per task slot)", ParamValidators.gtEq(0));
        gpu = new BooleanParam(uid, "gpu", "run on the executor's GPU in float16 (CUDA libtorch on the executors)");
        maxMemory = new LongParam(uid, "maxMemory", "memory budget in bytes of each executor JVM's analyzer "
                + "(0: what the machine can hold); layers beyond it are streamed from the checkpoint",
                ParamValidators.gtEq(0));
        setDefault(clipPath, "");
        setDefault(samConfig, "");
        setDefault(inputCol, "path");
        setDefault(outputPrefix, "");
        setDefault(batchSize, (Object) 4);
        setDefault(maxNewTokens, (Object) 512);
        setDefault(threads, (Object) 0);
        setDefault(concurrency, (Object) 0);
        setDefault(gpu, (Object) false);
        setDefault(maxMemory, (Object) 0L);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Sets {@link #modelPath()}. */
    public LegionTransformer setModelPath(String value) {
        set(modelPath, value);
        return this;
    }

    /** Sets {@link #clipPath()}. */
    public LegionTransformer setClipPath(String value) {
        set(clipPath, value);
        return this;
    }

    /** Sets {@link #samConfig()}. */
    public LegionTransformer setSamConfig(String value) {
        set(samConfig, value);
        return this;
    }

    /** Sets {@link #inputCol()}. */
    public LegionTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /** Sets {@link #outputPrefix()}. */
    public LegionTransformer setOutputPrefix(String value) {
        set(outputPrefix, value);
        return this;
    }

    /** Sets {@link #batchSize()}. */
    public LegionTransformer setBatchSize(int value) {
        set(batchSize, (Object) value);
        return this;
    }

    /** Sets {@link #maxNewTokens()}. */
    public LegionTransformer setMaxNewTokens(int value) {
        set(maxNewTokens, (Object) value);
        return this;
    }

    /** Sets {@link #threads()}. */
    public LegionTransformer setThreads(int value) {
        set(threads, (Object) value);
        return this;
    }

    /** Sets {@link #concurrency()}. */
    public LegionTransformer setConcurrency(int value) {
        set(concurrency, (Object) value);
        return this;
    }

    /** Sets {@link #gpu()}. */
    public LegionTransformer setGpu(boolean value) {
        set(gpu, (Object) value);
        return this;
    }

    /** Sets {@link #maxMemory()}. */
    public LegionTransformer setMaxMemory(long bytes) {
        set(maxMemory, (Object) bytes);
        return this;
    }

    /** Sets every model setting from a loader. */
    public LegionTransformer setLoader(AnalyzerLoader l) {
        setModelPath(l.model()).setClipPath(l.clip() == null ? "" : l.clip())
                .setSamConfig(l.samConfig() == null ? "" : l.samConfig());
        return setGpu(l.gpu()).setBatchSize(l.batchSize()).setMaxNewTokens(l.maxNewTokens()).setThreads(l.threads())
                .setConcurrency(l.concurrency()).setMaxMemory(l.maxMemory());
    }

    /**
     * The loader these parameters describe.
     *
     * @throws IllegalArgumentException if {@link #modelPath()} is not set
     */
    public AnalyzerLoader loader() {
        if (!isDefined(modelPath)) {
            throw new IllegalArgumentException("LegionTransformer: set modelPath (the LEGION model folder)");
        }
        String clip = $(clipPath);
        String sam = $(samConfig);
        return new AnalyzerLoader($(modelPath), clip.isEmpty() ? null : clip, sam.isEmpty() ? null : sam,
                (Integer) $(maxNewTokens), (Integer) $(batchSize), (Integer) $(threads), (Integer) $(concurrency),
                (Boolean) $(gpu), (Long) $(maxMemory));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        StructType in = dataset.schema();
        int input = in.fieldIndex($(inputCol));
        boolean binary = in.fields()[input].dataType().equals(DataTypes.BinaryType);
        int name = binary && List.of(in.fieldNames()).contains("path") ? in.fieldIndex("path") : -1;
        return dataset.toDF().mapPartitions(new PartitionAnalyzer(loader(), input, binary, name), Encoders.row(out));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String col = $(inputCol);
        if (!List.of(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException("LegionTransformer: no input column '" + col + "' in "
                    + schema.simpleString());
        }
        DataType t = schema.apply(col).dataType();
        if (!t.equals(DataTypes.StringType) && !t.equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("LegionTransformer: the input column '" + col + "' is "
                    + t.simpleString()
                    + "; expected string (image paths) or binary (encoded images, binaryFile's content)");
        }
        return new AnalysisColumns($(outputPrefix)).appendTo(schema);
    }

    @Override
    public LegionTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** The reader of saved transformers (Spark ML calls it by name when it loads a saved pipeline). */
    public static MLReader<LegionTransformer> read() {
        return new DefaultParamsReader<>();
    }

    /** A transformer saved with {@code write().save(path)}: same uid and parameters. */
    public static LegionTransformer load(String path) {
        return read().load(path);
    }
}
