package ai.legion.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipConfig;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.dataset.SeededShuffleSampler;
import ai.legion.models.clip.ClipModel;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.loading.LegionSaver;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.WeightMap;
import ai.legion.train.loss.MaskLosses;
import ai.legion.train.optim.AdamW;
import ai.legion.train.optim.GradientClipping;
import ai.legion.train.optim.LrSchedule;
import ai.legion.train.optim.TrainableParameter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Vision pretraining, the stage before stage 1: CLIP's contrastive image-text objective (Radford et al. 2021;
 * HF {@code modeling_clip.py::clip_loss}) on image/caption pairs. Upstream LEGION starts from OpenAI's pretrained
 * CLIP ViT-L/14-336 and keeps it frozen; a model built from scratch needs a tower that was trained the same way,
 * and this is that training at any size.
 *
 * <p>Per batch of B pairs: {@code L = exp(t)·text·imageᵀ} over L2-normalized projections with learnable
 * temperature {@code t} ({@code logit_scale}), loss {@code (CE(L, diag) + CE(Lᵀ, diag)) / 2}. {@code t} is clamped
 * to {@code [0, ln 100]} after each step (OpenCLIP's {@code training/train.py}), the schedule is linear warmup then
 * cosine decay. Captions are tokenized with the LEGION tokenizer, truncated to the text tower's context with an
 * end token appended. Checkpoints, resume (bit-exact on CPU: the data order is a seeded permutation per epoch and
 * nothing else is random), metrics lines and the progress bar follow stage 1; the output is an HF
 * {@code CLIPModel} folder ({@link LegionSaver#saveClip}).
 *
 * <p>With {@link Builder#hardNegatives} each caption also brings a {@link HardNegatives hard negative} (one word
 * swapped), appended to the batch's texts: {@code L} becomes {@code [B + K, B]}, the image-to-text cross-entropy
 * runs over all {@code B + K} texts and the text-to-image one over the {@code B} true captions (NegCLIP's loss).
 *
 * <p>With {@link Builder#tagWeight} above 0, pairs that carry labels (tags known present or absent: scene facts a
 * synthetic dataset records, e.g. {@code object:car}, or {@code fake} for a detection folder's images) add a
 * supervised term, as ViT's own pretraining was supervised: a linear {@code tag_head} reads {@code hidden_states[-2]}
 * — the layer the LLM reads — once through the mean of the patch tokens and once through the CLS token, and each is
 * scored with binary cross-entropy against the pair's labels (per tag the mean over the pairs labelling it, then the
 * mean over tags; a tag a pair does not label is not scored on it). The total loss is
 * {@code contrastiveWeight · contrastive + tagWeight · tags}; the head is kept in checkpoints and left out of the
 * saved CLIP folder. Measured on scars-sim (docs/TRAINING.md): captions alone never taught a small tower which objects
 * a scene holds, the object tags alone did, so the demo tower trains with {@code contrastiveWeight} 0.
 *
 * <p>With {@link Builder#regionWeight} above 0, pairs whose {@link Pair#regions() regions} are known add a dense
 * term: a linear {@code region_head} reads every patch token of {@code hidden_states[-2]}, and each patch is labelled
 * on each region tag from the share of it the tag's regions cover on the processed input (see {@link Region}), scored
 * with binary cross-entropy balanced per tag. Image-level tags name what a scene holds; this term says where, which
 * is what an explanation of one artifact needs (measured in docs/TRAINING.md).
 */
public final class ClipPretrainer implements AutoCloseable {

    /**
     * One training pair.
     *
     * @param labels tags of the supervised term known for this image: present (true) or absent (false); tags not
     *     in the map are not scored on it (empty when the data records none)
     */
    public record Pair(Path image, String text, Map<String, Boolean> labels, List<Region> regions) {
        /**
         * Requires image, text and labels.
         *
         * @param regions the parts of the image that carry region tags; {@code null} when unknown (the region term
         *     skips the image), empty for an image known to have none (every patch is labelled absent)
         */
        public Pair {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(text, "text");
            labels = Collections.unmodifiableMap(new TreeMap<>(labels));
            regions = regions == null ? null : List.copyOf(regions);
        }

        /** A pair without labels. */
        public Pair(Path image, String text) {
            this(image, text, Map.of());
        }

        /** A pair with image-level labels and no known regions. */
        public Pair(Path image, String text, Map<String, Boolean> labels) {
            this(image, text, labels, null);
        }

        /** This pair with its regions known. */
        public Pair withRegions(List<Region> known) {
            return new Pair(image, text, labels, Objects.requireNonNull(known, "regions"));
        }

        /** A pair labelled on every tag of {@code vocabulary}: present if in {@code present}, else absent. */
        public static Pair tagged(Path image, String text, Collection<String> present, Collection<String> vocabulary) {
            Map<String, Boolean> labels = new TreeMap<>();
            vocabulary.forEach(t -> labels.put(t, present.contains(t)));
            return new Pair(image, text, labels);
        }
    }

    /** Rasterizes a region at the size of the image it belongs to (the image as decoded, before preprocessing). */
    @FunctionalInterface
    public interface RegionMask {
        BinaryMask at(int height, int width) throws IOException;
    }

    /**
     * A part of an image and the tags that hold there, e.g. an artifact's polygon with its kind and the object it
     * is on. The region term labels each patch of the CLIP input on each region tag: present where regions with
     * that tag cover at least {@link #PRESENT_COVERAGE} of the patch, absent where they cover none of it.
     */
    public record Region(RegionMask mask, Set<String> tags) {
        /** Requires both; copies the tags. */
        public Region {
            Objects.requireNonNull(mask, "mask");
            tags = Collections.unmodifiableSortedSet(new TreeSet<>(tags));
        }
    }

    /** Share of a patch a tag's regions must cover for the patch to be labelled with it (less, but some: unscored). */
    public static final double PRESENT_COVERAGE = 0.25;

    /**
     * Mean loss and retrieval accuracy over held-out pairs, in batches of the training batch size, without hard
     * negatives (comparable across runs); with them configured, {@code hardNegative} is the share of images whose
     * caption scores above its own hard negative (chance 0.5), else NaN. With the tag term, {@code tagAccuracy} is
     * the share of labelled (pair, tag) entries the head gets right from the mean patch token (NaN without), and
     * {@code tagAccuracies} the same per tag. With the region term, {@code regionAccuracy} is the mean over region
     * tags of the head's balanced patch accuracy (the mean of its accuracy on present and on absent patches: chance
     * 0.5 however rare a tag is), over tags with both kinds of patches; {@code regionAccuracies} per tag.
     */
    public record Validation(double loss, double imageToText, double textToImage, double hardNegative,
            double tagAccuracy, Map<String, Double> tagAccuracies, double regionAccuracy,
            Map<String, Double> regionAccuracies) {
        /** Copies the maps. */
        public Validation {
            tagAccuracies = Collections.unmodifiableMap(new LinkedHashMap<>(tagAccuracies));
            regionAccuracies = Collections.unmodifiableMap(new LinkedHashMap<>(regionAccuracies));
        }
    }

    private final Builder cfg;
    private final NDManager manager;
    private final ClipModel model;
    private final List<TrainableParameter> params;
    private final AdamW optimizer;
    private final ClipImageProcessor processor;
    private final ImageLoader loader = new ImageLoader();
    private final LrSchedule schedule;
    private final long totalSteps;
    private final long batchesPerEpoch;
    private final TrainableParameter logitScale;
    private final List<String> tags;
    private final Linear tagHead;
    private final List<String> regionTags;
    private final Linear regionHead;
    private final int gridSide;
    private long step;
    private long lastCheckpoint = -1;
    private long epoch;
    private long nextBatch;

    private ClipPretrainer(Builder b) {
        this.cfg = b;
        this.manager = NDManager.newBaseManager(b.device);
        try {
            this.model = new ClipModel(b.config);
            WeightMap weights = new WeightMap();
            model.mapWeights("", weights);
            this.tags = b.tagWeight > 0 ? tagVocabulary(b.train) : List.of();
            this.tagHead = tags.isEmpty() ? null : new Linear(b.config.visionConfig().hiddenSize(), tags.size(), true);
            if (tagHead != null) {
                tagHead.mapWeights(TAG_HEAD, weights);
            }
            this.regionTags = b.regionWeight > 0 ? regionVocabulary(b.train) : List.of();
            this.regionHead = regionTags.isEmpty() ? null
                    : new Linear(b.config.visionConfig().hiddenSize(), regionTags.size(), true);
            if (regionHead != null) {
                regionHead.mapWeights(REGION_HEAD, weights);
            }
            weights.initialize(manager, b.std, b.seed);
            this.params = Trainables.apply(weights, Trainables.ALL);
            this.optimizer = new AdamW(params, AdamW.Config.LEGION.withWeightDecay(b.weightDecay), manager);
            this.logitScale = params.stream().filter(p -> p.key().equals("logit_scale")).findFirst().orElseThrow();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.processor = new ClipImageProcessor(ClipImageProcessorConfig.square(b.config.visionConfig().imageSize()));
        this.gridSide = b.config.visionConfig().imageSize() / b.config.visionConfig().patchSize();
        this.batchesPerEpoch = b.train.size() / b.batchSize; // contrastive batches must be full
        this.totalSteps = b.maxSteps > 0 ? b.maxSteps : batchesPerEpoch * b.epochs;
        long warmup = Math.min(b.warmup, totalSteps - 1);
        LrSchedule cosine = LrSchedule.cosine(b.lr, Math.max(1, totalSteps - warmup));
        this.schedule = s -> s < warmup ? b.lr * (s + 1) / warmup : cosine.lr(s - warmup);
    }

    /** Key prefix of the tag head in checkpoints. */
    static final String TAG_HEAD = "tag_head.";

    /** Sorted tags the training pairs label. */
    private static List<String> tagVocabulary(List<Pair> pairs) {
        TreeSet<String> all = new TreeSet<>();
        pairs.forEach(p -> all.addAll(p.labels().keySet()));
        if (all.isEmpty()) {
            throw new IllegalArgumentException("tagWeight > 0 but no training pair has labels (the data records no "
                    + "scene facts)");
        }
        return List.copyOf(all);
    }

    /** Key prefix of the region head in checkpoints. */
    static final String REGION_HEAD = "region_head.";

    /** Sorted tags the training pairs' regions carry. */
    private static List<String> regionVocabulary(List<Pair> pairs) {
        TreeSet<String> all = new TreeSet<>();
        pairs.stream().filter(p -> p.regions() != null).forEach(p -> p.regions().forEach(r -> all.addAll(r.tags())));
        if (all.isEmpty()) {
            throw new IllegalArgumentException("regionWeight > 0 but no training pair has tagged regions (the data "
                    + "records no artifact facts)");
        }
        return List.copyOf(all);
    }

    /** The tags of the region term, in the region head's output order (empty when it is off). */
    public List<String> regionTags() {
        return regionTags;
    }

    /** The tags of the supervised term, in the head's output order (empty when it is off). */
    public List<String> tags() {
        return tags;
    }

    /** A new configuration. */
    public static Builder builder() {
        return new Builder();
    }

    /** Optimizer steps of a full run. */
    public long totalSteps() {
        return totalSteps;
    }

    /** Optimizer steps done. */
    public long step() {
        return step;
    }

    /** The model being trained. */
    public ClipModel model() {
        return model;
    }

    /** Continues from the latest checkpoint under the checkpoint folder (if there is one). */
    public ClipPretrainer resume() throws CheckpointException {
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
        }
        return this;
    }

    /**
     * Trains until the configured steps are done.
     *
     * @return the per-step metrics of this call ({@code ce} the contrastive loss, {@code bce} the tag loss,
     *     {@code loss} their weighted sum)
     * @throws TrainingDivergedException on a non-finite loss or gradient norm
     */
    public List<StepMetrics> fit() throws IOException, CheckpointException {
        List<StepMetrics> history = new ArrayList<>();
        if (cfg.metricsFile != null && cfg.metricsFile.toAbsolutePath().getParent() != null) {
            Files.createDirectories(cfg.metricsFile.toAbsolutePath().getParent());
        }
        if (cfg.metricsFile != null) { // lines of steps after the checkpoint are written again by this run
            MetricsFile.keepUpTo(cfg.metricsFile, step);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, cfg.prefetchThreads), r -> {
            Thread t = new Thread(r, "clip-batches");
            t.setDaemon(true);
            return t;
        });
        Writer metrics = cfg.metricsFile == null ? null : Files.newBufferedWriter(cfg.metricsFile,
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProgressBar bar = cfg.progress ? new ProgressBarBuilder().setTaskName("clip").setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(
                        System.err)).build() : null;
        long start = System.nanoTime();
        optimizer.zeroGradients(); // DJL attaches gradient buffers without clearing them
        try (GracefulShutdown exit = new GracefulShutdown("vision pretraining")) {
            if (bar != null) {
                bar.stepTo(step);
            }
            CompletableFuture<HostBatch> ahead = prepare(pool, epoch, nextBatch);
            while (step < totalSteps) {
                long t0 = System.nanoTime();
                HostBatch host = await(ahead);
                long[] following = advance(epoch, nextBatch);
                ahead = step + 1 < totalSteps ? prepare(pool, following[0], following[1]) : null;
                double loss;
                double contrastive;
                double tagLoss = 0;
                double regionLoss = 0;
                double accuracy;
                double norm;
                try (NDManager scratch = manager.newSubManager()) {
                    ParameterStore ps = new ParameterStore(scratch, false);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        GlobalImageEncoder.Output vision = model.visionModel().forward(ps, host.pixels(scratch), true);
                        NDArray l = null;
                        contrastive = 0;
                        accuracy = Double.NaN;
                        if (cfg.contrastiveWeight > 0) { // at weight 0 the text tower is not run at all
                            ClipModel.Output out = model.forward(ps, vision, host.ids(scratch), true);
                            // [B + K, B]: the B captions, then the K hard negatives
                            NDArray logits = out.logitsPerText();
                            l = contrastiveLoss(logits);
                            contrastive = l.getFloat();
                            accuracy = diagonalAccuracy(logits);
                            if (cfg.contrastiveWeight != 1) {
                                l = Ops.mul(l, cfg.contrastiveWeight);
                            }
                        }
                        if (tagHead != null && host.tagged() > 0) {
                            NDArray t = tagLoss(ps, vision, host, scratch, true);
                            tagLoss = t.getFloat();
                            NDArray weighted = Ops.mul(t, cfg.tagWeight);
                            l = l == null ? weighted : l.add(weighted);
                        }
                        if (regionHead != null && host.regionTagged() > 0) {
                            NDArray r = regionLoss(ps, vision, host, scratch, true);
                            regionLoss = r.getFloat();
                            NDArray weighted = Ops.mul(r, cfg.regionWeight);
                            l = l == null ? weighted : l.add(weighted);
                        }
                        if (l == null) {
                            throw new IllegalStateException("step " + step + ": no term to train (contrastive weight 0"
                                    + " and no pair of the batch has tags or regions)");
                        }
                        loss = l.getFloat();
                        if (!Double.isFinite(loss)) {
                            throw new TrainingDivergedException(step, host.indices(), "loss is " + loss
                                    + " (contrastive " + contrastive + ", tags " + tagLoss + ", regions " + regionLoss
                                    + ")");
                        }
                        gc.backward(l);
                    }
                    norm = GradientClipping.norm(params, scratch);
                }
                if (!Double.isFinite(norm)) {
                    throw new TrainingDivergedException(step, host.indices(), "gradient norm is " + norm);
                }
                double lr = schedule.lr(step);
                optimizer.step(lr, GradientClipping.coefficient(norm, cfg.clipNorm));
                optimizer.zeroGradients();
                clampLogitScale();
                step++;
                epoch = following[0];
                nextBatch = following[1];
                double seconds = (System.nanoTime() - t0) / 1e9;
                StepMetrics sm = new StepMetrics(step, host.epoch(), lr, loss, contrastive, tagLoss, 0, regionLoss,
                        norm, cfg.batchSize, cfg.batchSize / seconds, (System.nanoTime() - start) / 1e9);
                history.add(sm);
                report(sm, accuracy, metrics, bar);
                if (cfg.checkpointDir != null && cfg.checkpointEvery > 0 && step % cfg.checkpointEvery == 0) {
                    checkpoint();
                }
                if (cfg.validation != null && cfg.validateEvery > 0 && step % cfg.validateEvery == 0) {
                    validate();
                }
                if (exit.requested()) {
                    if (bar != null) {
                        bar.close();
                    }
                    exit.stopAt(step, cfg.checkpointDir, lastCheckpoint == step, this::checkpoint);
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
            IoUtils.closeQuietly(metrics);
            pool.shutdownNow();
        }
        if (cfg.checkpointDir != null && (cfg.checkpointEvery <= 0 || step % cfg.checkpointEvery != 0)) {
            checkpoint();
        }
        return history;
    }

    /** {@code (epoch, batch)} after the given one. */
    private long[] advance(long e, long b) {
        return b + 1 >= batchesPerEpoch ? new long[] {e + 1, 0} : new long[] {e, b + 1};
    }

    /**
     * HF {@code clip_loss}: the mean of the text-to-image and image-to-text cross-entropies with the matching
     * pair as the target, i.e. of the two log-softmaxes' diagonals. Rows beyond the number of images are hard
     * negatives: they compete in each image's softmax over texts (column) and are no one's target; their own
     * softmax over images is masked out by the diagonal.
     */
    static NDArray contrastiveLoss(NDArray logitsPerText) {
        long texts = logitsPerText.getShape().get(0);
        long n = logitsPerText.getShape().get(1);
        NDArray eye = logitsPerText.getManager().eye((int) texts, (int) n, 0, logitsPerText.getDataType());
        NDArray text = logitsPerText.logSoftmax(1).mul(eye).sum();
        NDArray image = logitsPerText.logSoftmax(0).mul(eye).sum();
        return Ops.div(text.add(image), -2.0 * n);
    }

    /**
     * Binary cross-entropy of the tag head on {@code hidden_states[-2]}: for each tag the batch labels, the mean over
     * the pairs labelling it; then the mean over those tags and over the two readings (patch mean, CLS). A tag few
     * pairs label (e.g. {@code fake}, from a small detection folder) weighs as much as one every scene labels.
     */
    private NDArray tagLoss(ParameterStore ps, GlobalImageEncoder.Output vision, HostBatch host, NDManager m,
            boolean training) {
        NDArray x = tagLogits(ps, vision, training); // [2, B, T]
        NDArray y = Ops.tensor(m, host.tagTargets(), new Shape(1, host.batch(), tags.size()));
        NDArray w = Ops.tensor(m, host.tagWeights(), new Shape(1, host.batch(), tags.size()));
        NDArray bce = MaskLosses.bceWithLogits(x, y);
        return Ops.div(bce.mul(w).sum(), 2.0 * host.tagged());
    }

    /**
     * Binary cross-entropy of the region head on each patch token of {@code hidden_states[-2]}, balanced per tag: the
     * batch's present patches of a tag weigh one half and its absent patches the other, then the mean over the tags
     * labelled in the batch. Artifacts cover a few patches of each image, so unbalanced the head would learn "absent"
     * everywhere and teach the tower nothing about where they are.
     */
    private NDArray regionLoss(ParameterStore ps, GlobalImageEncoder.Output vision, HostBatch host, NDManager m,
            boolean training) {
        NDArray x = regionLogits(ps, vision, training); // [B, P, R]
        Shape shape = new Shape(host.batch(), (long) gridSide * gridSide, regionTags.size());
        NDArray y = Ops.tensor(m, host.regionTargets(), shape);
        NDArray w = Ops.tensor(m, host.regionWeights(), shape);
        NDArray bce = MaskLosses.bceWithLogits(x, y);
        return Ops.div(bce.mul(w).sum(), host.regionTagged());
    }

    /** Region logits {@code [B, P, R]} of the patch tokens of {@code hidden_states[-2]}. */
    private NDArray regionLogits(ParameterStore ps, GlobalImageEncoder.Output vision, boolean training) {
        return regionHead.forward(ps, vision.hiddenState(-2).get(":, 1:, :"), training);
    }

    /** Region logits {@code [n, P, R]} of the training pairs {@code idx} at the current weights. */
    float[] regionLogits(long... idx) throws IOException {
        return onTrainingPairs(idx, (ps, vision) -> regionLogits(ps, vision, false));
    }

    /** A head's logits on the vision tower's output for the training pairs {@code idx}, at the current weights. */
    private float[] onTrainingPairs(long[] idx, java.util.function.BiFunction<ParameterStore,
            GlobalImageEncoder.Output, NDArray> head) throws IOException {
        HostBatch host = load(cfg.train, idx, 0);
        try (NDManager scratch = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(scratch, false);
            return head.apply(ps, model.visionModel().forward(ps, host.pixels(scratch), false)).toFloatArray();
        }
    }

    /** Region targets {@code [n, P, R]} (1 present, 0 absent, -1 unscored) of the training pairs {@code idx}. */
    float[] regionTargets(long... idx) throws IOException {
        HostBatch host = load(cfg.train, idx, 0);
        float[] out = host.regionTargets().clone();
        for (int k = 0; k < out.length; k++) {
            out[k] = host.regionLabelled()[k] ? out[k] : -1;
        }
        return out;
    }

    /** Tag logits {@code [2, B, T]}: of the mean patch token, then of the CLS token, of {@code hidden_states[-2]}. */
    private NDArray tagLogits(ParameterStore ps, GlobalImageEncoder.Output vision, boolean training) {
        NDArray h = vision.hiddenState(-2); // [B, 1 + P, C]
        NDArray patches = h.get(":, 1:, :").mean(new int[] {1});
        NDArray cls = h.get(":, 0, :");
        return tagHead.forward(ps, patches.expandDims(0).concat(cls.expandDims(0), 0), training);
    }

    /** Tag logits {@code [2, n, T]} (patch mean, then CLS) of the training pairs {@code idx} at the current weights. */
    float[] tagLogits(long... idx) throws IOException {
        return onTrainingPairs(idx, (ps, vision) -> tagLogits(ps, vision, false));
    }

    /** Fraction of captions and images whose largest logit is the matching pair (hard negatives compete). */
    private static double diagonalAccuracy(NDArray logitsPerText) {
        return (matches(logitsPerText.argMax(1), logitsPerText.getShape().get(1)) + matches(logitsPerText.argMax(0),
                logitsPerText.getShape().get(1))) / 2.0;
    }

    /** Share of the first {@code n} entries that point at their own index. */
    private static double matches(NDArray argMax, long n) {
        long[] best = argMax.toLongArray();
        int hit = 0;
        for (int i = 0; i < n; i++) {
            hit += best[i] == i ? 1 : 0;
        }
        return (double) hit / n;
    }

    /** OpenCLIP keeps the temperature above 1/100: {@code logit_scale.clamp_(0, ln 100)}. */
    private void clampLogitScale() {
        NDArray t = logitScale.parameter().getArray();
        float v = t.getFloat();
        float clamped = (float) Math.max(0, Math.min(Math.log(100), v));
        if (clamped != v) {
            try (NDManager scratch = manager.newSubManager()) {
                Ops.assign(t, scratch.full(t.getShape(), clamped, t.getDataType()));
            }
        }
    }

    /**
     * Mean contrastive loss and top-1 retrieval accuracies over the validation pairs (full batches only; NaN when
     * there are fewer pairs than a batch, or at contrastive weight 0, when the untrained text tower is not run), and
     * the tag and region accuracies of the supervised terms.
     */
    public Validation validate() throws IOException {
        List<Pair> pairs = cfg.validation;
        int batches = pairs.size() / cfg.batchSize;
        double loss = 0;
        double i2t = 0;
        double t2i = 0;
        long hardWins = 0;
        long hardPairs = 0;
        long[] tagRight = new long[tags.size()];
        long[] tagCount = new long[tags.size()];
        long[][] regionCounts = new long[regionTags.size()][4]; // right on present, present, right on absent, absent
        for (int b = 0; b < batches; b++) {
            long[] idx = new long[cfg.batchSize];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = (long) b * cfg.batchSize + i;
            }
            HostBatch host = load(pairs, idx, 0);
            try (NDManager scratch = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(scratch, false);
                GlobalImageEncoder.Output vision = model.visionModel().forward(ps, host.pixels(scratch), false);
                if (tagHead != null && host.tagged() > 0) { // the patch-mean reading, the one the LLM's input carries
                    float[] x = tagLogits(ps, vision, false).get(0).toFloatArray();
                    for (int k = 0; k < x.length; k++) {
                        if (host.tagWeights()[k] != 0) { // labelled entries are exactly those with a weight
                            tagRight[k % tags.size()] += (x[k] > 0) == (host.tagTargets()[k] > 0) ? 1 : 0;
                            tagCount[k % tags.size()]++;
                        }
                    }
                }
                if (regionHead != null && host.regionTagged() > 0) {
                    float[] x = regionLogits(ps, vision, false).toFloatArray();
                    for (int k = 0; k < x.length; k++) {
                        if (host.regionLabelled()[k]) {
                            boolean present = host.regionTargets()[k] > 0;
                            long[] c = regionCounts[k % regionTags.size()];
                            c[present ? 0 : 2] += (x[k] > 0) == present ? 1 : 0;
                            c[present ? 1 : 3]++;
                        }
                    }
                }
                if (cfg.contrastiveWeight == 0) { // an untrained text tower: its retrieval figures mean nothing
                    continue;
                }
                NDArray all = model.forward(ps, vision, host.ids(scratch), false).logitsPerText();
                long b0 = host.batch();
                NDArray logits = all.get("0:" + b0); // the comparable figures: without the hard negatives
                loss += contrastiveLoss(logits).getFloat();
                t2i += matches(logits.argMax(1), b0);
                i2t += matches(logits.argMax(0), b0);
                float[] l = all.toFloatArray();
                for (int k = 0; k < host.negativeOf().length; k++) {
                    int i = host.negativeOf()[k];
                    hardWins += l[(int) (i * b0 + i)] > l[(int) ((b0 + k) * b0 + i)] ? 1 : 0;
                    hardPairs++;
                }
            }
        }
        // fewer pairs than a batch, or no contrastive term: no figure rather than 0
        double n = batches == 0 || cfg.contrastiveWeight == 0 ? Double.NaN : batches;
        Map<String, Double> regions = balancedPerTag(regionCounts);
        Validation v = new Validation(loss / n, i2t / n, t2i / n,
                hardPairs == 0 ? Double.NaN : (double) hardWins / hardPairs,
                ratio(Arrays.stream(tagRight).sum(), Arrays.stream(tagCount).sum()), perTag(tagRight, tagCount),
                regions.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), regions);
        Map<String, Double> m = new LinkedHashMap<>();
        if (!Double.isNaN(n)) {
            m.put("val/loss", v.loss());
            m.put("val/image_to_text", v.imageToText());
            m.put("val/text_to_image", v.textToImage());
        }
        if (hardPairs > 0) {
            m.put("val/hard_negative", v.hardNegative());
        }
        if (!Double.isNaN(v.tagAccuracy())) {
            m.put("val/tag_accuracy", v.tagAccuracy());
            v.tagAccuracies().forEach((t, a) -> m.put("val/tag/" + t, a));
        }
        if (!Double.isNaN(v.regionAccuracy())) {
            m.put("val/region_accuracy", v.regionAccuracy());
            v.regionAccuracies().forEach((t, a) -> m.put("val/region/" + t, a));
        }
        for (TrainListener l : cfg.listeners) {
            l.onValidation(step, m);
        }
        return v;
    }

    private static double ratio(long right, long count) {
        return count == 0 ? Double.NaN : (double) right / count;
    }

    /** Accuracy per tag, for the tags the validation pairs label. */
    private Map<String, Double> perTag(long[] right, long[] count) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int t = 0; t < tags.size(); t++) {
            if (count[t] > 0) {
                out.put(tags.get(t), ratio(right[t], count[t]));
            }
        }
        return out;
    }

    /** Balanced accuracy per region tag, for the tags with present and absent validation patches. */
    private Map<String, Double> balancedPerTag(long[][] counts) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int t = 0; t < regionTags.size(); t++) {
            long[] c = counts[t];
            if (c[1] > 0 && c[3] > 0) {
                out.put(regionTags.get(t), (ratio(c[0], c[1]) + ratio(c[2], c[3])) / 2);
            }
        }
        return out;
    }

    /** Writes a checkpoint of the current state now. */
    public Path checkpoint() throws CheckpointException {
        Path dir = TrainingCheckpoint.save(cfg.checkpointDir, params, optimizer,
                new TrainingCheckpoint.State(step, epoch, nextBatch, cfg.seed, Map.of("total_steps", totalSteps)));
        for (TrainListener l : cfg.listeners) {
            l.onCheckpoint(step, dir);
        }
        lastCheckpoint = step;
        return dir;
    }

    /** Writes the model as a CLIP folder ({@link LegionSaver#saveClip}). */
    public void save(Path dir) throws CheckpointException {
        LegionSaver.saveClip(model, dir);
    }

    @Override
    public void close() {
        optimizer.close();
        manager.close();
    }

    private void report(StepMetrics sm, double accuracy, Writer metrics, ProgressBar bar) throws IOException {
        for (TrainListener l : cfg.listeners) {
            l.onStep(sm);
        }
        if (metrics != null) {
            metrics.write(MetricsFile.line(sm) + "\n"); // one write: a kill tears at most the last line
            metrics.flush();
        }
        if (bar != null) {
            bar.stepTo(sm.step());
            bar.setExtraMessage(Double.isNaN(accuracy) // no contrastive term: neither accuracy nor temperature moves
                    ? String.format("loss %.3f lr %.2e %.0f samples/s", sm.loss(), sm.lr(), sm.samplesPerSecond())
                    : String.format("loss %.3f acc %.2f T %.1f lr %.2e %.0f samples/s", sm.loss(), accuracy,
                            Math.exp(logitScale.parameter().getArray().getFloat()), sm.lr(), sm.samplesPerSecond()));
        }
    }

    /**
     * A batch decoded on the host: pixels and padded ids, ready to become arrays. The ids hold the {@code batch}
     * captions, then one hard negative per entry of {@code negativeOf} (the index of the image it belongs to).
     */
    private record HostBatch(float[] pixels, long[] ids, int batch, int length, int imageSize, long epoch,
            List<Object> indices, int[] negativeOf, float[] tagTargets, float[] tagWeights, int tagged,
            float[] regionTargets, boolean[] regionLabelled, float[] regionWeights, int regionTagged) {

        NDArray pixels(NDManager m) {
            return Ops.tensor(m, pixels, new Shape(batch, 3, imageSize, imageSize));
        }

        NDArray ids(NDManager m) {
            return Ops.tensor(m, ids, new Shape(ids.length / length, length));
        }
    }

    private CompletableFuture<HostBatch> prepare(ExecutorService pool, long e, long b) {
        long[] order = SeededShuffleSampler.permutation(cfg.train.size(), cfg.seed, e);
        long[] idx = Arrays.copyOfRange(order, (int) (b * cfg.batchSize), (int) ((b + 1) * cfg.batchSize));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return load(cfg.train, idx, e);
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }, pool);
    }

    private static HostBatch await(CompletableFuture<HostBatch> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while loading a batch");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof java.io.UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("loading a batch: " + e.getCause(), e.getCause());
        }
    }

    private HostBatch load(List<Pair> pairs, long[] idx, long e) throws IOException {
        int s = cfg.config.visionConfig().imageSize();
        int len = cfg.config.textConfig().maxPositionEmbeddings();
        int eos = cfg.config.textConfig().eosTokenId();
        float[] pixels = new float[idx.length * 3 * s * s];
        long[] ids = new long[idx.length * len];
        Arrays.fill(ids, cfg.config.textConfig().padTokenId());
        List<Object> indices = new ArrayList<>(idx.length);
        List<long[]> negatives = new ArrayList<>();
        List<Integer> negativeOf = new ArrayList<>();
        float[] tagTargets = new float[idx.length * tags.size()];
        float[] tagMask = new float[idx.length * tags.size()];
        int patches = gridSide * gridSide;
        float[] regionTargets = new float[idx.length * patches * regionTags.size()];
        boolean[] regionLabelled = new boolean[regionTargets.length];
        for (int i = 0; i < idx.length; i++) {
            Pair p = pairs.get((int) idx[i]);
            indices.add(idx[i]);
            float[] px;
            RgbImage image;
            try {
                image = loader.load(p.image());
                px = processor.preprocess(image);
            } catch (ImageException ex) {
                throw new IOException("pair " + idx[i] + ": " + ex.getMessage(), ex);
            }
            System.arraycopy(px, 0, pixels, i * px.length, px.length);
            if (!regionTags.isEmpty() && p.regions() != null) {
                labelPatches(p, image.height(), image.width(), i * patches * regionTags.size(), regionTargets,
                        regionLabelled);
            }
            for (Map.Entry<String, Boolean> label : tags.isEmpty() ? Map.<String, Boolean>of().entrySet()
                    : p.labels().entrySet()) {
                int k = Collections.binarySearch(tags, label.getKey());
                if (k >= 0) { // a held-out tag the training pairs never label is not scored
                    tagMask[i * tags.size() + k] = 1;
                    tagTargets[i * tags.size() + k] = label.getValue() ? 1 : 0;
                }
            }
            long[] row = textIds(p.text(), len, eos);
            System.arraycopy(row, 0, ids, i * len, len);
            if (cfg.hardNegatives != null) {
                // a generator per (seed, epoch, pair): resumed and uninterrupted runs draw the same negatives
                SplittableRandom rng = new SplittableRandom(cfg.seed * 0x9E3779B97F4A7C15L ^ e * 0xC2B2AE3D27D4EB4FL
                        ^ idx[i]);
                for (String c : cfg.hardNegatives.candidates(p.text(), rng)) {
                    long[] neg = textIds(c, len, eos);
                    if (!Arrays.equals(neg, row)) { // a swap past the context length changes nothing the model sees
                        negatives.add(neg);
                        negativeOf.add(i);
                        break;
                    }
                }
            }
        }
        // each tag weighs the same whatever the number of pairs labelling it: 1 / (its labelled pairs in the batch)
        float[] tagWeights = new float[tagMask.length];
        int tagged = 0;
        for (int k = 0; k < tags.size(); k++) {
            int c = 0;
            for (int i = 0; i < idx.length; i++) {
                c += (int) tagMask[i * tags.size() + k];
            }
            for (int i = 0; c > 0 && i < idx.length; i++) {
                tagWeights[i * tags.size() + k] = tagMask[i * tags.size() + k] / c;
            }
            tagged += c > 0 ? 1 : 0;
        }
        // balanced per tag: its present patches share a weight of 1/2, its absent ones the other 1/2
        float[] regionWeights = new float[regionTargets.length];
        int regionTagged = 0;
        int r = regionTags.size();
        for (int k = 0; k < r; k++) {
            int present = 0;
            int absent = 0;
            for (int q = k; q < regionTargets.length; q += r) {
                present += regionLabelled[q] && regionTargets[q] > 0 ? 1 : 0;
                absent += regionLabelled[q] && regionTargets[q] == 0 ? 1 : 0;
            }
            double share = present > 0 && absent > 0 ? 0.5 : 1.0;
            for (int q = k; q < regionTargets.length; q += r) {
                if (regionLabelled[q]) {
                    regionWeights[q] = (float) (share / (regionTargets[q] > 0 ? present : absent));
                }
            }
            regionTagged += present + absent > 0 ? 1 : 0;
        }
        if (!negatives.isEmpty()) {
            long[] all = Arrays.copyOf(ids, ids.length + negatives.size() * len);
            for (int k = 0; k < negatives.size(); k++) {
                System.arraycopy(negatives.get(k), 0, all, ids.length + k * len, len);
            }
            ids = all;
        }
        return new HostBatch(pixels, ids, idx.length, len, s, e, indices,
                negativeOf.stream().mapToInt(Integer::intValue).toArray(), tagTargets, tagWeights, tagged,
                regionTargets, regionLabelled, regionWeights, regionTagged);
    }

    /**
     * Labels the patches of one pair on every region tag, writing {@code [P, R]} entries at {@code offset}: the
     * union of the tag's regions is drawn at the image's size and taken through the processor's own resize and
     * centre crop (so a patch sees the part of the region its pixels came from), then each patch's coverage is its
     * mean. A tag none of the pair's regions carry is absent everywhere.
     */
    private void labelPatches(Pair p, int height, int width, int offset, float[] targets, boolean[] labelled)
            throws IOException {
        int r = regionTags.size();
        int patch = cfg.config.visionConfig().patchSize();
        List<BinaryMask> masks = new ArrayList<>(p.regions().size()); // each region drawn once, whatever its tags
        for (Region region : p.regions()) {
            BinaryMask m = region.mask().at(height, width);
            if (m.height() != height || m.width() != width) {
                throw new IOException(p.image() + ": a region mask is " + m.height() + "x" + m.width()
                        + ", the image " + height + "x" + width);
            }
            masks.add(m);
        }
        for (int k = 0; k < r; k++) {
            List<BinaryMask> carrying = new ArrayList<>();
            for (int i = 0; i < masks.size(); i++) {
                if (p.regions().get(i).tags().contains(regionTags.get(k))) {
                    carrying.add(masks.get(i));
                }
            }
            double[] coverage = carrying.isEmpty() ? new double[gridSide * gridSide]
                    : patchCoverage(processor.centerCrop(processor.resize(gray(BinaryMask.union(height, width,
                            carrying)))), patch);
            for (int q = 0; q < coverage.length; q++) {
                int e = offset + q * r + k;
                if (coverage[q] >= PRESENT_COVERAGE) {
                    targets[e] = 1;
                    labelled[e] = true;
                } else if (coverage[q] < 1.0 / 255) { // resampling leaves faint values next to a region
                    labelled[e] = true;
                }
            }
        }
    }

    /** A mask as an image, white where it is set, for the processor's resize and crop. */
    private static RgbImage gray(BinaryMask m) {
        byte[] bits = m.toBytes();
        byte[] rgb = new byte[bits.length * 3];
        for (int q = 0; q < bits.length; q++) {
            if (bits[q] != 0) {
                rgb[3 * q] = rgb[3 * q + 1] = rgb[3 * q + 2] = (byte) 255;
            }
        }
        return new RgbImage(m.width(), m.height(), rgb);
    }

    /** Mean intensity (0-1) of each patch of the processed mask, in row-major patch order. */
    private double[] patchCoverage(RgbImage mask, int patch) {
        double[] sum = new double[gridSide * gridSide];
        int[] count = new int[sum.length];
        for (int y = 0; y < Math.min(mask.height(), gridSide * patch); y++) {
            for (int x = 0; x < Math.min(mask.width(), gridSide * patch); x++) {
                int q = (y / patch) * gridSide + x / patch;
                sum[q] += mask.get(x, y, 0) / 255.0;
                count[q]++;
            }
        }
        for (int q = 0; q < sum.length; q++) {
            sum[q] = count[q] == 0 ? 0 : sum[q] / count[q];
        }
        return sum;
    }

    /** The caption's ids, cut to the context with the end token appended, padded to {@code len}. */
    private long[] textIds(String text, int len, int eos) {
        long[] row = new long[len];
        Arrays.fill(row, cfg.config.textConfig().padTokenId());
        long[] tokens = cfg.tokenizer.encode(text, true);
        int n = Math.min(tokens.length, len - 1);
        System.arraycopy(tokens, 0, row, 0, n);
        row[n] = eos;
        return row;
    }

    /** Configuration. */
    public static final class Builder {
        private ClipConfig config;
        private LegionTokenizer tokenizer;
        private List<Pair> train;
        private List<Pair> validation;
        private Device device = Device.cpu();
        private float std = 0.02f;
        private int epochs = 1;
        private long maxSteps;
        private int batchSize = 128;
        private double lr = 5e-4;
        private long warmup = 100;
        private double clipNorm = 1.0;
        private double weightDecay = 0.2;
        private long seed;
        private Path checkpointDir;
        private long checkpointEvery;
        private long validateEvery;
        private Path metricsFile;
        private int prefetchThreads = 1;
        private HardNegatives hardNegatives;
        private double tagWeight;
        private double regionWeight;
        private double contrastiveWeight = 1;
        private boolean progress;
        private final List<TrainListener> listeners = new ArrayList<>();

        /** The sizes of both towers ({@code CLIPConfig}). */
        public Builder config(ClipConfig c) {
            this.config = Objects.requireNonNull(c);
            return this;
        }

        /** Tokenizes the captions (its ids must fit the text tower's {@code vocab_size}). */
        public Builder tokenizer(LegionTokenizer t) {
            this.tokenizer = Objects.requireNonNull(t);
            return this;
        }

        public Builder train(List<Pair> pairs) {
            this.train = List.copyOf(pairs);
            return this;
        }

        /** Held-out pairs for {@link ClipPretrainer#validate()}. */
        public Builder validate(List<Pair> pairs) {
            this.validation = List.copyOf(pairs);
            return this;
        }

        public Builder device(Device d) {
            this.device = Objects.requireNonNull(d);
            return this;
        }

        /** Standard deviation of the normal initialization. */
        public Builder std(float s) {
            this.std = s;
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

        /** Pairs per step; every other pair of the batch is a negative. */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        public Builder lr(double v) {
            this.lr = v;
            return this;
        }

        public Builder warmup(long steps) {
            this.warmup = steps;
            return this;
        }

        public Builder clipNorm(double v) {
            this.clipNorm = v;
            return this;
        }

        /** AdamW decoupled weight decay on tensors of rank >= 2 (CLIP: 0.2). */
        public Builder weightDecay(double v) {
            this.weightDecay = v;
            return this;
        }

        /** Initialization and data order. */
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

        /** Threads decoding the next batch while the current one trains. */
        public Builder prefetchThreads(int n) {
            this.prefetchThreads = n;
            return this;
        }

        /** Adds a hard negative caption per pair (NegCLIP); {@code null} for CLIP's plain objective. */
        public Builder hardNegatives(HardNegatives h) {
            this.hardNegatives = h;
            return this;
        }

        /** Weight of the supervised tag term (0 = off, CLIP's objective alone); needs pairs with tags. */
        public Builder tagWeight(double w) {
            this.tagWeight = w;
            return this;
        }

        /** Weight of the region term (0 = off); needs pairs with tagged {@link Pair#regions() regions}. */
        public Builder regionWeight(double w) {
            this.regionWeight = w;
            return this;
        }

        /**
         * Weight of CLIP's contrastive term (default 1). At 0 only the tag term trains the vision tower and the text
         * tower is neither run nor changed.
         */
        public Builder contrastiveWeight(double w) {
            this.contrastiveWeight = w;
            return this;
        }

        /** Show a console progress bar (stderr). */
        public Builder progress(boolean show) {
            this.progress = show;
            return this;
        }

        public Builder listener(TrainListener l) {
            this.listeners.add(Objects.requireNonNull(l));
            return this;
        }

        /**
         * @throws IllegalArgumentException on a missing config, tokenizer or data, non-positive sizes, fewer training
         *     pairs than one batch, or a tokenizer larger than the text tower's vocabulary
         */
        public ClipPretrainer build() {
            if (config == null || tokenizer == null || train == null) {
                throw new IllegalArgumentException("ClipPretrainer needs a config, a tokenizer and training pairs");
            }
            if (epochs <= 0 && maxSteps <= 0 || batchSize < 2 || !(lr > 0) || !(clipNorm > 0) || warmup < 0
                    || weightDecay < 0 || !(std > 0) || !(tagWeight >= 0 && Double.isFinite(tagWeight))
                    || !(regionWeight >= 0 && Double.isFinite(regionWeight))
                    || !(contrastiveWeight >= 0 && Double.isFinite(contrastiveWeight))) {
                throw new IllegalArgumentException("epochs or maxSteps, lr, clipNorm and std must be positive, "
                        + "batchSize at least 2 (a contrastive batch needs negatives), warmup, weightDecay, tagWeight,"
                        + " regionWeight and contrastiveWeight >= 0");
            }
            if (contrastiveWeight == 0 && tagWeight == 0 && regionWeight == 0) {
                throw new IllegalArgumentException("contrastiveWeight, tagWeight and regionWeight are all 0: nothing"
                        + " to train");
            }
            if (train.size() < batchSize) {
                throw new IllegalArgumentException("ClipPretrainer: " + train.size() + " training pairs do not fill"
                        + " one batch of " + batchSize);
            }
            if (tokenizer.vocabSize() > config.textConfig().vocabSize()) {
                throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " ids but the text"
                        + " tower's vocab_size is " + config.textConfig().vocabSize());
            }
            return new ClipPretrainer(this);
        }
    }
}
