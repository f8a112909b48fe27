package ai.legion.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sample.ClassIndex;
import ai.legion.models.LegionModel;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.WeightMap;
import ai.legion.train.loss.TokenLoss;
import ai.legion.train.optim.AdamW;
import ai.legion.train.optim.GradientClipping;
import ai.legion.train.optim.LrSchedule;
import ai.legion.train.optim.TrainableParameter;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.DType;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.core.io.SafetensorsWriter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Stage 2 (LEGION {@code scripts/cls/train.py}, {@code model/Legion.py::LegionForCls}): only {@code prediction_head}
 * trains, on the CLS token of CLIP's selected layer, with cross-entropy, transformers' AdamW, a cosine schedule
 * without warmup and global-norm clipping at 1.0. CLIP is frozen, so its features are computed once and reused every
 * epoch.
 *
 * <p>Option {@link #standardize}: train on features standardized with the training set's per-dimension
 * mean and standard deviation and fold them into the head's first layer afterwards
 * ({@code W' = W / σ}, {@code b' = b − W (μ / σ)}), so the exported head is the upstream layout and
 * reads raw features. Needed when CLIP is randomly initialized (its CLS features then vary by about 2%
 * of their magnitude and the plain recipe stays at chance).
 */
public final class Stage2Trainer {

    /**
     * Result of a run.
     *
     * @param history per-step metrics
     * @param trainAccuracy accuracy on the training features after training
     */
    public record Result(List<StepMetrics> history, double trainAccuracy) {}

    private final LegionModel model;
    private final ClassIndex classes;
    private final int epochs;
    private final int batchSize;
    private final double lr;
    private final boolean balanced;
    private final boolean standardize;
    private final long seed;

    private Stage2Trainer(Builder b) {
        if (b.model == null) {
            throw new IllegalArgumentException("Stage2Trainer: model(...) is required");
        }
        if (!b.model.hasDetectionHead()) {
            throw new IllegalArgumentException("the model has no detection head to train (load it with "
                    + "LegionModel.loader().freshDetectionHead(true))");
        }
        this.model = b.model;
        this.classes = b.classes;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.lr = b.lr;
        this.balanced = b.balanced;
        this.standardize = b.standardize;
        this.seed = b.seed;
    }

    /** A stage-2 configuration with upstream's defaults (3 epochs, batch 64, lr 1e-3, LEGION's class order). */
    public static Builder builder() {
        return new Builder();
    }

    /** Stage-2 settings; {@link #model} is required. */
    public static final class Builder {
        private LegionModel model;
        private ClassIndex classes = ClassIndex.LEGION;
        private int epochs = 3;
        private int batchSize = 64;
        private double lr = 1e-3;
        private boolean balanced;
        private boolean standardize;
        private long seed;

        private Builder() {}

        /** The model whose detection head trains (required). */
        public Builder model(LegionModel m) {
            this.model = m;
            return this;
        }

        /** The label convention of the head's two outputs (default LEGION's: 1 = real). */
        public Builder classes(ClassIndex c) {
            this.classes = java.util.Objects.requireNonNull(c, "classes");
            return this;
        }

        public Builder epochs(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + n);
            }
            this.epochs = n;
            return this;
        }

        public Builder batchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        public Builder lr(double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("lr must be positive and finite, got " + v);
            }
            this.lr = v;
            return this;
        }

        /** Draw real and fake samples equally often (with replacement within each class). */
        public Builder balanced(boolean b) {
            this.balanced = b;
            return this;
        }

        /** See the class documentation. */
        public Builder standardize(boolean b) {
            this.standardize = b;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** The trainer. */
        public Stage2Trainer build() {
            return new Stage2Trainer(this);
        }
    }

    /**
     * CLS features of records ({@code [N, mm_hidden]} on the host) and their labels; unreadable images
     * are skipped.
     *
     * @param x features
     * @param y class indices
     * @param ids record ids, in the order of the rows
     */
    public record Features(float[][] x, int[] y, List<String> ids) {

        /** Writes the features (safetensors: {@code x} float32, {@code y} int64, ids and a tag in the metadata). */
        public void save(Path file, String tag) throws CheckpointException {
            int n = x.length;
            int d = n == 0 ? 0 : x[0].length;
            ByteBuffer xb = ByteBuffer.allocate(n * d * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : x) {
                for (float v : row) {
                    xb.putFloat(v);
                }
            }
            ByteBuffer yb = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : y) {
                yb.putLong(v);
            }
            try {
                new SafetensorsWriter().metadata("ids", MAPPER.writeValueAsString(ids)).metadata("tag", tag)
                        .add("x", DType.F32, new long[] {n, d}, xb.flip())
                        .add("y", DType.I64, new long[] {n}, yb.flip()).write(file);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new CheckpointException(file, null, "cannot encode the ids: " + e.getMessage());
            }
        }

        /**
         * Reads features written by {@link #save}, or returns null when {@code file} is absent or was
         * written with another tag (another model or record list).
         */
        public static Features load(Path file, String tag) throws CheckpointException {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                if (!tag.equals(f.metadata().get("tag"))) {
                    return null;
                }
                long[] shape = f.info("x").shape();
                int n = (int) shape[0];
                int d = (int) shape[1];
                ByteBuffer xb = f.read("x").order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer yb = f.read("y").order(ByteOrder.LITTLE_ENDIAN);
                float[][] x = new float[n][d];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        x[i][j] = xb.getFloat();
                    }
                    y[i] = (int) yb.getLong();
                }
                List<String> ids = MAPPER.readValue(f.metadata().get("ids"),
                        MAPPER.getTypeFactory().constructCollectionType(List.class, String.class));
                return new Features(x, y, ids);
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException(file, null, "not a stage-2 feature cache: " + e.getMessage());
            }
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Computes the frozen CLIP's CLS features of records, a few images at a time. */
    public Features features(List<ArtifactRecord> records, ClipImageProcessor processor, ImageLoader loader) {
        List<float[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int chunk = 16;
        for (int start = 0; start < records.size(); start += chunk) {
            List<ArtifactRecord> part = records.subList(start, Math.min(records.size(), start + chunk));
            List<float[]> pixels = new ArrayList<>();
            List<ArtifactRecord> ok = new ArrayList<>();
            for (ArtifactRecord r : part) {
                try {
                    RgbImage img = loader.load(r.image());
                    pixels.add(processor.process(img).pixelValues());
                    ok.add(r);
                } catch (ImageException e) {
                    // an unreadable image is left out of the features
                }
            }
            if (ok.isEmpty()) {
                continue;
            }
            int s = processor.config().cropSize().height();
            try (NDManager m = model.manager().newSubManager()) {
                NDList rows = new NDList();
                for (float[] p : pixels) {
                    rows.add(m.create(p, new Shape(3, s, s)));
                }
                NDArray cls = model.encodeImage(new ParameterStore(m, false), NDArrays.stack(rows), false).cls();
                float[] flat = cls.toType(DataType.FLOAT32, false).toFloatArray();
                int d = (int) cls.getShape().get(1);
                for (int i = 0; i < ok.size(); i++) {
                    float[] row = new float[d];
                    System.arraycopy(flat, i * d, row, 0, d);
                    xs.add(row);
                    ys.add(classes.of(ok.get(i).authenticity()));
                    ids.add(ok.get(i).id());
                }
            }
        }
        return new Features(xs.toArray(new float[0][]), ys.stream().mapToInt(Integer::intValue).toArray(), ids);
    }

    /** Trains the head on precomputed features. */
    public Result fit(Features train) {
        int n = train.x().length;
        if (n == 0) {
            throw new IllegalArgumentException("no training features");
        }
        int d = train.x()[0].length;
        float[] mean = new float[d];
        float[] std = new float[d];
        if (standardize) {
            for (float[] row : train.x()) {
                for (int j = 0; j < d; j++) {
                    mean[j] += row[j] / n;
                }
            }
            for (float[] row : train.x()) {
                for (int j = 0; j < d; j++) {
                    std[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n;
                }
            }
            for (int j = 0; j < d; j++) {
                std[j] = (float) Math.sqrt(std[j] + 1e-12);
            }
        } else {
            java.util.Arrays.fill(std, 1f);
        }
        WeightMap head = model.weightMap(false);
        List<TrainableParameter> params = Trainables.apply(head, Trainables.LEGION_STAGE2);
        long stepsPerEpoch = (n + batchSize - 1) / batchSize;
        long total = stepsPerEpoch * epochs;
        LrSchedule schedule = LrSchedule.cosine(lr, total);
        List<StepMetrics> history = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(seed);
        long startNs = System.nanoTime();
        DataType headType = headType();
        try (AdamW opt = new AdamW(params, AdamW.Config.LEGION.withVariant(AdamW.Variant.HF), model.manager())) {
            opt.zeroGradients(); // DJL's fresh gradient buffers are not cleared
            long step = 0;
            for (int e = 0; e < epochs; e++) {
                int[] order = order(train.y(), rnd);
                for (int b = 0; b < stepsPerEpoch; b++) {
                    long t0 = System.nanoTime();
                    int from = b * batchSize;
                    int to = Math.min(n, from + batchSize);
                    float[] xs = new float[(to - from) * d];
                    long[] ys = new long[to - from];
                    for (int i = from; i < to; i++) {
                        float[] row = train.x()[order[i]];
                        for (int j = 0; j < d; j++) {
                            xs[(i - from) * d + j] = (row[j] - mean[j]) / std[j];
                        }
                        ys[i - from] = train.y()[order[i]];
                    }
                    double loss;
                    try (NDManager m = model.manager().newSubManager()) {
                        ParameterStore ps = new ParameterStore(m, false);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = model.classify(ps, headInput(m, xs, to - from, d, headType), true);
                            NDArray l = Ops.div(TokenLoss.nllSum(logits, Ops.tensor(m, ys)), to - from);
                            loss = l.getFloat();
                            if (!Double.isFinite(loss)) {
                                throw new TrainingDivergedException(step, List.of(from, to), "stage-2 loss is " + loss);
                            }
                            gc.backward(l);
                        }
                        double norm = GradientClipping.clip(params, 1.0, m);
                        double rate = schedule.lr(step);
                        opt.step(rate);
                        opt.zeroGradients();
                        step++;
                        double sec = (System.nanoTime() - t0) / 1e9;
                        history.add(new StepMetrics(step, e, rate, loss, loss, 0, 0, 0, norm, to - from,
                                (to - from) / sec, (System.nanoTime() - startNs) / 1e9));
                    }
                }
            }
        }
        if (standardize) {
            fold(mean, std);
        }
        for (TrainableParameter p : params) {
            p.parameter().getArray().setRequiresGradient(false);
        }
        return new Result(history, accuracy(train));
    }

    /** Accuracy of the head (raw features in, as exported) on features. */
    public double accuracy(Features f) {
        int correct = 0;
        int d = f.x().length == 0 ? 0 : f.x()[0].length;
        DataType headType = headType();
        for (int start = 0; start < f.x().length; start += 256) {
            int to = Math.min(f.x().length, start + 256);
            float[] xs = new float[(to - start) * d];
            for (int i = start; i < to; i++) {
                System.arraycopy(f.x()[i], 0, xs, (i - start) * d, d);
            }
            try (NDManager m = model.manager().newSubManager()) {
                NDArray logits = model.classify(new ParameterStore(m, false), headInput(m, xs, to - start, d, headType),
                        false);
                long[] pred = logits.argMax(1).toType(DataType.INT64, false).toLongArray();
                for (int i = start; i < to; i++) {
                    correct += pred[i - start] == f.y()[i] ? 1 : 0;
                }
            }
        }
        return f.x().length == 0 ? Double.NaN : (double) correct / f.x().length;
    }

    /** Epoch order: a shuffle, or with {@link #balanced} an equal number of draws per class. */
    private int[] order(int[] y, SplittableRandom rnd) {
        int n = y.length;
        int[] idx = new int[n];
        if (balanced) {
            List<Integer> a = new ArrayList<>();
            List<Integer> b = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                (y[i] == 0 ? a : b).add(i);
            }
            for (int i = 0; i < n; i++) {
                List<Integer> cls = (i % 2 == 0 && !a.isEmpty()) || b.isEmpty() ? a : b;
                idx[i] = cls.get(rnd.nextInt(cls.size()));
            }
            return idx;
        }
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /** {@code rows x d} features in the head's data type (a float16 head on GPU; the input needs no gradient). */
    private static NDArray headInput(NDManager m, float[] xs, int rows, int d, DataType headType) {
        NDArray x = Ops.tensor(m, xs, new Shape(rows, d));
        return x.getDataType() == headType ? x : x.toType(headType, false);
    }

    /** The head's data type (float16 when the model was loaded in float16 for a GPU). */
    private DataType headType() {
        return model.weightMap(false).parameter("prediction_head.0.weight").getArray().getDataType();
    }

    /** Folds the standardization into {@code prediction_head.0}: {@code W' = W / σ}, {@code b' = b − W μ/σ}. */
    private void fold(float[] mean, float[] std) {
        WeightMap map = model.weightMap(false);
        NDArray w = map.parameter("prediction_head.0.weight").getArray();
        NDArray bias = map.parameter("prediction_head.0.bias").getArray();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray s = m.create(std);
            NDArray mu = m.create(mean);
            NDArray wRaw = w.stopGradient();
            wRaw.attach(m);
            NDArray bRaw = bias.stopGradient();
            bRaw.attach(m);
            NDArray newW = wRaw.div(s);
            NDArray newB = bRaw.sub(newW.matMul(mu));
            Ops.assign(w, newW);
            Ops.assign(bias, newB);
        }
    }
}
