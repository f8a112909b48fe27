package ai.legion.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.data.dataset.Stage1Dataset;
import ai.legion.models.LegionModel;
import ai.legion.models.lora.LoraAdapters;
import ai.legion.train.optim.AdamW;
import ai.legion.train.optim.GradientClipping;
import ai.legion.train.optim.LossScaler;
import ai.legion.train.optim.LrSchedule;
import ai.legion.train.optim.TrainableParameter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import ai.legion.models.nn.Ops;

/**
 * Stage-1 (localization + explanation) training as upstream does it ({@code scripts/loc_exp/train.py},
 * {@code train.sh}), with the loop DJL's {@code EasyTrain} lacks: gradient accumulation, global-norm clipping, a
 * warmup-then-linear-decay schedule, AdamW over an explicit set of trainables, atomic checkpoints and bit-exact
 * resume on CPU.
 *
 * <pre>{@code
 * Stage1Trainer.builder().model(model).train(trainSet).validate(valSet)
 *     .epochs(3).batchSize(16).accumulate(1).lr(1e-4).warmup(100)
 *     .checkpointDir(dir).checkpointEvery(100).build().fit();
 * }</pre>
 *
 * <p>Reproducibility: data order comes from {@link ResumableSampler} (seeded per epoch), augmentation
 * seeds from the sample index, and the engine's generator (LoRA dropout) is re-seeded from
 * {@code (seed, step)} before every step, so a resumed run repeats the interrupted one's losses.
 */
public final class Stage1Trainer {

    private final Builder cfg;
    private final List<TrainableParameter> params;
    private final AdamW optimizer;
    private final ResumableSampler sampler;
    private final Stage1Objective objective;
    private final LrSchedule schedule;
    private final LossScaler scaler;
    private final long totalSteps;
    private long skippedSteps;
    private long step;
    private long lastCheckpoint = -1;
    private long epoch;
    private long nextBatch;

    private Stage1Trainer(Builder b) {
        this.cfg = b;
        if (b.lora != null) {
            LoraAdapters.apply(b.model.llm(), "", b.lora, LoraAdapters.LEGION_EXCLUDED, b.seed,
                    b.model.llm().dataType()); // float16 adapters on a float16 model (fp32 masters in AdamW)
        }
        this.params = Trainables.apply(b.model.weightMap(true), b.trainable);
        this.optimizer = new AdamW(params, b.adam, b.model.manager());
        boolean half = params.stream().anyMatch(p -> p.parameter().getArray().getDataType() != DataType.FLOAT32);
        this.scaler = b.lossScaler != null ? b.lossScaler : half ? LossScaler.dynamic() : LossScaler.none();
        this.sampler = new ResumableSampler(b.seed, b.batchSize, true, false);
        this.objective = new Stage1Objective(b.model, b.weights);
        long perEpoch = (sampler.batchesPerEpoch(b.train.size()) + b.accumulate - 1) / b.accumulate;
        this.totalSteps = b.maxSteps > 0 ? b.maxSteps : perEpoch * b.epochs;
        this.schedule = b.schedule != null ? b.schedule
                : LrSchedule.warmupLinearDecay(b.lr, Math.min(b.warmup, totalSteps - 1), totalSteps);
    }

    /** A new configuration. */
    public static Builder builder() {
        return new Builder();
    }

    /** The trainable parameters (after LoRA was attached). */
    public List<TrainableParameter> trainables() {
        return params;
    }

    /** Optimizer steps of a full run. */
    public long totalSteps() {
        return totalSteps;
    }

    /** Continues from the latest checkpoint under the checkpoint folder (if there is one). */
    public Stage1Trainer resume() throws CheckpointException {
        Path dir = cfg.checkpointDir == null ? null : TrainingCheckpoint.latest(cfg.checkpointDir);
        if (dir != null) {
            TrainingCheckpoint.State s = TrainingCheckpoint.restore(dir, params, optimizer);
            if (s.seed() != cfg.seed) {
                throw new CheckpointException(dir, null, "was written with seed " + s.seed() + ", this run uses "
                        + cfg.seed);
            }
            step = s.step();
            epoch = s.epoch();
            nextBatch = s.nextBatch();
            Map<String, Object> x = s.extra() == null ? Map.of() : s.extra();
            if (x.get("loss_scale") instanceof Number scale) {
                scaler.restore(scale.doubleValue(), ((Number) x.getOrDefault("loss_scale_good_steps", 0)).longValue());
            }
            if (x.get("skipped_steps") instanceof Number n) {
                skippedSteps = n.longValue();
            }
        }
        return this;
    }

    /**
     * Trains until the configured steps are done.
     *
     * @return the per-step metrics of this call
     * @throws TrainingDivergedException on a NaN/Inf loss or gradient (weights are not updated with it)
     */
    public List<StepMetrics> fit() throws IOException, CheckpointException {
        List<StepMetrics> history = new ArrayList<>();
        if (cfg.metricsFile != null && cfg.metricsFile.toAbsolutePath().getParent() != null) {
            Files.createDirectories(cfg.metricsFile.toAbsolutePath().getParent());
        }
        if (cfg.metricsFile != null) { // lines of steps after the checkpoint are written again by this run
            MetricsFile.keepUpTo(cfg.metricsFile, step);
        }
        ExecutorService pool = cfg.prefetchThreads > 0 ? Executors.newFixedThreadPool(cfg.prefetchThreads) : null;
        Writer metrics = cfg.metricsFile == null ? null : Files.newBufferedWriter(cfg.metricsFile,
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProgressBar bar = cfg.progress ? new ProgressBarBuilder().setTaskName("stage1").setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(
                        System.err)).build() : null;
        long start = System.nanoTime();
        // DJL attaches gradient buffers without clearing them: start from zero, not from whatever memory held
        optimizer.zeroGradients();
        try (GracefulShutdown exit = new GracefulShutdown("stage 1");
                NDManager base = cfg.model.manager().newSubManager()) {
            if (bar != null) {
                bar.stepTo(step);
            }
            long end = cfg.stopAt > 0 ? Math.min(totalSteps, cfg.stopAt) : totalSteps;
            while (step < end) {
                sampler.position(epoch, nextBatch);
                Iterator<Batch> it;
                try {
                    it = (pool == null ? cfg.train.getData(base, sampler) : cfg.train.getData(base, sampler, pool))
                            .iterator();
                } catch (ai.djl.translate.TranslateException e) {
                    throw new IOException("training data: " + e.getMessage(), e);
                }
                long batchInEpoch = nextBatch;
                long batchesThisEpoch = sampler.batchesPerEpoch(cfg.train.size());
                while (step < end && batchInEpoch < batchesThisEpoch) {
                    long t0 = System.nanoTime();
                    Engine.getInstance().setRandomSeed((int) (cfg.seed * 1_000_003L + step));
                    double loss = 0;
                    double ce = 0;
                    double bce = 0;
                    double dice = 0;
                    int samples = 0;
                    int micro = 0;
                    List<Object> indices = new ArrayList<>();
                    while (micro < cfg.accumulate && batchInEpoch < batchesThisEpoch && it.hasNext()) {
                        try (Batch batch = it.next()) {
                            indices.addAll(batch.getIndices());
                            ParameterStore ps = new ParameterStore(batch.getManager(), false);
                            Stage1Objective.Losses l;
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                l = objective.compute(ps, batch.getData(), batch.getLabels(), true);
                                double value = l.total().getFloat();
                                if (!Double.isFinite(value)) {
                                    throw new TrainingDivergedException(step, indices, "loss is " + value + " (ce "
                                            + l.ce() + ", bce " + l.bce() + ", dice " + l.dice() + ")");
                                }
                                NDArray target = Ops.div(l.total(), cfg.accumulate);
                                gc.backward(scaler.isDynamic() ? Ops.mul(target, scaler.scale()) : target);
                                loss += value;
                            }
                            ce += l.ce();
                            bce += l.bce();
                            dice += l.dice();
                            samples += batch.getSize();
                        }
                        micro++;
                        batchInEpoch++;
                    }
                    if (micro == 0) {
                        break;
                    }
                    double norm;
                    try (NDManager scratch = base.newSubManager()) {
                        norm = GradientClipping.norm(params, scratch) / scaler.scale();
                    }
                    if (!Double.isFinite(norm)) {
                        String which = scaler.isDynamic() ? "" : nonFiniteGradients(base);
                        optimizer.zeroGradients();
                        double scale = scaler.scale();
                        try {
                            scaler.update(true);
                        } catch (IllegalStateException e) {
                            throw new TrainingDivergedException(step, indices, "gradient norm is " + norm + (which.isEmpty()
                                    ? " at the minimum loss scale " + scale : " (non-finite gradients in " + which + ")"));
                        }
                        // float16 overflow: the step is skipped (its batches are used up), the scale halved
                        skippedSteps++;
                        nextBatch = batchInEpoch;
                        if (batchInEpoch >= batchesThisEpoch) {
                            epoch++;
                            nextBatch = 0;
                        }
                        continue;
                    }
                    double lr = schedule.lr(step);
                    optimizer.step(lr, GradientClipping.coefficient(norm, cfg.clipNorm) / scaler.scale());
                    optimizer.zeroGradients();
                    scaler.update(false);
                    step++;
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    StepMetrics sm = new StepMetrics(step, epoch, lr, loss / micro, ce / micro, bce / micro,
                            dice / micro, 0, norm, samples, samples / seconds, (System.nanoTime() - start) / 1e9);
                    history.add(sm);
                    nextBatch = batchInEpoch;
                    if (batchInEpoch >= batchesThisEpoch) {
                        epoch++;
                        nextBatch = 0;
                    }
                    report(sm, metrics, bar);
                    if (cfg.checkpointDir != null && cfg.checkpointEvery > 0 && step % cfg.checkpointEvery == 0) {
                        checkpoint();
                    }
                    if (cfg.validate != null && cfg.validateEvery > 0 && step % cfg.validateEvery == 0) {
                        validate(base);
                    }
                    if (exit.requested()) {
                        if (bar != null) {
                            bar.close();
                        }
                        exit.stopAt(step, cfg.checkpointDir, lastCheckpoint == step, this::checkpoint);
                    }
                }
                // drain the iterator of an epoch that ended early (e.g. when the step budget ran out)
                while (it.hasNext()) {
                    it.next().close();
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
            IoUtils.closeQuietly(metrics);
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        if (cfg.checkpointDir != null && (cfg.checkpointEvery <= 0 || step % cfg.checkpointEvery != 0)) {
            checkpoint();
        }
        return history;
    }

    /**
     * For the error message: the parameters whose gradient holds a NaN or infinity, or else the ones
     * with the largest gradients (a float32 norm can overflow without any element doing so).
     */
    private String nonFiniteGradients(NDManager base) {
        List<String> bad = new ArrayList<>();
        java.util.TreeMap<Double, String> largest = new java.util.TreeMap<>();
        try (NDManager scratch = base.newSubManager()) {
            for (TrainableParameter p : params) {
                ai.djl.ndarray.NDArray g = p.parameter().getArray().getGradient();
                g.attach(scratch);
                double max = g.abs().max().getFloat();
                if (!Double.isFinite(max)) {
                    bad.add(p.key());
                } else {
                    largest.put(max, p.key());
                    if (largest.size() > 3) {
                        largest.pollFirstEntry();
                    }
                }
            }
        }
        return bad.isEmpty() ? "none; largest |grad| " + largest.descendingMap() : bad.subList(0, Math.min(5, bad.size()))
                .toString();
    }

    private void report(StepMetrics sm, Writer metrics, ProgressBar bar) throws IOException {
        for (TrainListener l : cfg.listeners) {
            l.onStep(sm);
        }
        if (metrics != null) {
            metrics.write(MetricsFile.line(sm) + "\n"); // one write: a kill tears at most the last line
            metrics.flush();
        }
        if (bar != null) {
            bar.stepTo(sm.step());
            bar.setExtraMessage(String.format("loss %.3f (ce %.3f bce %.3f dice %.3f) lr %.2e %.1f samples/s",
                    sm.loss(), sm.ce(), sm.bce(), sm.dice(), sm.lr(), sm.samplesPerSecond()));
        }
    }

    /** Writes a checkpoint of the current state now. */
    public Path checkpoint() throws CheckpointException {
        Path dir = TrainingCheckpoint.save(cfg.checkpointDir, params, optimizer,
                new TrainingCheckpoint.State(step, epoch, nextBatch, cfg.seed, Map.of("total_steps", totalSteps,
                        "loss_scale", scaler.scale(), "loss_scale_good_steps", scaler.goodSteps(),
                        "skipped_steps", skippedSteps)));
        for (TrainListener l : cfg.listeners) {
            l.onCheckpoint(step, dir);
        }
        lastCheckpoint = step;
        return dir;
    }

    /** Mean losses over the validation set (no gradients), reported to the listeners and returned. */
    public Map<String, Double> validate(NDManager base) throws IOException {
        double ce = 0;
        double bce = 0;
        double dice = 0;
        double total = 0;
        int batches = 0;
        try {
            for (Batch batch : cfg.validate.getData(base)) {
                try (batch) {
                    Stage1Objective.Losses l = objective.compute(new ParameterStore(batch.getManager(), false),
                            batch.getData(), batch.getLabels(), false);
                    total += l.total().getFloat();
                    ce += l.ce();
                    bce += l.bce();
                    dice += l.dice();
                    batches++;
                }
            }
        } catch (ai.djl.translate.TranslateException e) {
            throw new IOException("validation data: " + e.getMessage(), e);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val/loss", total / Math.max(1, batches));
        m.put("val/ce", ce / Math.max(1, batches));
        m.put("val/bce", bce / Math.max(1, batches));
        m.put("val/dice", dice / Math.max(1, batches));
        for (TrainListener l : cfg.listeners) {
            l.onValidation(step, m);
        }
        return m;
    }

    /** Optimizer steps done. */
    public long step() {
        return step;
    }

    /** Steps skipped because float16 gradients overflowed (each halved the loss scale). */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** The loss scaler (dynamic for float16 trainables, else none). */
    public LossScaler lossScaler() {
        return scaler;
    }

    /** The optimizer (its float32 master copies of float16 trainables, its step count). */
    public AdamW optimizer() {
        return optimizer;
    }

    /** Configuration. */
    public static final class Builder {
        private LegionModel model;
        private Stage1Dataset train;
        private Stage1Dataset validate;
        private Predicate<String> trainable = Trainables.LEGION_STAGE1;
        private LoraConfig lora;
        private int epochs = 1;
        private long maxSteps;
        private long stopAt;
        private int batchSize = 16;
        private int accumulate = 1;
        private double lr = 1e-4;
        private long warmup = 100;
        private LrSchedule schedule;
        private double clipNorm = 1.0;
        private AdamW.Config adam = AdamW.Config.LEGION;
        private LossScaler lossScaler;
        private Stage1Objective.Weights weights = Stage1Objective.Weights.LEGION;
        private long seed;
        private Path checkpointDir;
        private long checkpointEvery;
        private long validateEvery;
        private Path metricsFile;
        private int prefetchThreads = 2;
        private boolean progress;
        private final List<TrainListener> listeners = new ArrayList<>();

        public Builder model(LegionModel m) {
            this.model = m;
            return this;
        }

        public Builder train(Stage1Dataset d) {
            this.train = d;
            return this;
        }

        public Builder validate(Stage1Dataset d) {
            this.validate = d;
            return this;
        }

        /** Which checkpoint keys train (default {@link Trainables#LEGION_STAGE1}). */
        public Builder trainable(Predicate<String> keys) {
            this.trainable = Objects.requireNonNull(keys);
            return this;
        }

        /** Attach LoRA adapters to the LLM first (LEGION: r 8, alpha 16, dropout 0.05 on q_proj/v_proj). */
        public Builder lora(LoraConfig config) {
            this.lora = config;
            return this;
        }

        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        /** Stop after this many optimizer steps (overrides epochs). */
        public Builder maxSteps(long n) {
            this.maxSteps = n;
            return this;
        }

        /**
         * Stop (with a checkpoint) once this step is reached, without changing the schedule, which still
         * spans {@code epochs} or {@code maxSteps}; a later run resumes from there, possibly with other loss
         * weights (0 = run to the end).
         */
        public Builder stopAt(long step) {
            this.stopAt = step;
            return this;
        }

        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        public Builder accumulate(int n) {
            this.accumulate = n;
            return this;
        }

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        /** Warmup steps of the default schedule (upstream 100). */
        public Builder warmup(long steps) {
            this.warmup = steps;
            return this;
        }

        /** Replace the default warmup-linear-decay schedule. */
        public Builder schedule(LrSchedule s) {
            this.schedule = s;
            return this;
        }

        public Builder clipNorm(double norm) {
            this.clipNorm = norm;
            return this;
        }

        public Builder optimizer(AdamW.Config c) {
            this.adam = Objects.requireNonNull(c);
            return this;
        }

        /**
         * Loss scaling (default: {@link LossScaler#dynamic()} when a trainable is float16, else
         * {@link LossScaler#none()}).
         */
        public Builder lossScaler(LossScaler s) {
            this.lossScaler = s;
            return this;
        }

        public Builder weights(Stage1Objective.Weights w) {
            this.weights = Objects.requireNonNull(w);
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder checkpointDir(Path dir) {
            this.checkpointDir = dir;
            return this;
        }

        public Builder checkpointEvery(long steps) {
            this.checkpointEvery = steps;
            return this;
        }

        public Builder validateEvery(long steps) {
            this.validateEvery = steps;
            return this;
        }

        /** Append one JSON line of {@link StepMetrics} per step here. */
        public Builder metricsFile(Path file) {
            this.metricsFile = file;
            return this;
        }

        /** Threads decoding samples ahead (0 = none). */
        public Builder prefetchThreads(int n) {
            this.prefetchThreads = n;
            return this;
        }

        /** Show a console progress bar (stderr). */
        public Builder progress(boolean show) {
            this.progress = show;
            return this;
        }

        public Builder listener(TrainListener l) {
            this.listeners.add(l);
            return this;
        }

        public Stage1Trainer build() {
            if (model == null || train == null) {
                throw new IllegalArgumentException("Stage1Trainer needs a model and a training dataset");
            }
            if (epochs <= 0 && maxSteps <= 0 || batchSize <= 0 || accumulate <= 0 || !(lr > 0) || clipNorm <= 0) {
                throw new IllegalArgumentException("epochs or maxSteps, batchSize, accumulate, lr and clipNorm must be "
                        + "positive");
            }
            return new Stage1Trainer(this);
        }

        /** {@link #build()}, resume from the latest checkpoint in the checkpoint folder (if any), and train. */
        public List<StepMetrics> fit() throws IOException, CheckpointException {
            return build().resume().fit();
        }
    }
}
