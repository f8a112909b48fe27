package ai.legion.models.inference;

import ai.legion.models.lm.GenerationOptions;
import ai.djl.Device;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.prompt.AnswerParser;
import ai.legion.core.prompt.LegionPrompt;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.Explanations;
import ai.legion.core.report.Timings;
import ai.legion.core.report.Verdict;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.models.EngineThreads;
import ai.legion.models.Generation;
import ai.legion.models.GenerationListener;
import ai.legion.models.LegionModel;
import ai.legion.models.Precision;
import ai.legion.models.memory.ActivationEstimate;
import ai.legion.models.memory.MemoryBudget;
import ai.legion.models.memory.MemoryPlan;
import ai.legion.models.memory.StreamedWeights;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Analyzes images with LEGION: verdict (when the checkpoint has a detection head), grounded
 * explanation, one mask per artifact and their union, as upstream {@code infer.py} does (greedy by
 * default), with a KV cache.
 *
 * <pre>{@code
 * try (LegionAnalyzer legion = LegionAnalyzer.builder().model(dir).clip(clipDir).build()) {
 *     ArtifactReport report = legion.analyze(Path.of("image.png"));
 * }
 * }</pre>
 *
 * <p><b>Memory:</b> the model runs within a budget ({@link Builder#maxMemory}, by default what the machine can
 * hold): when the weights, the activations and the working set do not all fit, layers are streamed from the
 * checkpoint per use ({@link MemoryPlan}, {@link StreamedWeights}) with results bit-identical to resident execution,
 * only slower; {@link #memoryPlan()} says which.
 *
 * <p><b>Thread safety:</b> an analyzer may be used from several threads at once. Every call works in
 * its own sub-manager of the model's manager and only reads the parameters; results are identical to
 * serial calls. Calls on one analyzer share the CPU (or GPU), so more threads than cores do not speed
 * things up: use {@link #analyzeAll} to batch instead. While layers are streamed, calls run one at a time
 * (the budget is planned for one call).
 */
public final class LegionAnalyzer implements AutoCloseable {

    private final LegionModel model;
    private final LegionTokenizer tokenizer;
    private final ImageLoader loader;
    private final ClipImageProcessor clipProcessor;
    private final SamImageProcessor samProcessor;
    private final GenerationOptions options;
    private final long[] promptIds;
    private final int batchSize;
    private final String modelId;
    private final boolean explainReal;
    private final MemoryPlan plan;
    private final StreamedWeights streamed;
    private final ReentrantLock streaming = new ReentrantLock();

    private LegionAnalyzer(Builder b, LegionModel model, ClipImageProcessor clipProcessor, MemoryPlan plan,
            StreamedWeights streamed) {
        this.model = model;
        this.plan = plan;
        this.streamed = streamed;
        this.tokenizer = model.tokenizer();
        this.loader = new ImageLoader(b.imageOptions);
        this.clipProcessor = clipProcessor;
        this.samProcessor = SamImageProcessor.of(model.samConfig());
        this.options = b.generation;
        this.promptIds = b.promptIds != null ? b.promptIds.clone()
                : tokenizer.encodeWithImage(LegionPrompt.inferencePrompt(b.instruction));
        this.batchSize = b.batchSize;
        this.explainReal = b.explainReal;
        this.modelId = b.modelDir.toAbsolutePath().normalize().getFileName().toString();
    }

    /** Configures and builds an analyzer ({@link #builder()}; {@code ai.legion.Legion.analyzer()} returns one). */
    public static final class Builder {
        private Path modelDir;
        private Path clipDir;
        private SamConfig samConfig;
        private Device device = Device.cpu();
        private Precision precision = Precision.FLOAT32;
        private GenerationOptions generation = GenerationOptions.DEFAULT;
        private String instruction = LegionPrompt.INSTRUCTION;
        private long[] promptIds;
        private ImageLoader.Options imageOptions = ImageLoader.Options.defaults();
        private int batchSize = 4;
        private boolean explainReal;
        private int threads;
        private long maxMemory;

        Builder() {}

        /** The GLaMM/LEGION checkpoint folder (weights, config.json, tokenizer, added_tokens.json). Required. */
        public Builder model(Path dir) {
            this.modelDir = dir;
            return this;
        }

        /** The CLIP folder (config.json, preprocessor_config.json, weights). Required unless the checkpoint has CLIP. */
        public Builder clip(Path dir) {
            this.clipDir = dir;
            return this;
        }

        /**
         * SAM sizes (default: {@code sam_config.json} in the model folder, else inferred from the weights with the
         * 8 decoder attention heads of every released SAM).
         */
        public Builder samConfig(SamConfig config) {
            this.samConfig = config;
            return this;
        }

        /** Where the model runs (default CPU). */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device);
            return this;
        }

        /** Parameter precision (default FLOAT32; FLOAT16 for GPUs). */
        public Builder precision(Precision value) {
            this.precision = Objects.requireNonNull(value);
            return this;
        }

        /** Decoding settings (default: greedy, 512 new tokens, KV cache). */
        public Builder generation(GenerationOptions options) {
            this.generation = Objects.requireNonNull(options);
            return this;
        }

        /** The instruction (default LEGION's training question). */
        public Builder instruction(String instruction) {
            this.instruction = Objects.requireNonNull(instruction);
            return this;
        }

        /**
         * The prompt as token ids with one {@code -200} image placeholder, replacing the rendered
         * instruction (for custom templates, or to replay a prompt exactly).
         */
        public Builder promptIds(long[] ids) {
            long images = Arrays.stream(ids).filter(i -> i == LegionTokenizer.IMAGE_TOKEN_INDEX).count();
            if (images != 1) {
                throw new IllegalArgumentException("prompt ids need exactly one image placeholder "
                        + LegionTokenizer.IMAGE_TOKEN_INDEX + ", found " + images);
            }
            this.promptIds = ids.clone();
            return this;
        }

        /** Image decoding limits (pixel limit, EXIF orientation, ...). */
        public Builder imageOptions(ImageLoader.Options options) {
            this.imageOptions = Objects.requireNonNull(options);
            return this;
        }

        /** Images per batch in {@link LegionAnalyzer#analyzeAll} (default 4). */
        public Builder batchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /**
         * Whether images the detection head calls REAL are explained too (default false). Upstream runs
         * localization and explanation only on fakes; by default such an image gets its verdict and
         * {@link Explanations#SKIPPED} (no summary, no artifacts, and the LLM and SAM do not run). With true, it is
         * explained and marked {@link Explanations#FORCED}: its artifacts contradict the verdict and are
         * low-confidence. Without a detection head every image is explained.
         */
        public Builder explainReal(boolean value) {
            this.explainReal = value;
            return this;
        }

        /**
         * libtorch intra-op threads, set when {@link #build()} runs (default: leave libtorch's setting, one thread
         * per core unless changed). Process-wide: libtorch has one setting for the whole JVM, so this also applies
         * to every other analyzer, model and trainer in it, and the last analyzer built with a count decides; see
         * {@link EngineThreads}.
         *
         * @throws IllegalArgumentException if {@code n < 1}
         */
        public Builder threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + n);
            }
            this.threads = n;
            return this;
        }

        /**
         * The memory the model may hold on its device, in bytes (HF accelerate's {@code max_memory}): weights,
         * activations and the streaming working set. Default: what the machine can hold
         * ({@link MemoryBudget#machineDefault}). When the whole model does not fit, the layers that do not are
         * read from the checkpoint each time they run (see {@link MemoryPlan}); a budget below the model's minimum
         * fails in {@link #build()} before any weight is read, naming the minimum. The estimate is for one call
         * with this builder's batch size and generation options.
         *
         * @throws IllegalArgumentException if {@code bytes < 1}
         */
        public Builder maxMemory(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("the memory budget must be at least 1 byte, got " + bytes);
            }
            this.maxMemory = bytes;
            return this;
        }

        /**
         * Loads the model.
         *
         * @throws CheckpointException naming the file and key when the checkpoint, configs or tokenizer
         *     cannot be read or do not fit together
         */
        public LegionAnalyzer build() throws CheckpointException {
            if (modelDir == null) {
                throw new IllegalArgumentException("LegionAnalyzer.builder(): model(dir) is required");
            }
            if (threads > 0) {
                EngineThreads.set(threads);
            }
            long budget = maxMemory > 0 ? maxMemory : MemoryBudget.machineDefault(device);
            MemoryPlan[] plan = {null};
            LegionModel model = LegionModel.loader().model(modelDir).clip(clipDir).samConfig(samConfig)
                    .device(device).precision(precision).deferring(d -> {
                        if (d.tokenizer() == null) {
                            throw noTokenizer();
                        }
                        int prompt = promptIds != null ? promptIds.length
                                : d.tokenizer().encodeWithImage(LegionPrompt.inferencePrompt(instruction)).length;
                        plan[0] = MemoryPlan.plan(d, budget, ActivationEstimate.of(d.parts(), batchSize, prompt,
                                generation.maxNewTokens(), precision == Precision.FLOAT16 ? 2 : 4));
                        return plan[0].deferred();
                    }).load();
            StreamedWeights streamed = null;
            try {
                if (model.tokenizer() == null) {
                    throw noTokenizer();
                }
                if (plan[0].streams()) {
                    streamed = StreamedWeights.start(model, plan[0], false);
                }
                // the loader's default CLIP folder is MODEL/clip; its preprocessing settings come along
                Path pre = (clipDir != null ? clipDir : modelDir.resolve("clip")).resolve("preprocessor_config.json");
                ClipImageProcessorConfig cfg = Files.isRegularFile(pre) ? ClipImageProcessorConfig.read(pre)
                        : ClipImageProcessorConfig.square(model.clipConfig().imageSize());
                return new LegionAnalyzer(this, model, new ClipImageProcessor(cfg), plan[0], streamed);
            } catch (CheckpointException | RuntimeException e) {
                if (streamed != null) {
                    streamed.close();
                }
                model.close();
                throw e;
            }
        }

        private CheckpointException noTokenizer() {
            return new CheckpointException(modelDir, null, "no tokenizer.json or tokenizer.model in the model folder");
        }
    }

    /** A builder for an analyzer over a GLaMM/LEGION checkpoint folder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Analyzes an image file. */
    public ArtifactReport analyze(Path image) throws ImageException {
        long t0 = System.nanoTime();
        RgbImage img = loader.load(image);
        return analyzeLoaded(List.of(new Loaded(image.toString(), img, ms(t0))), options, null).get(0);
    }

    /** Analyzes an in-memory image (alpha is dropped, as upstream's OpenCV decoding does). */
    public ArtifactReport analyze(BufferedImage image) {
        return analyze(loader.fromBufferedImage(image), "image");
    }

    /** Analyzes a DJL image. */
    public ArtifactReport analyze(Image image) {
        return analyze(fromDjl(image), "image");
    }

    /** Analyzes a decoded RGB image. */
    public ArtifactReport analyze(RgbImage image, String source) {
        return analyze(image, source, options, null);
    }

    /**
     * Analyzes a decoded RGB image with other decoding settings and an optional listener that sees
     * each generated token (e.g. to stream the text with {@link #tokenizer()}).
     */
    public ArtifactReport analyze(RgbImage image, String source, GenerationOptions generation,
            GenerationListener listener) {
        return analyzeLoaded(List.of(new Loaded(source, image, 0)), generation, listener).get(0);
    }

    /**
     * Analyzes many image files in batches: images are stacked through both encoders and their
     * explanations decoded together. An image that cannot be read gets an error item; the others go on.
     */
    public List<BatchItem> analyzeAll(List<Path> images) {
        return analyzeAll(images, null);
    }

    /** {@link #analyzeAll(List)} reporting each finished item (for progress bars). */
    public List<BatchItem> analyzeAll(List<Path> images, java.util.function.Consumer<BatchItem> progress) {
        List<BatchItem> out = new ArrayList<>(images.size());
        List<Loaded> pending = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (Path p : images) {
            long t0 = System.nanoTime();
            BatchItem failed = null;
            try {
                pending.add(new Loaded(p.toString(), loader.load(p), ms(t0)));
                slots.add(out.size());
            } catch (ImageException | RuntimeException e) {
                failed = BatchItem.failed(p.toString(), e);
            }
            out.add(failed);
            if (failed != null && progress != null) {
                progress.accept(failed);
            }
            if (pending.size() == batchSize) {
                flush(pending, slots, out, progress);
            }
        }
        flush(pending, slots, out, progress);
        return out;
    }

    /**
     * Analyzes decoded images in batches, as {@link #analyzeAll(List)} does for files: for images that arrive as
     * bytes rather than files (a Spark {@code binaryFile} column, an upload). A batch that fails is retried image
     * by image, so one bad image gets an error item and the others go on.
     *
     * @param images the decoded images
     * @param sources what each report names as its source, one per image
     */
    public List<BatchItem> analyzeAllDecoded(List<RgbImage> images, List<String> sources) {
        if (images.size() != sources.size()) {
            throw new IllegalArgumentException("analyzeAllDecoded: " + images.size() + " images but " + sources.size()
                    + " sources");
        }
        List<BatchItem> out = new ArrayList<>(images.size());
        List<Loaded> pending = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            pending.add(new Loaded(sources.get(i), Objects.requireNonNull(images.get(i), "image " + i), 0));
            slots.add(out.size());
            out.add(null);
            if (pending.size() == batchSize) {
                flush(pending, slots, out, null);
            }
        }
        flush(pending, slots, out, null);
        return out;
    }

    private void flush(List<Loaded> pending, List<Integer> slots, List<BatchItem> out,
            java.util.function.Consumer<BatchItem> progress) {
        if (pending.isEmpty()) {
            return;
        }
        List<BatchItem> done = new ArrayList<>();
        try {
            List<ArtifactReport> reports = analyzeLoaded(pending, options, null);
            for (int i = 0; i < pending.size(); i++) {
                done.add(BatchItem.ok(pending.get(i).source, reports.get(i)));
            }
        } catch (RuntimeException batchFailure) {
            // one bad image must not sink the batch: retry one by one to attribute the failure
            for (Loaded l : pending) {
                try {
                    done.add(BatchItem.ok(l.source, analyzeLoaded(List.of(l), options, null).get(0)));
                } catch (RuntimeException e) {
                    done.add(BatchItem.failed(l.source, e));
                }
            }
        }
        for (int i = 0; i < done.size(); i++) {
            out.set(slots.get(i), done.get(i));
            if (progress != null) {
                progress.accept(done.get(i));
            }
        }
        pending.clear();
        slots.clear();
    }

    /**
     * The verdict alone: CLIP and the detection head only (cheap).
     *
     * @throws IllegalStateException if the checkpoint has no detection head
     */
    public Verdict classify(RgbImage image) {
        requireHead();
        ClipImageProcessor.Result px = clipProcessor.process(image);
        return exclusive(() -> {
            try (NDManager m = model.manager().newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                NDArray pixels = m.create(px.pixelValues(), new Shape(px.batchShape()));
                LegionModel.ImageFeatures f = model.encodeImage(ps, pixels, false);
                return Verdict.fromLogits(model.classify(ps, f.cls(), false).toType(DataType.FLOAT32, false)
                        .toFloatArray());
            }
        });
    }

    /**
     * Runs a call on the model: as it is without streaming; while streaming, one call at a time, and the layers
     * read ahead are freed when it ends, so an idle analyzer holds only its resident weights.
     */
    private <T> T exclusive(Supplier<T> call) {
        if (streamed == null) {
            return call.get();
        }
        streaming.lock();
        try {
            return call.get();
        } finally {
            streamed.idle();
            streaming.unlock();
        }
    }

    /** {@link #classify(RgbImage)} for a file. */
    public Verdict classify(Path image) throws ImageException {
        return classify(loader.load(image));
    }

    /** {@link #classify(RgbImage)} for an in-memory image. */
    public Verdict classify(BufferedImage image) {
        return classify(loader.fromBufferedImage(image));
    }

    private void requireHead() {
        if (!model.hasDetectionHead()) {
            throw new IllegalStateException("this checkpoint has no detection head (prediction_head.*), so it cannot "
                    + "classify real/fake: LEGION's localization/explanation weights ship without it");
        }
    }

    private record Loaded(String source, RgbImage image, double loadMs) {}

    /**
     * The pipeline for a batch of decoded images, as an HF pipeline: preprocessing, {@link LegionModel#generate},
     * then the report (text parsed into artifacts, one mask per {@code [SEG]}). One sub-manager per batch.
     */
    private List<ArtifactReport> analyzeLoaded(List<Loaded> batch, GenerationOptions generation,
            GenerationListener listener) {
        return exclusive(() -> explain(batch, generation, listener));
    }

    private List<ArtifactReport> explain(List<Loaded> batch, GenerationOptions generation,
            GenerationListener listener) {
        if (explainReal || !model.hasDetectionHead()) {
            return generateReports(batch, generation, listener, explainReal ? Explanations.FORCED : null);
        }
        // the verdict first (CLIP and the head), then the LLM and SAM only for the images called FAKE
        long start = System.nanoTime();
        List<Verdict> verdicts = new ArrayList<>(batch.size());
        List<Loaded> fakes = new ArrayList<>();
        try (NDManager m = model.manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            List<ClipImageProcessor.Result> px = batch.stream().map(l -> clipProcessor.process(l.image)).toList();
            LegionModel.ImageFeatures f = model.encodeImage(ps,
                    stack(m, px.stream().map(ClipImageProcessor.Result::pixelValues).toList(), px.get(0).shape()),
                    false);
            float[] logits = model.classify(ps, f.cls(), false).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < batch.size(); i++) {
                float[] li = Arrays.copyOfRange(logits, 2 * i, 2 * i + 2);
                Verdict v = Verdict.fromLogits(li);
                verdicts.add(v);
                if (v.label() == Verdict.Label.FAKE) {
                    fakes.add(batch.get(i)); // generate reports its verdict with the rest
                } else if (listener != null) {
                    listener.onVerdict(i, li);
                }
            }
        }
        double classifyMs = ms(start) / batch.size();
        List<ArtifactReport> explained = fakes.isEmpty() ? List.of()
                : generateReports(fakes, generation, listener, null);
        List<ArtifactReport> out = new ArrayList<>(batch.size());
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            Loaded l = batch.get(i);
            if (verdicts.get(i).label() == Verdict.Label.FAKE) {
                out.add(explained.get(next++));
            } else {
                out.add(ArtifactReport.builder(l.source, l.image.width(), l.image.height()).verdict(verdicts.get(i))
                        .explanations(Explanations.SKIPPED).modelId(modelId).timings(Timings.builder().load(l.loadMs)
                                .clip(classifyMs).total(l.loadMs + classifyMs).build()).build());
            }
        }
        return out;
    }

    /** {@link LegionModel#generate} and the reports of a batch; {@code forced} marks REAL verdicts explained anyway. */
    private List<ArtifactReport> generateReports(List<Loaded> batch, GenerationOptions generation,
            GenerationListener listener, Explanations forced) {
        int b = batch.size();
        long start = System.nanoTime();
        List<ClipImageProcessor.Result> clipPx = new ArrayList<>(b);
        List<SamImageProcessor.Result> samPx = new ArrayList<>(b);
        for (Loaded l : batch) {
            clipPx.add(clipProcessor.process(l.image));
            samPx.add(samProcessor.preprocess(l.image));
        }
        double preprocessMs = ms(start);
        try (NDManager m = model.manager().newSubManager()) {
            PhaseTimes phases = new PhaseTimes(listener == null ? GenerationListener.NONE : listener);
            List<Generation> generated = model.generate(new ParameterStore(m, false),
                    stack(m, clipPx.stream().map(r -> r.pixelValues()).toList(), clipPx.get(0).shape()),
                    stack(m, samPx.stream().map(r -> r.pixelValues()).toList(), samPx.get(0).shape()),
                    java.util.Collections.nCopies(b, promptIds), samPx.stream().map(r -> r.resizedHw()).toList(),
                    samPx.stream().map(r -> r.originalHw()).toList(), generation, phases);
            List<ArtifactReport> reports = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                Loaded l = batch.get(i);
                Generation g = generated.get(i);
                // batch phases are shared: each image is charged its share
                Timings timings = Timings.builder().load(l.loadMs).preprocess(preprocessMs / b)
                        .clip(phases.ms(GenerationListener.Phase.VISION) / b)
                        .prefill(phases.ms(GenerationListener.Phase.PREFILL) / b)
                        .decode(phases.ms(GenerationListener.Phase.DECODE) / b)
                        .samEncoder(phases.ms(GenerationListener.Phase.GROUNDING) / b)
                        .masks(phases.ms(GenerationListener.Phase.MASKS) / b)
                        .total(l.loadMs + ms(start) / b).build();
                reports.add(report(l, g, timings, forced));
            }
            return reports;
        }
    }

    /** One image's report: the decoded answer parsed into artifacts, each with the mask of its [SEG]. */
    private ArtifactReport report(Loaded l, Generation g, Timings timings, Explanations forced) {
        int h = l.image.height();
        int w = l.image.width();
        int k = (int) g.masks().getShape().get(0);
        float[] logits = k > 0 ? g.masks().toType(DataType.FLOAT32, false).toFloatArray() : new float[0];
        AnswerParser.ParsedAnswer answer = AnswerParser.parse(tokenizer.decode(concat(promptIds, g.tokens()), false));
        List<Artifact> artifacts = new ArrayList<>();
        for (int a = 0; a < answer.artifacts().size(); a++) {
            AnswerParser.Artifact pa = answer.artifacts().get(a);
            artifacts.add(pa.maskIndex() >= 0 && pa.maskIndex() < k
                    ? Artifact.fromLogits(a, pa.phrase(), pa.explanation(), logits, pa.maskIndex() * h * w, h, w)
                    : new Artifact(a, pa.phrase(), pa.explanation(), BinaryMask.empty(h, w), 0f));
        }
        List<BinaryMask> all = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            all.add(BinaryMask.fromLogits(logits, j * h * w, h, w)); // upstream's union covers every [SEG]
        }
        ArtifactReport.Builder rb = ArtifactReport.builder(l.source, w, h).summary(answer.summary())
                .artifacts(artifacts).union(BinaryMask.union(h, w, all))
                .rawText(tokenizer.decode(g.tokens(), false)).explanationText(answer.text())
                .generatedTokens(g.tokens().length).timings(timings).modelId(modelId);
        if (g.clsLogits() != null) {
            Verdict v = Verdict.fromLogits(g.clsLogits());
            rb.verdict(v);
            if (forced != null && v.label() == Verdict.Label.REAL) {
                rb.explanations(forced);
            }
        }
        return rb.build();
    }

    /** Phase times of one generate call, forwarding everything to the caller's listener. */
    private static final class PhaseTimes implements GenerationListener {
        private final GenerationListener caller;
        private final java.util.EnumMap<Phase, Double> times = new java.util.EnumMap<>(Phase.class);

        PhaseTimes(GenerationListener caller) {
            this.caller = caller;
        }

        @Override
        public void onToken(int sequence, long token) {
            caller.onToken(sequence, token);
        }

        @Override
        public void onVerdict(int sequence, float[] clsLogits) {
            caller.onVerdict(sequence, clsLogits);
        }

        @Override
        public void onPhase(Phase phase, double millis) {
            times.put(phase, millis);
            caller.onPhase(phase, millis);
        }

        double ms(Phase phase) {
            return times.getOrDefault(phase, 0.0);
        }
    }

    private static NDArray stack(NDManager m, List<float[]> planes, long[] shape) {
        List<NDArray> rows = new ArrayList<>(planes.size());
        for (float[] p : planes) {
            rows.add(m.create(p, new Shape(shape)));
        }
        return NDArrays.stack(new NDList(rows), 0);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /** A DJL image as RGB bytes (DJL gives HWC uint8 RGB). */
    private static RgbImage fromDjl(Image image) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = image.toNDArray(m, Image.Flag.COLOR);
            Shape s = a.getShape();
            if (s.dimension() != 3 || s.get(2) != 3) {
                throw new IllegalArgumentException("expected a color image [H, W, 3], got " + s);
            }
            return new RgbImage((int) s.get(1), (int) s.get(0), a.toType(DataType.UINT8, false).toByteArray());
        }
    }

    /**
     * Whether images the detection head calls REAL are explained too ({@link Builder#explainReal}); without a
     * head every image is explained, and this is true.
     */
    public boolean explainsReal() {
        return explainReal || !model.hasDetectionHead();
    }

    /** The model (blocks, configs, pieces). */
    public LegionModel model() {
        return model;
    }

    /** The tokenizer (e.g. to decode streamed tokens). */
    public LegionTokenizer tokenizer() {
        return tokenizer;
    }

    /** The prompt token ids (with the -200 image placeholder). */
    public long[] promptIds() {
        return promptIds.clone();
    }

    /** The default decoding settings of this analyzer. */
    public GenerationOptions generationOptions() {
        return options;
    }

    /** Which weights are resident and which are streamed, and the memory each part takes. */
    public MemoryPlan memoryPlan() {
        return plan;
    }

    /** What the streaming did so far; empty when every weight is resident. */
    public Optional<StreamedWeights.Stats> streamingStats() {
        return streamed == null ? Optional.empty() : Optional.of(streamed.stats());
    }

    /**
     * The streaming path's own rate (stored bytes per second) over up to {@code maxLayers} streamed layers of
     * {@code stage}, read with nothing computing next to them ({@link StreamedWeights#measureReadRate}); empty when
     * that stage streams nothing. For benchmarks: a streamed decode step waits for its streamed bytes at about this
     * rate.
     */
    public OptionalDouble measureStreamingReadRate(MemoryPlan.Stage stage, int maxLayers) {
        if (streamed == null) {
            return OptionalDouble.empty();
        }
        double rate = exclusive(() -> streamed.measureReadRate(stage, maxLayers));
        return rate > 0 ? OptionalDouble.of(rate) : OptionalDouble.empty();
    }

    @Override
    public void close() {
        if (streamed != null) {
            streamed.close();
        }
        model.close();
    }
}
