package ai.legion.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.AddedTokens;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.Presets;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.TensorInfo;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.decoder.MaskPostprocessor;
import ai.legion.models.decoder.PixelDecoder;
import ai.legion.models.heads.DetectionHead;
import ai.legion.models.heads.TextHiddenProjection;
import ai.legion.models.heads.VisionLanguageProjector;
import ai.legion.models.lm.CausalLmOutput;
import ai.legion.models.llama.LlamaForCausalLM;
import ai.legion.models.lm.LmInput;
import ai.legion.models.llama.LlamaModel;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.sam.GroundingImageEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import ai.legion.models.nn.Ops;

/**
 * LEGION: the four blocks of the paper's Figure 3 composed as upstream {@code LegionForCls} does —
 * global image encoder (CLIP) + V-L projector, LLM (LLaMA/Vicuna), L-P projection
 * ({@code text_hidden_fcs}), grounding image encoder (SAM ViT) + pixel decoder, and the optional
 * detection head on CLIP's CLS token.
 *
 * <p>Load a GLaMM/LEGION checkpoint folder ({@code .bin} shards or safetensors, {@code config.json},
 * {@code added_tokens.json}, tokenizer) plus a CLIP folder:
 *
 * <pre>{@code
 * try (LegionModel model = LegionModel.loader().model(dir).clip(clipDir).load()) { ... }
 * }</pre>
 *
 * <p>The model owns the NDManager that holds every parameter; call the pieces with activations in a
 * sub-manager of {@link #manager()} so that nothing accumulates there. Parameters are never modified
 * by the inference pieces; instances are safe for concurrent forwards.
 */
public final class LegionModel implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LegionModel.class);

    /** Checkpoint keys that exist upstream but are not used: rotary buffers, the region encoder, a CLIP copy. */
    public static final Predicate<String> IGNORABLE_KEYS = key -> LlamaModel.IGNORABLE_KEYS.test(key)
            || key.startsWith("model.region_encoder.");

    /** Where GLaMM checkpoints that do carry the CLIP tower keep it. */
    public static final String TOWER_PREFIX = "model.vision_tower.vision_tower.vision_model.";

    private final LegionConfig config;
    private final ClipVisionConfig clipConfig;
    private final SamConfig samConfig;
    private final NDManager manager;
    private final LegionTokenizer tokenizer;
    private final GlobalImageEncoder clip;
    private final VisionLanguageProjector projector;
    private final LlamaForCausalLM llm;
    private final TextHiddenProjection textHidden;
    private final GroundingImageEncoder groundingEncoder;
    private final PixelDecoder pixelDecoder;
    private final DetectionHead detectionHead;
    private final long segTokenId;
    private final WeightMap.LoadReport report;
    private final Path tokenizerDir;

    private LegionModel(Builder b, NDManager manager, LegionTokenizer tokenizer, DetectionHead head,
            WeightMap.LoadReport report, Path tokenizerDir) {
        this.tokenizerDir = tokenizerDir;
        this.config = b.config;
        this.clipConfig = b.clipConfig;
        this.samConfig = b.samConfig;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.clip = b.clip;
        this.projector = b.projector;
        this.llm = b.llm;
        this.textHidden = b.textHidden;
        this.groundingEncoder = b.groundingEncoder;
        this.pixelDecoder = b.pixelDecoder;
        this.detectionHead = head;
        this.segTokenId = b.segTokenId;
        this.report = report;
    }

    /** A loader for a checkpoint folder. */
    public static Loader loader() {
        return new Loader();
    }

    /** Fluent loader; {@link #model(Path)} is required, {@link #clip(Path)} unless the checkpoint carries CLIP. */
    public static final class Loader {
        private Path modelDir;
        private Path clipDir;
        private SamConfig samConfig;
        private int decoderHeads = 8;
        private Device device = Device.cpu();
        private NDArrayLoader.FloatPolicy policy = NDArrayLoader.FloatPolicy.FLOAT32;
        private boolean strict = true;
        private boolean freshHead;

        /**
         * When the checkpoint has no detection head, add one with HF's initialization (weights
         * N(0, 0.02²), biases 0) instead of going without: to train stage 2 on a stage-1 checkpoint.
         */
        public Loader freshDetectionHead(boolean fresh) {
            this.freshHead = fresh;
            return this;
        }

        /** The GLaMM/LEGION checkpoint folder. */
        public Loader model(Path dir) {
            this.modelDir = dir;
            return this;
        }

        /** The CLIP folder ({@code openai/clip-vit-large-patch14-336} layout: config.json + weights). */
        public Loader clip(Path dir) {
            this.clipDir = dir;
            return this;
        }

        /**
         * SAM sizes. Default: {@code sam_config.json} in the model folder if present, else inferred from
         * the checkpoint's shapes with {@link #decoderHeads} attention heads in the two-way transformer.
         */
        public Loader samConfig(SamConfig config) {
            this.samConfig = config;
            return this;
        }

        /** Heads of SAM's two-way transformer when sizes are inferred (8 in every released SAM). */
        public Loader decoderHeads(int heads) {
            this.decoderHeads = heads;
            return this;
        }

        /** Where the parameters live (default CPU). */
        public Loader device(Device device) {
            this.device = device;
            return this;
        }

        /** Parameter precision (default FLOAT32; FLOAT16 halves GPU memory). */
        public Loader floatPolicy(NDArrayLoader.FloatPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Whether missing or unexpected checkpoint keys are an error (default true). */
        public Loader strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * Builds the model and streams the weights into it.
         *
         * @throws CheckpointException naming the file and key when a file is missing or malformed, a shape
         *     differs from the config, or (strict) keys are missing or unexpected
         */
        public LegionModel load() throws CheckpointException {
            if (modelDir == null) {
                throw new IllegalArgumentException("LegionModel.loader(): model(dir) is required");
            }
            Builder b = new Builder();
            b.config = LegionConfig.read(modelDir.resolve("config.json"));
            NDManager manager = NDManager.newBaseManager(device);
            LegionTokenizer tokenizer = null;
            try (Checkpoint ckpt = Checkpoints.open(modelDir)) {
                boolean towerInCheckpoint = ckpt.contains(TOWER_PREFIX + "embeddings.class_embedding");
                b.clipConfig = clipConfig(b.config, towerInCheckpoint);
                b.samConfig = samConfig != null ? samConfig : samConfigFor(ckpt);
                tokenizer = hasTokenizer(modelDir) ? LegionTokenizer.load(modelDir) : null;
                b.segTokenId = segId(tokenizer);
                b.build();
                boolean hasHead = ckpt.contains("prediction_head.0.weight");
                DetectionHead head = hasHead || freshHead ? new DetectionHead(b.config) : null;
                WeightMap weights = b.weightMap(hasHead ? head : null, towerInCheckpoint);
                if (head != null && !hasHead) {
                    for (WeightMap.Entry e : head.weightMap("prediction_head.").entries().values()) {
                        e.parameter().setArray(e.key().endsWith("bias") ? manager.zeros(e.shape())
                                : manager.randomNormal(0, 0.02f, e.shape(), DataType.FLOAT32));
                    }
                }
                Predicate<String> ignorable = towerInCheckpoint ? IGNORABLE_KEYS
                        : IGNORABLE_KEYS.or(k -> k.startsWith("model.vision_tower."));
                WeightMap.LoadReport report = weights.load(ckpt, manager, policy, ignorable, strict);
                if (!towerInCheckpoint) {
                    loadClip(b.clip, manager);
                }
                return new LegionModel(b, manager, tokenizer, head, report, modelDir);
            } catch (CheckpointException | RuntimeException e) {
                IoUtils.closeQuietly(tokenizer);
                manager.close();
                throw e;
            }
        }

        private ClipVisionConfig clipConfig(LegionConfig config, boolean towerInCheckpoint) throws CheckpointException {
            if (clipDir == null && Files.isDirectory(modelDir.resolve("clip"))) {
                clipDir = modelDir.resolve("clip"); // the layout LegionModel.save writes
            }
            if (clipDir != null) {
                return ClipVisionConfig.read(clipDir.resolve("config.json"));
            }
            if (towerInCheckpoint && "openai/clip-vit-large-patch14-336".equals(config.visionTower())) {
                return Presets.clipL336();
            }
            throw new CheckpointException(modelDir, null, "GLaMM/LEGION checkpoints do not contain the CLIP tower ("
                    + config.visionTower() + "): pass its folder with .clip(dir) (config.json + model.safetensors "
                    + "or pytorch_model.bin)");
        }

        private SamConfig samConfigFor(Checkpoint ckpt) throws CheckpointException {
            Path file = modelDir.resolve("sam_config.json");
            if (Files.isRegularFile(file)) {
                return SamConfig.read(file);
            }
            Map<String, long[]> shapes = new HashMap<>();
            for (TensorInfo t : ckpt.infos().values()) {
                shapes.put(t.name(), t.shape());
            }
            SamConfig inferred = SamConfig.inferFromShapes(shapes, "model.grounding_encoder.", decoderHeads);
            if (!inferred.equals(SamConfig.vitH())) {
                LOG.warn("SAM sizes inferred from {}: the two-way transformer's head count ({}) cannot be read from "
                        + "weights; pass a SAM config if this is not a stock SAM", modelDir, decoderHeads);
            }
            return inferred;
        }

        private void loadClip(GlobalImageEncoder clip, NDManager manager) throws CheckpointException {
            try (Checkpoint c = Checkpoints.open(clipDir)) {
                clip.weightMap("vision_model.").load(c, manager, policy, GlobalImageEncoder.ignorableKeys(), strict);
            }
        }

        private static boolean hasTokenizer(Path dir) {
            return Files.isRegularFile(dir.resolve("tokenizer.json")) || Files.isRegularFile(dir.resolve("tokenizer.model"));
        }

        private long segId(LegionTokenizer tokenizer) throws CheckpointException {
            if (tokenizer != null) {
                return tokenizer.tokenId("[SEG]");
            }
            Path added = modelDir.resolve("added_tokens.json");
            AddedTokens tokens = Files.isRegularFile(added) ? AddedTokens.read(added) : AddedTokens.glamm();
            return tokens.id("[SEG]");
        }
    }

    /** Builds the blocks from the configs and maps their keys. */
    private static final class Builder {
        LegionConfig config;
        ClipVisionConfig clipConfig;
        SamConfig samConfig;
        long segTokenId;
        GlobalImageEncoder clip;
        VisionLanguageProjector projector;
        LlamaForCausalLM llm;
        TextHiddenProjection textHidden;
        GroundingImageEncoder groundingEncoder;
        PixelDecoder pixelDecoder;

        /** Builds every block; CLIP only when its config is known (it is not part of LEGION checkpoints). */
        void build() {
            if (clipConfig != null && clipConfig.hiddenSize() != config.mmHiddenSize()) {
                throw new IllegalArgumentException("CLIP hidden_size " + clipConfig.hiddenSize()
                        + " differs from the LEGION config's mm_hidden_size " + config.mmHiddenSize());
            }
            if (samConfig.promptEncoder().embedDim() != config.outDim()) {
                throw new IllegalArgumentException("SAM prompt embed_dim " + samConfig.promptEncoder().embedDim()
                        + " differs from the LEGION config's out_dim " + config.outDim());
            }
            clip = clipConfig == null ? null : new GlobalImageEncoder(clipConfig);
            projector = new VisionLanguageProjector(config);
            llm = new LlamaForCausalLM(config.llama());
            textHidden = new TextHiddenProjection(config);
            groundingEncoder = new GroundingImageEncoder(samConfig);
            pixelDecoder = new PixelDecoder(samConfig);
        }

        /** The one key-to-parameter map of a GLaMM/LEGION checkpoint. */
        WeightMap weightMap(DetectionHead head, boolean towerInCheckpoint) {
            WeightMap m = new WeightMap();
            llm.mapWeights("", m); // model.embed_tokens, model.layers.N, model.norm, lm_head
            projector.mapWeights("model.mm_projector.", m);
            textHidden.mapWeights("model.text_hidden_fcs.", m);
            groundingEncoder.mapWeights("model.grounding_encoder.image_encoder.", m);
            pixelDecoder.mapWeights("model.grounding_encoder.", m);
            if (head != null) {
                head.mapWeights("prediction_head.", m);
            }
            if (towerInCheckpoint) {
                clip.mapWeights(TOWER_PREFIX, m);
            }
            return m;
        }
    }

    /**
     * A new model with freshly initialized weights (for training from scratch): linear and embedding
     * weights N(0, {@code std}), norm weights 1, biases 0, SAM's Fourier matrix N(0, 1).
     *
     * @param tokenizerDir a folder with {@code tokenizer.json} or {@code tokenizer.model} (+ added tokens)
     */
    public static LegionModel create(LegionConfig config, ClipVisionConfig clip, SamConfig sam, Path tokenizerDir,
            boolean detectionHead, Device device, float std, long seed) throws CheckpointException {
        Builder b = new Builder();
        b.config = config;
        b.clipConfig = clip;
        b.samConfig = sam;
        LegionTokenizer tokenizer = LegionTokenizer.load(tokenizerDir);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            if (tokenizer.vocabSize() > config.llama().vocabSize()) {
                throw new CheckpointException(tokenizerDir, null, "the tokenizer has " + tokenizer.vocabSize()
                        + " ids but the config's vocab_size is " + config.llama().vocabSize());
            }
            b.segTokenId = tokenizer.tokenId("[SEG]");
            b.build();
            DetectionHead head = detectionHead ? new DetectionHead(config) : null;
            WeightMap all = b.weightMap(head, true);
            manager.getEngine().setRandomSeed((int) seed);
            for (WeightMap.Entry e : all.entries().values()) {
                e.parameter().setArray(initial(manager, e, std));
            }
            List<String> keys = new ArrayList<>(all.entries().keySet());
            WeightMap.LoadReport report = new WeightMap.LoadReport(keys, List.of(), List.of(), List.of());
            return new LegionModel(b, manager, tokenizer, head, report, tokenizerDir);
        } catch (CheckpointException | RuntimeException e) {
            tokenizer.close();
            manager.close();
            throw e;
        }
    }

    private static NDArray initial(NDManager m, WeightMap.Entry e, float std) {
        String key = e.key();
        Shape shape = e.shape();
        NDArray a;
        if (key.endsWith("positional_encoding_gaussian_matrix")) {
            a = m.randomNormal(0, 1, shape, DataType.FLOAT32);
        } else if (key.endsWith("bias")) {
            a = m.zeros(shape, DataType.FLOAT32);
        } else if (shape.dimension() == 1 && (key.contains("norm") || key.contains("layernorm") || key.contains("ln"))) {
            a = m.ones(shape, DataType.FLOAT32);
        } else if (shape.dimension() == 1 && key.matches(".*\\.neck\\.[13]\\.weight|.*output_upscaling\\.1\\.weight")) {
            a = m.ones(shape, DataType.FLOAT32); // LayerNorm2d scales
        } else {
            a = m.randomNormal(0, std, shape, DataType.FLOAT32);
        }
        a.setName(key);
        return a;
    }

    /** How {@link #save} stores floating weights. */
    public enum SavePrecision {
        /** Everything float32. */
        FLOAT32,
        /** Like the released checkpoints: the LLM, projector and detection head bf16, SAM and text_hidden_fcs float32. */
        MIXED_BF16
    }

    /**
     * Writes the model as a GLaMM/LEGION folder that {@link #loader()} (and the analyzer) reads back:
     * {@code config.json}, {@code sam_config.json}, {@code model.safetensors} with the upstream keys,
     * {@code added_tokens.json} and the tokenizer files, plus {@code clip/} (config, preprocessor
     * config, weights). Each file is written atomically.
     */
    public void save(Path dir, SavePrecision precision) throws CheckpointException {
        try {
            Files.createDirectories(dir.resolve("clip"));
        } catch (java.io.IOException e) {
            throw new CheckpointException(dir, null, "cannot create: " + e, e);
        }
        ai.legion.core.config.ConfigFiles.write(dir.resolve("config.json"), config);
        ai.legion.core.config.ConfigFiles.write(dir.resolve("sam_config.json"), samConfig);
        ai.legion.core.config.ConfigFiles.write(dir.resolve("clip/config.json"), clipConfig);
        ai.legion.core.config.ConfigFiles.write(dir.resolve("clip/preprocessor_config.json"),
                ai.legion.core.config.ClipImageProcessorConfig.square(clipConfig.imageSize()));
        writeWeights(weightMap(false), dir.resolve("model.safetensors"), precision);
        writeWeights(clip.weightMap("vision_model."), dir.resolve("clip/model.safetensors"), SavePrecision.FLOAT32);
        if (tokenizer != null) {
            ai.legion.core.config.ConfigFiles.write(dir.resolve("added_tokens.json"), tokenizer.addedTokens());
            copyTokenizerFiles(dir);
        }
    }

    /** Every LEGION weight under its checkpoint key ({@code towerInCheckpoint}: CLIP too, GLaMM-style). */
    public WeightMap weightMap(boolean towerInCheckpoint) {
        Builder b = new Builder();
        b.config = config;
        b.clipConfig = clipConfig;
        b.samConfig = samConfig;
        b.clip = clip;
        b.projector = projector;
        b.llm = llm;
        b.textHidden = textHidden;
        b.groundingEncoder = groundingEncoder;
        b.pixelDecoder = pixelDecoder;
        return b.weightMap(detectionHead, towerInCheckpoint);
    }

    private static void writeWeights(WeightMap map, Path file, SavePrecision precision) throws CheckpointException {
        ai.legion.core.io.SafetensorsWriter w = new ai.legion.core.io.SafetensorsWriter().metadata("format", "pt");
        for (WeightMap.Entry e : map.entries().values()) {
            NDArray a = e.parameter().getArray();
            String k = e.key();
            boolean bf16 = precision == SavePrecision.MIXED_BF16 && !k.startsWith("model.grounding_encoder.")
                    && !k.startsWith("model.text_hidden_fcs.") && a.getDataType().isFloating();
            if (bf16) {
                ai.legion.core.io.TensorInfo info = new ai.legion.core.io.TensorInfo(k, ai.legion.core.io.DType.BF16,
                        a.getShape().getShape());
                w.add(info, out -> ai.legion.core.io.IoUtils.writeFully(out, ai.legion.core.io.Buffers.narrowToBf16(
                        a.toType(DataType.FLOAT32, false).toByteBuffer())));
            } else {
                w.add(k, a.getDataType() == DataType.FLOAT32 || !a.getDataType().isFloating() ? a
                        : a.toType(DataType.FLOAT32, false));
            }
        }
        w.write(file);
    }

    private void copyTokenizerFiles(Path dir) throws CheckpointException {
        for (String name : List.of("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
            Path src = tokenizerDir.resolve(name);
            Path dst = dir.resolve(name);
            if (Files.isRegularFile(src) && !src.toAbsolutePath().normalize().equals(dst.toAbsolutePath().normalize())) {
                try {
                    Files.copy(src, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (java.io.IOException e) {
                    throw new CheckpointException(dst, null, "cannot copy the tokenizer: " + e, e);
                }
            }
        }
    }

    /**
     * The keys and shapes a GLaMM/LEGION checkpoint with these sizes holds (blocks are built, nothing
     * is allocated): for inspecting a checkpoint without loading it.
     *
     * @param clip CLIP sizes, used only if {@code towerInCheckpoint} (GLaMM checkpoints that carry the tower)
     */
    public static WeightMap expectedWeights(LegionConfig config, ClipVisionConfig clip, SamConfig sam,
            boolean detectionHead, boolean towerInCheckpoint) {
        Builder b = new Builder();
        b.config = config;
        b.clipConfig = towerInCheckpoint ? clip : null;
        b.samConfig = sam;
        b.build();
        return b.weightMap(detectionHead ? new DetectionHead(config) : null, towerInCheckpoint);
    }

    /** CLIP features of a batch of images. */
    public record ImageFeatures(NDArray tokens, NDArray cls) {}

    /**
     * Runs CLIP once (up to the selected layer) and returns the projected image tokens the LLM reads
     * and the CLS feature the detection head reads.
     *
     * @param clipPixels {@code [B, 3, S, S]}
     * @return tokens {@code [B, N, H]} (N = image tokens), cls {@code [B, mm_hidden]}
     */
    public ImageFeatures encodeImage(ParameterStore ps, NDArray clipPixels, boolean training) {
        int select = config.mmVisionSelectLayer();
        GlobalImageEncoder.Output out = clip.forward(ps, clipPixels, clip.layersNeeded(select), training);
        NDArray selected = out.selectFeatures(select, config.mmVisionSelectFeature());
        NDArray cls = GlobalImageEncoder.clsToken(out.hiddenState(select));
        return new ImageFeatures(projector.forward(ps, selected, training), cls);
    }

    /**
     * The detection head's logits (index {@link DetectionHead#REAL_INDEX} = real).
     *
     * @throws IllegalStateException if the checkpoint has no {@code prediction_head}
     */
    public NDArray classify(ParameterStore ps, NDArray clsFeature, boolean training) {
        if (detectionHead == null) {
            throw new IllegalStateException("this checkpoint has no detection head (prediction_head.*): LEGION's "
                    + "localization/explanation checkpoints ship without it; train stage 2 or load one that has it");
        }
        return detectionHead.forward(ps, clsFeature, training);
    }

    /**
     * Token embeddings with the image tokens spliced in place of the single {@code -200} placeholder
     * (LLaVA's {@code prepare_inputs_labels_for_multimodal}).
     *
     * @param ids token ids with exactly one {@link LegionTokenizer#IMAGE_TOKEN_INDEX}
     * @param imageTokens {@code [N, H]} (one image's projected CLIP tokens)
     * @return {@code [L - 1 + N, H]}
     */
    public NDArray spliceImage(ParameterStore ps, long[] ids, NDArray imageTokens, boolean training) {
        int p = imagePosition(ids);
        NDManager m = imageTokens.getManager();
        List<NDArray> parts = new ArrayList<>(3);
        if (p > 0) {
            parts.add(embed(ps, m, java.util.Arrays.copyOfRange(ids, 0, p), training));
        }
        parts.add(Ops.cast(imageTokens, llm.dataType()));
        if (p + 1 < ids.length) {
            parts.add(embed(ps, m, java.util.Arrays.copyOfRange(ids, p + 1, ids.length), training));
        }
        return NDArrays.concat(new NDList(parts), 0);
    }

    private NDArray embed(ParameterStore ps, NDManager m, long[] ids, boolean training) {
        return llm.model().embed(ps, Ops.tensor(m, ids).expandDims(0), training).get(0);
    }

    private static int imagePosition(long[] ids) {
        int p = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == LegionTokenizer.IMAGE_TOKEN_INDEX) {
                if (p >= 0) {
                    throw new IllegalArgumentException("LegionModel: one image per sequence is supported, found "
                            + LegionTokenizer.IMAGE_TOKEN_INDEX + " at " + p + " and " + i);
                }
                p = i;
            }
        }
        if (p < 0) {
            throw new IllegalArgumentException("LegionModel: the ids have no image placeholder "
                    + LegionTokenizer.IMAGE_TOKEN_INDEX);
        }
        return p;
    }

    /**
     * Upstream's {@code [SEG]} state selection: {@code cat(zeros(N-1), ids[1:] == SEG, zeros(1))} over
     * the expanded sequence, i.e. for every {@code [SEG]} at index {@code j >= 1} the expanded position
     * {@code j + N - 2}: the position that predicts the {@code [SEG]} (not the [SEG] itself).
     *
     * @param numImageTokens N, the number of spliced image tokens
     */
    public long[] segPositions(long[] ids, int numImageTokens) {
        List<Long> out = new ArrayList<>();
        for (int j = 1; j < ids.length; j++) {
            if (ids[j] == segTokenId) {
                out.add((long) j + numImageTokens - 2);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** SAM image embeddings {@code [B, C, g, g]} of preprocessed images {@code [B, 3, T, T]}. */
    public NDArray groundingEmbeddings(ParameterStore ps, NDArray samPixels, boolean training) {
        return groundingEncoder.forward(ps, samPixels, training);
    }

    /**
     * Masks for one image from the post-norm LLM states that produced its {@code [SEG]} tokens.
     *
     * @param imageEmbedding {@code [1, C, g, g]}
     * @param segHidden {@code [K, H]}
     * @return the projected [SEG] embeddings {@code [K, out_dim]} and low-res mask logits {@code [K, 1, 4g, 4g]}
     */
    public NDList predictMasks(ParameterStore ps, NDArray imageEmbedding, NDArray segHidden, boolean training) {
        NDArray seg = textHidden.forward(ps, segHidden, training);
        // SAM may run in another precision than the LLM (upstream: bf16 LLM, fp32 SAM)
        NDArray prompts = seg.getDataType() == imageEmbedding.getDataType() ? seg
                : Ops.cast(seg, imageEmbedding.getDataType());
        return new NDList(seg, pixelDecoder.decode(ps, imageEmbedding, prompts, training));
    }

    /**
     * The training forward (teacher forcing), as upstream {@code model_forward}: image tokens spliced
     * into each sequence, sequences right-padded, the LLM run once over the batch, the [SEG] states
     * selected with upstream's off-by-one, projected, decoded into masks and brought to each image's
     * original resolution.
     */
    public TeacherForcedOutput forwardTeacherForced(ParameterStore ps, TeacherForcedBatch batch, boolean training) {
        NDManager m = batch.clipPixels().getManager();
        ImageFeatures features = encodeImage(ps, batch.clipPixels(), training);
        int n = (int) features.tokens().getShape().get(1);
        List<NDArray> embeds = new ArrayList<>();
        long maxLen = 0;
        for (int i = 0; i < batch.size(); i++) {
            NDArray e = spliceImage(ps, batch.inputIds().get(i), features.tokens().get(i), training);
            embeds.add(e);
            maxLen = Math.max(maxLen, e.getShape().get(0));
        }
        long hidden = config.llama().hiddenSize();
        boolean[] mask = new boolean[(int) (batch.size() * maxLen)];
        List<NDArray> padded = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            NDArray e = embeds.get(i);
            long len = e.getShape().get(0);
            java.util.Arrays.fill(mask, (int) (i * maxLen), (int) (i * maxLen + len), true);
            padded.add(len < maxLen ? e.concat(m.zeros(new Shape(maxLen - len, hidden), e.getDataType()), 0) : e);
        }
        NDArray inputsEmbeds = NDArrays.stack(new NDList(padded), 0);
        NDArray attention = Ops.tensor(m, mask, new Shape(batch.size(), maxLen));
        CausalLmOutput out = llm.forward(ps, LmInput.ofEmbeds(inputsEmbeds).withAttentionMask(attention),
                LogitsSelection.all(), training);
        NDArray imageEmbeddings = groundingEmbeddings(ps, batch.samPixels(), training);
        int imgSize = samConfig.imageEncoder().imgSize();
        List<long[]> positions = new ArrayList<>();
        List<NDArray> segEmbeddings = new ArrayList<>();
        List<NDArray> lowRes = new ArrayList<>();
        List<NDArray> masks = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            long[] pos = segPositions(batch.inputIds().get(i), n);
            positions.add(pos);
            NDArray states = out.lastHiddenState().get(i).get(Ops.tensor(m, pos));
            NDList pm = predictMasks(ps, imageEmbeddings.get(new NDIndex("{}:{}", i, i + 1)), states, training);
            segEmbeddings.add(pm.get(0));
            lowRes.add(pm.get(1));
            NDArray full = MaskPostprocessor.postprocess(pm.get(1), imgSize, batch.resizedHw().get(i),
                    batch.originalHw().get(i));
            masks.add(full.squeeze(1));
        }
        return new TeacherForcedOutput(out.logits(), out.lastHiddenState(), attention, positions, segEmbeddings, lowRes,
                masks);
    }

    /** Number of image tokens the LLM sees per image (576 for CLIP-L/336 patch features). */
    public int numImageTokens() {
        return config.numImageTokens(clipConfig);
    }

    public LegionConfig config() {
        return config;
    }

    public ClipVisionConfig clipConfig() {
        return clipConfig;
    }

    public SamConfig samConfig() {
        return samConfig;
    }

    /** The tokenizer, or {@code null} if the checkpoint folder has none. */
    public LegionTokenizer tokenizer() {
        return tokenizer;
    }

    public long segTokenId() {
        return segTokenId;
    }

    public GlobalImageEncoder globalImageEncoder() {
        return clip;
    }

    public VisionLanguageProjector projector() {
        return projector;
    }

    public LlamaForCausalLM llm() {
        return llm;
    }

    public TextHiddenProjection textHiddenProjection() {
        return textHidden;
    }

    public GroundingImageEncoder groundingImageEncoder() {
        return groundingEncoder;
    }

    public PixelDecoder pixelDecoder() {
        return pixelDecoder;
    }

    /** Whether the checkpoint carried a detection head. */
    public boolean hasDetectionHead() {
        return detectionHead != null;
    }

    /** What loading the checkpoint found (loaded, missing, unexpected, ignored keys). */
    public WeightMap.LoadReport loadReport() {
        return report;
    }

    /** The manager that owns every parameter. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        IoUtils.closeQuietly(tokenizer);
        manager.close();
    }
}
