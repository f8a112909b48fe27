package ai.legion.models.loading;

import ai.legion.core.config.AddedTokens;
import ai.legion.core.config.ClipConfig;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ConfigFiles;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.config.Presets;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.DType;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.ShardIndex;
import ai.legion.core.io.TensorInfo;
import ai.legion.core.io.torch.TorchCheckpointWriter;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.models.LegionModel;
import ai.legion.models.clip.ClipModel;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.WeightMap;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes a random-weight LEGION model folder in the layout and dtypes of the upstream releases
 * ({@code MBZUAI/GLaMM-*}, LEGION's checkpoints share it), so that loading, inspecting and running the real
 * sizes can be exercised without downloading 18.5 GB:
 * <ul>
 *   <li>{@code config.json} ({@link Presets#released}, keys sorted as {@code save_pretrained} writes them),
 *       {@code generation_config.json}, {@code added_tokens.json}, the LLaMA tokenizer files;</li>
 *   <li>{@code pytorch_model-0000i-of-0000N.bin} ({@code torch.save} zip) with every key of the upstream state
 *       dict in torch's order: the LLM with its {@code rotary_emb.inv_freq} buffers, {@code mm_projector},
 *       GLaMM's region encoder, the SAM grounding encoder, {@code text_hidden_fcs}, {@code lm_head} and (LEGION
 *       stage 2) {@code prediction_head}; bf16 except the grounding encoder, {@code text_hidden_fcs} and the
 *       rotary buffers, which stay float32 (GLaMM {@code scripts/merge_lora_weights.py} re-creates those modules
 *       in float32 after loading the model in bf16); split like transformers 4.28's {@code shard_checkpoint}
 *       (a new shard when the next tensor would pass the maximum, 10 GB by default) and indexed by
 *       {@code pytorch_model.bin.index.json} (or one {@code pytorch_model.bin});</li>
 *   <li>{@code clip/}: the whole CLIP model as {@code openai/clip-vit-large-patch14-336} ships it (CLIPConfig,
 *       preprocessor config, float32 {@code pytorch_model.bin} with both towers).</li>
 * </ul>
 *
 * <p>Weights follow the init each block declares ({@link Init}: N(0, σ²) with σ 0.02 as HF's
 * {@code initializer_range}, norm scales 1, biases 0, SAM's Fourier matrix N(0, 1)), drawn by
 * {@link RandomWeights} from the seed and each tensor's key, so a folder is reproducible and any tensor can be
 * regenerated alone. Nothing is held in memory beyond two chunks of a few MB: each tensor is generated,
 * narrowed and written in chunks while the next chunk is drawn on a second thread. The folder is written under
 * a temporary name next to the target and renamed into place when complete.
 */
public final class CheckpointMaker {

    /** transformers 4.28's default {@code max_shard_size} of {@code save_pretrained}: "10GB", decimal. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 10_000_000_000L;
    /** HF's weights file name ({@code WEIGHTS_NAME}) and index name ({@code WEIGHTS_INDEX_NAME}). */
    public static final String WEIGHTS_NAME = "pytorch_model.bin";
    public static final String INDEX_NAME = "pytorch_model.bin.index.json";
    /** The preset names {@link #preset} knows. */
    public static final List<String> PRESETS = List.of("legion-7b", "legion-7b-2l");

    private static final int CHUNK = 1 << 21; // elements per generated chunk: 4 MB of bf16, 8 MB of float32

    /**
     * What to write.
     *
     * @param name a label for messages
     * @param config the LEGION config (written as it is: use {@link Presets#released} for the upstream fields)
     * @param clip the whole CLIP model of {@code clip/}
     * @param sam the grounding model's sizes
     * @param detectionHead whether {@code prediction_head.*} (LEGION stage 2) is written
     * @param regionEncoder whether GLaMM's unused region encoder ({@code model.region_encoder.*}) is written
     */
    public record Spec(String name, LegionConfig config, ClipConfig clip, SamConfig sam, boolean detectionHead,
            boolean regionEncoder) {

        /** Requires every part. */
        public Spec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(clip, "clip");
            Objects.requireNonNull(sam, "sam");
        }

        /** The same model with {@code layers} LLM layers (every width unchanged). */
        public Spec withLlmLayers(int layers) {
            if (layers < 1) {
                throw new IllegalArgumentException("LLM layers must be at least 1, got " + layers);
            }
            return new Spec(name + " (" + layers + " LLM layers)",
                    config.withLlama(config.llama().withNumHiddenLayers(layers)), clip, sam, detectionHead,
                    regionEncoder);
        }

        /**
         * The same model with or without {@code prediction_head}, named in {@code architectures} as LEGION names
         * the class that saved it ({@code model/Legion.py}: {@code LegionForCls} for stage 2, else
         * {@code LegionForCausalLM}).
         */
        public Spec withDetectionHead(boolean head) {
            return new Spec(name + (head ? "" : " without detection head"), config.withArchitectures(
                    List.of(head ? LegionConfig.DETECTION_ARCHITECTURE : "LegionForCausalLM")), clip, sam, head,
                    regionEncoder);
        }
    }

    /**
     * A named preset: {@code legion-7b} (Vicuna-7B 32 x 4096, CLIP ViT-L/14-336, SAM ViT-H, detection head and
     * region encoder, as LEGION's stage-2 checkpoint) or {@code legion-7b-2l} (the same widths with 2 LLM layers,
     * for quick runs).
     *
     * @throws IllegalArgumentException for another name
     */
    public static Spec preset(String name) {
        return switch (name) {
            case "legion-7b" -> new Spec(name, Presets.released(Presets.legion7B()), Presets.clipL336Model(),
                    Presets.samVitH(), false, true).withDetectionHead(true);
            case "legion-7b-2l" -> preset("legion-7b").withLlmLayers(2);
            default -> throw new IllegalArgumentException("unknown checkpoint preset '" + name + "' (known: "
                    + String.join(", ", PRESETS) + ")");
        };
    }

    /** How a tensor's values are made. */
    public enum FillKind {
        /** N(0, value²) ({@link RandomWeights}). */
        NORMAL,
        /** Every element {@code value}. */
        CONSTANT,
        /** LLaMA's rotary {@code inv_freq}: {@code 1 / value^(2i / headDim)} (value = rope theta). */
        INV_FREQ,
        /** {@code 0, 1, 2, ...} (HF's {@code position_ids} buffers). */
        ARANGE
    }

    /**
     * One tensor of a plan.
     *
     * @param info key, stored dtype and shape
     * @param fill how the values are made
     * @param value σ, the constant or rope theta (see {@link FillKind})
     */
    public record Tensor(TensorInfo info, FillKind fill, double value) {}

    /**
     * One weights file of a plan.
     *
     * @param path relative to the model folder ({@code pytorch_model-00001-of-00002.bin}, {@code clip/...})
     */
    public record FilePlan(String path, List<Tensor> tensors) {

        /** Copies the list. */
        public FilePlan {
            tensors = List.copyOf(tensors);
        }

        /** Bytes of tensor data (what HF's {@code total_size} counts). */
        public long bytes() {
            return tensors.stream().mapToLong(t -> t.info().byteLength()).sum();
        }
    }

    /**
     * Where a write stands.
     *
     * @param file the weights file being written (relative path)
     * @param bytesDone tensor bytes written so far, over all files
     * @param bytesTotal tensor bytes of the whole folder
     * @param seconds since the write started
     */
    public record Progress(String file, long bytesDone, long bytesTotal, double seconds) {}

    /**
     * What a write produced.
     *
     * @param dir the model folder
     * @param files every file written (relative path to size in bytes), in writing order
     * @param bytes the size of all files
     * @param tensors tensors written (model folder and {@code clip/})
     * @param elements elements of all tensors written, including GLaMM's unused region encoder, CLIP's text tower
     *     and the buffers
     * @param parameters parameters of the LEGION model that runs: LLM, projector, {@code text_hidden_fcs}, SAM,
     *     detection head and the CLIP vision tower
     * @param seconds wall time of the write
     */
    public record Summary(Path dir, Map<String, Long> files, long bytes, int tensors, long elements, long parameters,
            double seconds) {}

    private final Spec spec;
    private Path tokenizerDir;
    private long seed;
    private float std = 0.02f;
    private long maxShardBytes = DEFAULT_MAX_SHARD_BYTES;
    private boolean replace;
    private Consumer<Progress> progress = p -> { };

    /** A maker for {@code spec} (seed 0, σ 0.02, 10 GB shards). */
    public CheckpointMaker(Spec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /** The folder with the LLaMA tokenizer ({@code tokenizer.json} and/or {@code tokenizer.model}); required. */
    public CheckpointMaker tokenizer(Path dir) {
        this.tokenizerDir = dir;
        return this;
    }

    /** The seed every tensor's values derive from (with its key). */
    public CheckpointMaker seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** σ of linear, convolution and embedding weights (default 0.02, HF's {@code initializer_range}). */
    public CheckpointMaker std(float std) {
        if (!(std > 0) || Float.isInfinite(std)) {
            throw new IllegalArgumentException("std must be positive and finite, got " + std);
        }
        this.std = std;
        return this;
    }

    /** The largest shard in bytes of tensor data (a tensor larger than this gets a shard of its own). */
    public CheckpointMaker maxShardBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("max shard size must be positive, got " + bytes);
        }
        this.maxShardBytes = bytes;
        return this;
    }

    /** Whether an existing non-empty target folder is replaced (default false: an error). */
    public CheckpointMaker replace(boolean replace) {
        this.replace = replace;
        return this;
    }

    /** Called after each chunk written (about every 4-8 MB) and at the end of each file. */
    public CheckpointMaker progress(Consumer<Progress> listener) {
        this.progress = Objects.requireNonNull(listener, "listener");
        return this;
    }

    // ---------------------------------------------------------------------------------------------
    // The plan

    /** The weights files in writing order: the model's shards, then {@code clip/pytorch_model.bin}. */
    public List<FilePlan> plan() {
        List<List<Tensor>> shards = shard(modelTensors(), maxShardBytes);
        List<FilePlan> files = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            files.add(new FilePlan(shardName(i, shards.size()), shards.get(i)));
        }
        files.add(new FilePlan("clip/" + WEIGHTS_NAME, clipTensors()));
        return files;
    }

    /** transformers' shard names: {@code pytorch_model-00001-of-00002.bin}, or the plain name for one shard. */
    static String shardName(int index, int count) {
        return count == 1 ? WEIGHTS_NAME : String.format("pytorch_model-%05d-of-%05d.bin", index + 1, count);
    }

    /**
     * transformers 4.28 {@code modeling_utils.py::shard_checkpoint}: tensors in state-dict order, a new shard
     * whenever the next tensor would take the current one past the maximum (never an empty shard, where 4.28
     * would emit one before a first tensor larger than the maximum).
     */
    static List<List<Tensor>> shard(List<Tensor> tensors, long maxBytes) {
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long size = 0;
        for (Tensor t : tensors) {
            long b = t.info().byteLength();
            if (!current.isEmpty() && size + b > maxBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += b;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    private List<Tensor> modelTensors() {
        LegionModel.Parts parts = LegionModel.Parts.declare(spec.config(), spec.clip().visionConfig(), spec.sam(),
                spec.detectionHead());
        List<Tensor> out = new ArrayList<>();
        for (WeightMap.Entry e : parts.weightMap(false).entries().values()) {
            String k = e.key();
            boolean f32 = k.startsWith("model.grounding_encoder.") || k.startsWith("model.text_hidden_fcs.");
            out.add(tensor(e, f32 ? DType.F32 : DType.BF16));
        }
        LlamaConfig llama = spec.config().llama();
        for (int i = 0; i < llama.numHiddenLayers(); i++) {
            // transformers 4.28 keeps inv_freq as a persistent buffer, computed in float32 and never cast
            out.add(new Tensor(new TensorInfo("model.layers." + i + ".self_attn.rotary_emb.inv_freq", DType.F32,
                    new long[] {llama.headDim() / 2}), FillKind.INV_FREQ, llama.ropeTheta()));
        }
        if (spec.regionEncoder()) {
            out.addAll(regionEncoder(spec.config().mmHiddenSize(), llama.hiddenSize()));
        }
        return StateDictOrder.order(out);
    }

    private List<Tensor> clipTensors() {
        WeightMap m = new WeightMap();
        new ClipModel(spec.clip()).mapWeights("", m);
        List<Tensor> out = new ArrayList<>();
        for (WeightMap.Entry e : m.entries().values()) {
            out.add(tensor(e, DType.F32));
        }
        // the position_ids buffers transformers 4.28 saves with a CLIPModel
        out.add(new Tensor(new TensorInfo("text_model.embeddings.position_ids", DType.I64,
                new long[] {1, spec.clip().textConfig().maxPositionEmbeddings()}), FillKind.ARANGE, 0));
        out.add(new Tensor(new TensorInfo("vision_model.embeddings.position_ids", DType.I64,
                new long[] {1, spec.clip().visionConfig().numPositions()}), FillKind.ARANGE, 0));
        return StateDictOrder.order(out);
    }

    private Tensor tensor(WeightMap.Entry e, DType dtype) {
        TensorInfo info = new TensorInfo(e.key(), dtype, e.shape().getShape());
        Init init = e.init();
        return switch (init.kind()) {
            case NORMAL -> new Tensor(info, FillKind.NORMAL, std);
            case FIXED_NORMAL -> new Tensor(info, FillKind.NORMAL, init.value());
            case ZEROS -> new Tensor(info, FillKind.CONSTANT, 0);
            case ONES -> new Tensor(info, FillKind.CONSTANT, 1);
            case CONSTANT -> new Tensor(info, FillKind.CONSTANT, init.value());
        };
    }

    /**
     * GLaMM's region encoder ({@code model/layers.py::MLVLROIQueryModule(1024, 4096, num_levels=4)}, built by
     * {@code llava_with_region_arch.py::LlavaMetaModel}): only used with {@code <bbox>} inputs, which LEGION never
     * passes, but in every released state dict (bf16, about 0.3 B parameters). Upstream's widths are constants;
     * here they follow {@code mm_hidden_size} and {@code hidden_size}, which equal them at LEGION-7B.
     */
    private List<Tensor> regionEncoder(int e, int h) {
        String p = "model.region_encoder.";
        List<Tensor> out = new ArrayList<>();
        int levels = 4;
        int roi = 14; // RoIAlign output_size
        for (int i = 0; i < levels; i++) {
            weightAndBias(out, p + "mlvl_fuse.input_conv." + i, new long[] {e, e + 2, 1, 1});
        }
        for (int i = 0; i < 5; i++) { // mmcv ConvModule with GroupNorm: conv without bias, then "gn"
            out.add(normal(p + "mlvl_fuse.fuse_convs." + i + ".conv.weight", e, e, 3, 3));
            out.add(constant(p + "mlvl_fuse.fuse_convs." + i + ".gn.weight", 1, e));
            out.add(constant(p + "mlvl_fuse.fuse_convs." + i + ".gn.bias", 0, e));
        }
        for (int i = 0; i < levels; i++) {
            weightAndBias(out, p + "roi_align.pconvs." + i, new long[] {e, e, 3, 3});
        }
        weightAndBias(out, p + "roi_align.pos_embedd.0", new long[] {256, 4});
        out.add(constant(p + "roi_align.pos_embedd.2.weight", 1, 256));
        out.add(constant(p + "roi_align.pos_embedd.2.bias", 0, 256));
        weightAndBias(out, p + "roi_align.pos_embedd.3", new long[] {e, 256});
        out.add(constant(p + "roi_align.pos_embedd.5.weight", 1, e));
        out.add(constant(p + "roi_align.pos_embedd.5.bias", 0, e));
        weightAndBias(out, p + "roi_align.updims", new long[] {h, e});
        weightAndBias(out, p + "roi_align.flatten_linear", new long[] {e, (long) e * roi * roi});
        return out;
    }

    private void weightAndBias(List<Tensor> out, String prefix, long[] weightShape) {
        out.add(normal(prefix + ".weight", weightShape));
        out.add(constant(prefix + ".bias", 0, weightShape[0]));
    }

    private Tensor normal(String key, long... shape) {
        return new Tensor(new TensorInfo(key, DType.BF16, shape), FillKind.NORMAL, std);
    }

    private static Tensor constant(String key, double value, long... shape) {
        return new Tensor(new TensorInfo(key, DType.BF16, shape), FillKind.CONSTANT, value);
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes the folder {@code out}: under a temporary name next to it, renamed into place when complete (a
     * failed or killed write leaves at most a {@code .NAME.tmp-*} folder, never a partial {@code out}).
     *
     * @throws CheckpointException if {@code out} exists and is not empty (unless {@link #replace}), the tokenizer
     *     folder is missing or does not fit the vocabulary, or a file cannot be written
     */
    public Summary write(Path out) throws CheckpointException {
        if (tokenizerDir == null) {
            throw new IllegalStateException("CheckpointMaker: tokenizer(dir) is required");
        }
        long start = System.nanoTime();
        Path target = out.toAbsolutePath().normalize();
        if (!replace && Files.exists(target) && !isEmptyDir(target)) {
            throw new CheckpointException(target, null, "exists and is not empty: choose a new folder or replace it");
        }
        List<FilePlan> plan = plan();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        Map<String, Long> files = new LinkedHashMap<>();
        try {
            Files.createDirectories(tmp.resolve("clip"));
            writeSideFiles(tmp, plan, files);
            long total = plan.stream().mapToLong(FilePlan::bytes).sum();
            try (Filler filler = new Filler(start, total)) {
                for (FilePlan f : plan) {
                    TorchCheckpointWriter w = new TorchCheckpointWriter();
                    for (Tensor t : f.tensors()) {
                        w.add(t.info(), channel -> filler.write(f.path(), t, channel));
                    }
                    w.write(tmp.resolve(f.path()));
                    files.put(f.path(), Files.size(tmp.resolve(f.path())));
                    progress.accept(new Progress(f.path(), filler.done, total, seconds(start)));
                }
            }
            moveIntoPlace(tmp, target);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException(target, null, "cannot write: " + e, e);
        } catch (CheckpointException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        long bytes = files.values().stream().mapToLong(Long::longValue).sum();
        int tensors = plan.stream().mapToInt(f -> f.tensors().size()).sum();
        long elements = plan.stream().flatMap(f -> f.tensors().stream()).mapToLong(t -> t.info().numel()).sum();
        long parameters = LegionModel.expectedWeights(spec.config(), spec.clip().visionConfig(), spec.sam(),
                spec.detectionHead(), true).parameterCount();
        return new Summary(target, files, bytes, tensors, elements, parameters, seconds(start));
    }

    /** Configs, tokenizer, index, CLIP configs: everything but the weights. */
    private void writeSideFiles(Path dir, List<FilePlan> plan, Map<String, Long> files)
            throws CheckpointException, IOException {
        LegionConfig config = spec.config();
        ConfigFiles.writeSorted(dir.resolve("config.json"), config);
        Map<String, Object> generation = new LinkedHashMap<>();
        generation.put("_from_model_config", true);
        generation.put("bos_token_id", config.llama().bosTokenId());
        generation.put("eos_token_id", config.llama().eosTokenId());
        generation.put("pad_token_id", config.llama().padTokenId());
        generation.put("transformers_version", "4.28.0");
        ConfigFiles.writeSorted(dir.resolve("generation_config.json"), generation);
        ConfigFiles.write(dir.resolve("added_tokens.json"), AddedTokens.glamm());
        LegionSaver.copyTokenizerFiles(tokenizerDir, dir);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new CheckpointException(tokenizerDir, null, "has neither tokenizer.json nor tokenizer.model");
        }
        writeDefaultTokenizerConfigs(dir);
        checkTokenizer(dir);
        List<FilePlan> shards = plan.subList(0, plan.size() - 1);
        if (shards.size() > 1) {
            Map<String, String> weightMap = new TreeMap<>(); // HF writes the index with sort_keys=True
            long total = 0;
            for (FilePlan f : shards) {
                for (Tensor t : f.tensors()) {
                    weightMap.put(t.info().name(), f.path());
                }
                total += f.bytes();
            }
            new ShardIndex(Map.of("total_size", total), weightMap).write(dir.resolve(INDEX_NAME));
        }
        // upstream folders have no sam_config.json: the loader infers SAM from the shapes, which works for
        // every stock SAM; another one (e.g. a tiny test model) needs the file
        Map<String, long[]> shapes = new HashMap<>();
        shards.forEach(f -> f.tensors().forEach(t -> shapes.put(t.info().name(), t.info().shape())));
        if (!SamConfig.inferFromShapes(shapes, "model.grounding_encoder.", 8).equals(spec.sam())) {
            ConfigFiles.write(dir.resolve("sam_config.json"), spec.sam());
        }
        ConfigFiles.write(dir.resolve("clip/config.json"), spec.clip());
        ConfigFiles.write(dir.resolve("clip/preprocessor_config.json"),
                ClipImageProcessorConfig.square(spec.clip().visionConfig().imageSize()));
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                files.put(dir.relativize(p).toString().replace('\\', '/'), Files.size(p));
            }
        }
    }

    /** GLaMM's {@code tokenizer_config.json} and {@code special_tokens_map.json} when the source had none. */
    private static void writeDefaultTokenizerConfigs(Path dir) throws CheckpointException {
        if (!Files.isRegularFile(dir.resolve("special_tokens_map.json"))) {
            Map<String, Object> special = new LinkedHashMap<>();
            special.put("bos_token", "<s>");
            special.put("eos_token", "</s>");
            special.put("unk_token", "<unk>");
            special.put("pad_token", "<unk>");
            ConfigFiles.write(dir.resolve("special_tokens_map.json"), special);
        }
        if (!Files.isRegularFile(dir.resolve("tokenizer_config.json"))) {
            // the slow LlamaTokenizer GLaMM's train.py sets up (model_max_length 1536, right padding, pad = unk)
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("tokenizer_class", "LlamaTokenizer");
            config.put("model_max_length", 1536);
            config.put("padding_side", "right");
            config.put("add_bos_token", true);
            config.put("add_eos_token", false);
            config.put("bos_token", "<s>");
            config.put("eos_token", "</s>");
            config.put("unk_token", "<unk>");
            config.put("pad_token", "<unk>");
            ConfigFiles.write(dir.resolve("tokenizer_config.json"), config);
        }
    }

    /** The tokenizer with GLaMM's added tokens must fit the vocabulary, with {@code [SEG]} where LEGION expects it. */
    private void checkTokenizer(Path dir) throws CheckpointException {
        try (LegionTokenizer t = LegionTokenizer.load(dir)) {
            int vocab = spec.config().llama().vocabSize();
            if (t.vocabSize() > vocab) {
                throw new CheckpointException(tokenizerDir, null, "the tokenizer has " + t.vocabSize()
                        + " ids with the added tokens, but the config's vocab_size is " + vocab);
            }
        }
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            move(target, old);
        }
        move(tmp, target);
        if (old != null) {
            IoUtils.deleteRecursively(old);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static boolean isEmptyDir(Path dir) throws CheckpointException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new CheckpointException(dir, null, "cannot list: " + e, e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            IoUtils.deleteRecursively(dir);
        } catch (IOException ignored) {
            // best effort: a leftover .NAME.tmp-* folder is harmless and named as such
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Streams tensor values into a channel: chunks of {@link #CHUNK} elements, the next one drawn on a second
     * thread while the current one is written (generation and disk overlap; two chunk buffers in all).
     */
    private final class Filler implements AutoCloseable {
        private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "legion-checkpoint-fill");
            t.setDaemon(true);
            return t;
        });
        private final ByteBuffer[] buffers = new ByteBuffer[2];
        private final short[][] shorts = new short[2][];
        private final float[][] floats = new float[2][];
        private final long start;
        private final long total;
        long done;

        Filler(long start, long total) {
            this.start = start;
            this.total = total;
        }

        void write(String file, Tensor t, WritableByteChannel out) throws IOException {
            TensorInfo info = t.info();
            switch (t.fill()) {
                case NORMAL -> writeNormal(file, t, out);
                case CONSTANT -> writeConstant(file, info, t.value(), out);
                case INV_FREQ -> {
                    long n = info.numel();
                    ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) { // transformers 4.28 LlamaRotaryEmbedding.__init__
                        b.putFloat((float) (1.0 / Math.pow(t.value(), (2.0 * i) / (2 * n))));
                    }
                    emit(file, out, b.flip());
                }
                case ARANGE -> {
                    long n = info.numel();
                    ByteBuffer b = ByteBuffer.allocate((int) n * 8).order(ByteOrder.LITTLE_ENDIAN);
                    for (long i = 0; i < n; i++) {
                        b.putLong(i);
                    }
                    emit(file, out, b.flip());
                }
            }
        }

        private void writeNormal(String file, Tensor t, WritableByteChannel out) throws IOException {
            DType dtype = t.info().dtype();
            RandomWeights.Stream stream = new RandomWeights.Stream(RandomWeights.table(t.value(), dtype), dtype,
                    RandomWeights.tensorSeed(seed, t.info().name()));
            long n = t.info().numel();
            long drawn = Math.min(CHUNK, n);
            Future<ByteBuffer> next = background.submit(() -> draw(stream, dtype, 0, (int) Math.min(CHUNK, n)));
            for (int k = 0; ; k++) {
                ByteBuffer chunk = await(next);
                if (drawn < n) {
                    int len = (int) Math.min(CHUNK, n - drawn);
                    int slot = (k + 1) % 2;
                    next = background.submit(() -> draw(stream, dtype, slot, len));
                    drawn += len;
                } else {
                    next = null;
                }
                emit(file, out, chunk);
                if (next == null) {
                    return;
                }
            }
        }

        private ByteBuffer draw(RandomWeights.Stream stream, DType dtype, int slot, int len) {
            ByteBuffer b = buffer(slot, dtype);
            if (dtype == DType.BF16) {
                if (shorts[slot] == null) {
                    shorts[slot] = new short[CHUNK];
                }
                stream.fill(shorts[slot], len);
                b.asShortBuffer().put(shorts[slot], 0, len);
                return b.limit(len * 2);
            }
            if (floats[slot] == null) {
                floats[slot] = new float[CHUNK];
            }
            stream.fill(floats[slot], len);
            b.asFloatBuffer().put(floats[slot], 0, len);
            return b.limit(len * 4);
        }

        private ByteBuffer buffer(int slot, DType dtype) {
            if (buffers[slot] == null) {
                buffers[slot] = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
            }
            return buffers[slot].clear();
        }

        private void writeConstant(String file, TensorInfo info, double value, WritableByteChannel out)
                throws IOException {
            DType dtype = info.dtype();
            long n = info.numel();
            int len = (int) Math.min(CHUNK, n);
            ByteBuffer b = ByteBuffer.allocate(len * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < len; i++) {
                switch (dtype) {
                    case F32 -> b.putFloat((float) value);
                    case BF16 -> b.putShort(ai.legion.core.io.Buffers.bf16Bits((float) value));
                    default -> throw new IllegalArgumentException(info.name() + ": constant " + dtype);
                }
            }
            for (long left = n; left > 0; left -= len) {
                int k = (int) Math.min(len, left);
                emit(file, out, b.clear().limit(k * dtype.size()));
            }
        }

        private void emit(String file, WritableByteChannel out, ByteBuffer b) throws IOException {
            done += b.remaining();
            IoUtils.writeFully(out, b);
            progress.accept(new Progress(file, done, total, seconds(start)));
        }

        private ByteBuffer await(Future<ByteBuffer> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while drawing weights");
            } catch (ExecutionException e) {
                throw new IOException("drawing weights failed: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void close() {
            background.shutdownNow();
        }
    }
}
