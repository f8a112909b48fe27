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
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.IoUtils;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.models.grounding.GroundingModel;
import ai.legion.models.heads.DetectionHead;
import ai.legion.models.heads.TextHiddenProjection;
import ai.legion.models.heads.VisionLanguageProjector;
import ai.legion.models.llama.LlamaModel;
import ai.legion.models.lm.CausalLm;
import ai.legion.models.lm.CausalLmOutput;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.lm.Generator;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.loading.Architectures;
import ai.legion.models.loading.LegionLoader;
import ai.legion.models.loading.LegionSaver;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.vision.VisionTower;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * LEGION (LEGION {@code model/Legion.py::LegionForCls}): the global image encoder E_g (a {@link VisionTower},
 * CLIP) and the V-L projector, the LLM (a {@link CausalLm}, Vicuna/LLaMA), the L-P projection
 * ({@code text_hidden_fcs}), the grounding model (a {@link GroundingModel}: SAM's encoder E_l and the pixel
 * decoder D) and the optional detection head on CLIP's CLS token. Which implementation builds each part is
 * chosen by its config's {@code model_type} ({@link Architectures}).
 *
 * <p>Two entries run the model, and everything else (training, evaluation, the analyzer, the parity tests)
 * goes through them:
 * <ul>
 *   <li>{@link #forward}: teacher forcing over whole conversations (upstream {@code model_forward}), with
 *       logits only where a loss needs them;</li>
 *   <li>{@link #generate}: the answer for each image, decoded with a KV cache, and a mask per generated
 *       {@code [SEG]} (upstream {@code evaluate}).</li>
 * </ul>
 *
 * <p>Loading and saving live apart ({@link #loader()} = {@link LegionLoader}, {@link #save} = {@link LegionSaver});
 * {@link #weightMap} is the one mapping between upstream state-dict keys and parameters.
 *
 * <p>The model owns the NDManager that holds every parameter; run the entries with activations in a
 * sub-manager of {@link #manager()} so that nothing accumulates there. Parameters are never modified by
 * the entries; instances are safe for concurrent forwards.
 */
public final class LegionModel implements AutoCloseable {

    /** Checkpoint keys that exist upstream but are not used: rotary buffers, GLaMM's region encoder. */
    public static final Predicate<String> IGNORABLE_KEYS = LlamaModel.IGNORABLE_KEYS
            .or(key -> key.startsWith("model.region_encoder."));

    /** Where GLaMM checkpoints that do carry the CLIP tower keep it. */
    public static final String TOWER_PREFIX = "model.vision_tower.vision_tower.vision_model.";

    /**
     * The blocks of a LEGION model declared from its configs, without weights: what {@link #weightMap}
     * maps, what the loader fills and what {@link #create} initializes.
     *
     * @param vision null when the CLIP config is unknown (only to list a checkpoint's expected keys)
     * @param detectionHead null without a detection head
     */
    public record Parts(LegionConfig config, ClipVisionConfig clipConfig, SamConfig samConfig, VisionTower vision,
            VisionLanguageProjector projector, CausalLm llm, TextHiddenProjection textHidden, GroundingModel grounding,
            DetectionHead detectionHead) {

        /**
         * Declares every part from the configs.
         *
         * @param clip the vision config, or null to leave the tower out
         * @throws IllegalArgumentException if the configs do not fit together or a {@code model_type} is unknown
         */
        public static Parts declare(LegionConfig config, ClipVisionConfig clip, SamConfig sam, boolean detectionHead) {
            if (clip != null && clip.hiddenSize() != config.mmHiddenSize()) {
                throw new IllegalArgumentException("CLIP hidden_size " + clip.hiddenSize()
                        + " differs from the LEGION config's mm_hidden_size " + config.mmHiddenSize());
            }
            GroundingModel grounding = Architectures.groundingModel(sam);
            if (grounding.promptDim() != config.outDim()) {
                throw new IllegalArgumentException("the grounding model's prompt width " + grounding.promptDim()
                        + " differs from the LEGION config's out_dim " + config.outDim());
            }
            return new Parts(config, clip, sam, clip == null ? null : Architectures.visionTower(clip),
                    new VisionLanguageProjector(config), Architectures.causalLm(config), new TextHiddenProjection(config),
                    grounding, detectionHead ? new DetectionHead(config) : null);
        }

        /**
         * Every weight under its GLaMM/LEGION checkpoint key.
         *
         * @param towerInCheckpoint whether CLIP is included (under {@link #TOWER_PREFIX}, as some GLaMM
         *     checkpoints carry it)
         */
        public WeightMap weightMap(boolean towerInCheckpoint) {
            WeightMap m = new WeightMap();
            llm.mapWeights("", m); // model.embed_tokens, model.layers.N, model.norm, lm_head
            projector.mapWeights("model.mm_projector.", m);
            textHidden.mapWeights("model.text_hidden_fcs.", m);
            grounding.mapWeights("model.grounding_encoder.", m);
            if (detectionHead != null) {
                detectionHead.mapWeights("prediction_head.", m);
            }
            if (towerInCheckpoint) {
                vision.mapWeights(TOWER_PREFIX, m);
            }
            return m;
        }
    }

    private final Parts parts;
    private final NDManager manager;
    private final LegionTokenizer tokenizer;
    private final Path tokenizerDir;
    private final long segTokenId;
    private final WeightMap.LoadReport report;

    /**
     * A model over parts whose parameters are set (by {@link LegionLoader} or {@link #create}).
     *
     * @param manager owns every parameter array (closed with the model)
     * @param tokenizer the tokenizer, or null when the checkpoint folder has none (closed with the model)
     * @param tokenizerDir the folder the tokenizer came from (copied along by {@link #save}), or null
     * @param segTokenId the id of {@code [SEG]}
     * @param report what loading found
     */
    public LegionModel(Parts parts, NDManager manager, LegionTokenizer tokenizer, Path tokenizerDir, long segTokenId,
            WeightMap.LoadReport report) {
        this.parts = Objects.requireNonNull(parts, "parts");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.tokenizer = tokenizer;
        this.tokenizerDir = tokenizerDir;
        this.segTokenId = segTokenId;
        this.report = Objects.requireNonNull(report, "report");
        if (parts.vision() == null) {
            throw new IllegalArgumentException("LegionModel: the vision tower is required (its config was not given)");
        }
    }

    /** A loader for a GLaMM/LEGION checkpoint folder (HF's {@code from_pretrained}). */
    public static LegionLoader loader() {
        return new LegionLoader();
    }

    /**
     * A new model with freshly initialized weights (for training from scratch), each parameter by the rule
     * its block declares (weights N(0, {@code std}), norm scales 1, biases 0, ...); deterministic for a seed.
     *
     * @param tokenizerDir a folder with {@code tokenizer.json} or {@code tokenizer.model} (+ added tokens)
     * @throws CheckpointException if the tokenizer cannot be read or does not fit the vocabulary
     */
    public static LegionModel create(LegionConfig config, ClipVisionConfig clip, SamConfig sam, Path tokenizerDir,
            boolean detectionHead, Device device, float std, long seed) throws CheckpointException {
        Parts parts = Parts.declare(config, clip, sam, detectionHead);
        LegionTokenizer tokenizer = LegionTokenizer.load(tokenizerDir);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            if (tokenizer.vocabSize() > config.llama().vocabSize()) {
                throw new CheckpointException(tokenizerDir, null, "the tokenizer has " + tokenizer.vocabSize()
                        + " ids but the config's vocab_size is " + config.llama().vocabSize());
            }
            WeightMap all = parts.weightMap(true);
            all.initialize(manager, std, seed);
            WeightMap.LoadReport report = new WeightMap.LoadReport(List.copyOf(all.entries().keySet()), List.of(),
                    List.of(), List.of());
            return new LegionModel(parts, manager, tokenizer, tokenizerDir, tokenizer.tokenId("[SEG]"), report);
        } catch (CheckpointException | RuntimeException e) {
            tokenizer.close();
            manager.close();
            throw e;
        }
    }

    /** How {@link #save} stores floating weights. */
    public enum SavePrecision {
        /** Everything float32. */
        FLOAT32,
        /** Like the released checkpoints: the LLM, projector and detection head bf16, SAM and text_hidden_fcs float32. */
        MIXED_BF16
    }

    /**
     * Writes the model as a GLaMM/LEGION folder that {@link #loader()} reads back (HF's {@code save_pretrained});
     * see {@link LegionSaver}.
     */
    public void save(Path dir, SavePrecision precision) throws CheckpointException {
        LegionSaver.save(this, dir, precision);
    }

    /**
     * The keys and shapes a GLaMM/LEGION checkpoint with these sizes holds (blocks are declared, nothing is
     * allocated): for inspecting a checkpoint without loading it.
     *
     * @param clip CLIP sizes, used only if {@code towerInCheckpoint}
     */
    public static WeightMap expectedWeights(LegionConfig config, ClipVisionConfig clip, SamConfig sam,
            boolean detectionHead, boolean towerInCheckpoint) {
        return Parts.declare(config, towerInCheckpoint ? clip : null, sam, detectionHead).weightMap(towerInCheckpoint);
    }

    /** Every LEGION weight under its checkpoint key ({@code towerInCheckpoint}: CLIP too, GLaMM-style). */
    public WeightMap weightMap(boolean towerInCheckpoint) {
        return parts.weightMap(towerInCheckpoint);
    }

    // ---------------------------------------------------------------------------------------------
    // The two entries

    /**
     * The teacher-forced forward (upstream {@code LegionForCls.model_forward}): image tokens spliced into each
     * sequence, sequences right-padded, the LLM run once over the batch, the states that produce each
     * {@code [SEG]} projected and decoded into masks at each image's original resolution. Training computes its
     * losses from this output; with labels, logits exist only at the positions that predict a supervised token.
     */
    public LegionOutput forward(ParameterStore ps, LegionInput in, boolean training) {
        NDManager m = in.clipPixels().getManager();
        ImageFeatures f = encodeImage(ps, in.clipPixels(), training);
        NDArray clsLogits = parts.detectionHead() == null ? null : classify(ps, f.cls(), training);
        int b = in.size();
        int n = (int) f.tokens().getShape().get(1);
        List<NDArray> embeds = new ArrayList<>(b);
        long maxLen = 0;
        for (int i = 0; i < b; i++) {
            NDArray e = spliceImage(ps, in.inputIds().get(i), f.tokens().get(i), training);
            embeds.add(e);
            maxLen = Math.max(maxLen, e.getShape().get(0));
        }
        long hidden = parts.llm().hiddenSize();
        boolean[] mask = new boolean[Math.toIntExact(b * maxLen)];
        NDList padded = new NDList(b);
        for (int i = 0; i < b; i++) {
            NDArray e = embeds.get(i);
            long len = e.getShape().get(0);
            Arrays.fill(mask, (int) (i * maxLen), (int) (i * maxLen + len), true);
            padded.add(len < maxLen ? e.concat(m.zeros(new Shape(maxLen - len, hidden), e.getDataType()), 0) : e);
        }
        NDArray inputsEmbeds = NDArrays.stack(padded, 0);
        NDArray attention = Ops.tensor(m, mask, new Shape(b, maxLen));
        boolean supervised = in.labels() != null;
        CausalLmOutput out = parts.llm().forward(ps, LmInput.ofEmbeds(inputsEmbeds).withAttentionMask(attention),
                supervised ? LogitsSelection.none() : LogitsSelection.all(), training);
        NDArray logits = out.logits();
        long[] targets = null;
        if (supervised) {
            // the state at expanded position t predicts the expanded label t + 1
            List<Long> rows = new ArrayList<>();
            List<Long> next = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                long[] expanded = expandLabels(in.labels().get(i), in.inputIds().get(i), n);
                for (int t = 0; t + 1 < expanded.length; t++) {
                    if (expanded[t + 1] != LegionTokenizer.IGNORE_INDEX) {
                        rows.add(i * maxLen + t);
                        next.add(expanded[t + 1]);
                    }
                }
            }
            targets = next.stream().mapToLong(Long::longValue).toArray();
            logits = rows.isEmpty() ? null : parts.llm().lmHead(ps, out.lastHiddenState().reshape(b * maxLen, hidden)
                    .get(Ops.tensor(m, rows.stream().mapToLong(Long::longValue).toArray())), training);
        }
        NDArray imageEmbeddings = parts.grounding().embed(ps, in.samPixels(), training);
        List<long[]> positions = new ArrayList<>(b);
        List<NDArray> segEmbeddings = new ArrayList<>(b);
        List<NDArray> lowRes = new ArrayList<>(b);
        List<NDArray> masks = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            long[] pos = segPositions(in.inputIds().get(i), n);
            positions.add(pos);
            NDArray states = out.lastHiddenState().get(i).get(Ops.tensor(m, pos));
            NDArray seg = parts.textHidden().forward(ps, states, training);
            GroundingModel.Masks gm = decode(ps, imageEmbeddings.get(new NDIndex("{}:{}", i, i + 1)), seg,
                    in.resizedHw().get(i), in.originalHw().get(i), training);
            segEmbeddings.add(seg);
            lowRes.add(gm.lowRes());
            masks.add(gm.full());
        }
        return new LegionOutput(f.tokens(), f.cls(), clsLogits, inputsEmbeds, attention, logits, targets,
                out.lastHiddenState(), positions, segEmbeddings, lowRes, masks);
    }

    /**
     * The answer for each image and a mask per {@code [SEG]} it contains (upstream {@code LegionForCls.evaluate}):
     * the vision tower once, the prompts decoded together with a KV cache, the grounding encoder, then each
     * image's {@code [SEG]} states projected and decoded. The phases run in this order so that the grounding
     * encoder's activations never coexist with the LLM's cache.
     *
     * @param clipPixels CLIP-preprocessed images {@code [B, 3, S, S]}
     * @param samPixels grounding-preprocessed images {@code [B, 3, T, T]}
     * @param promptIds per image the prompt with one {@code -200} image placeholder
     * @param resizedHw per image the size after the grounding model's resize, before padding
     * @param originalHw per image the original size (masks come at this size)
     * @param listener tokens, verdicts and phase times (or {@link GenerationListener#NONE})
     * @return per image, in the caller's manager
     */
    public List<Generation> generate(ParameterStore ps, NDArray clipPixels, NDArray samPixels, List<long[]> promptIds,
            List<int[]> resizedHw, List<int[]> originalHw, GenerationOptions options, GenerationListener listener) {
        int b = promptIds.size();
        if (clipPixels.getShape().get(0) != b || samPixels.getShape().get(0) != b || resizedHw.size() != b
                || originalHw.size() != b) {
            throw new IllegalArgumentException("LegionModel.generate: batch sizes differ: prompts " + b + ", clip "
                    + clipPixels.getShape().get(0) + ", sam " + samPixels.getShape().get(0) + ", sizes "
                    + resizedHw.size() + "/" + originalHw.size());
        }
        long t = System.nanoTime();
        ImageFeatures f = encodeImage(ps, clipPixels, false);
        float[] clsLogits = parts.detectionHead() == null ? null
                : classify(ps, f.cls(), false).toType(DataType.FLOAT32, false).toFloatArray();
        List<NDArray> prompts = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            prompts.add(spliceImage(ps, promptIds.get(i), f.tokens().get(i), false));
        }
        listener.onPhase(GenerationListener.Phase.VISION, ms(t));
        for (int i = 0; clsLogits != null && i < b; i++) {
            listener.onVerdict(i, Arrays.copyOfRange(clsLogits, 2 * i, 2 * i + 2));
        }
        long start = System.nanoTime();
        long[] firstToken = {0};
        Generator generator = new Generator(parts.llm(), parts.config().llama().eosTokenId(), padId(),
                token -> token == segTokenId);
        List<Generator.Sequence> seqs = generator.generate(prompts, options, (seq, token) -> {
            if (firstToken[0] == 0) {
                firstToken[0] = System.nanoTime();
                listener.onPhase(GenerationListener.Phase.PREFILL, (firstToken[0] - start) / 1e6);
            }
            listener.onToken(seq, token);
        });
        listener.onPhase(GenerationListener.Phase.DECODE, ms(firstToken[0] == 0 ? start : firstToken[0]));
        t = System.nanoTime();
        NDArray imageEmbeddings = parts.grounding().embed(ps, samPixels, false);
        listener.onPhase(GenerationListener.Phase.GROUNDING, ms(t));
        t = System.nanoTime();
        List<Generation> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            Generator.Sequence s = seqs.get(i);
            NDArray seg = parts.textHidden().forward(ps, s.captured(), false);
            NDArray masks = decode(ps, imageEmbeddings.get(new NDIndex("{}:{}", i, i + 1)), seg, resizedHw.get(i),
                    originalHw.get(i), false).full();
            out.add(new Generation(s.tokens(), s.stoppedAtEos(), masks,
                    clsLogits == null ? null : Arrays.copyOfRange(clsLogits, 2 * i, 2 * i + 2)));
        }
        listener.onPhase(GenerationListener.Phase.MASKS, ms(t));
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Pieces both entries are made of

    /** CLIP features of a batch of images: projected image tokens {@code [B, N, H]} and CLS {@code [B, mm_hidden]}. */
    public record ImageFeatures(NDArray tokens, NDArray cls) {}

    /**
     * Runs the vision tower once (up to the selected layer) and the projector: the image tokens the LLM reads
     * and the CLS feature the detection head reads.
     *
     * @param clipPixels {@code [B, 3, S, S]}
     */
    public ImageFeatures encodeImage(ParameterStore ps, NDArray clipPixels, boolean training) {
        LegionConfig c = parts.config();
        VisionTower.Features f = parts.vision().features(ps, clipPixels, c.mmVisionSelectLayer(),
                c.mmVisionSelectFeature(), training);
        return new ImageFeatures(parts.projector().forward(ps, f.tokens(), training), f.cls());
    }

    /**
     * The detection head's logits on CLS features (index {@link DetectionHead#REAL_INDEX} = real).
     *
     * @throws IllegalStateException if the checkpoint has no {@code prediction_head}
     */
    public NDArray classify(ParameterStore ps, NDArray clsFeature, boolean training) {
        if (parts.detectionHead() == null) {
            throw new IllegalStateException("this checkpoint has no detection head (prediction_head.*): LEGION's "
                    + "localization/explanation checkpoints ship without it; train stage 2 or load one that has it");
        }
        return parts.detectionHead().forward(ps, clsFeature, training);
    }

    /**
     * Token embeddings with the image tokens spliced in place of the single {@code -200} placeholder
     * (LLaVA {@code llava_arch.py::prepare_inputs_labels_for_multimodal}).
     *
     * @param ids token ids with exactly one {@link LegionTokenizer#IMAGE_TOKEN_INDEX}
     * @param imageTokens {@code [N, H]} (one image's projected tokens)
     * @return {@code [L - 1 + N, H]}
     */
    public NDArray spliceImage(ParameterStore ps, long[] ids, NDArray imageTokens, boolean training) {
        int p = imagePosition(ids);
        NDManager m = imageTokens.getManager();
        List<NDArray> pieces = new ArrayList<>(3);
        if (p > 0) {
            pieces.add(embed(ps, m, Arrays.copyOfRange(ids, 0, p), training));
        }
        pieces.add(Ops.cast(imageTokens, parts.llm().dataType()));
        if (p + 1 < ids.length) {
            pieces.add(embed(ps, m, Arrays.copyOfRange(ids, p + 1, ids.length), training));
        }
        return NDArrays.concat(new NDList(pieces), 0);
    }

    /**
     * Upstream's {@code [SEG]} state selection ({@code LegionForCls._create_seg_token_mask}):
     * {@code cat(zeros(N-1), ids[1:] == SEG, zeros(1))} over the expanded sequence, i.e. for every {@code [SEG]}
     * at index {@code j >= 1} the expanded position {@code j + N - 2}: the position that predicts the
     * {@code [SEG]} (not the [SEG] itself).
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

    /** Labels over the expanded sequence: the placeholder's label replaced by N ignored image positions. */
    static long[] expandLabels(long[] labels, long[] ids, int numImageTokens) {
        int p = imagePosition(ids);
        long[] out = new long[labels.length - 1 + numImageTokens];
        System.arraycopy(labels, 0, out, 0, p);
        Arrays.fill(out, p, p + numImageTokens, LegionTokenizer.IGNORE_INDEX);
        System.arraycopy(labels, p + 1, out, p + numImageTokens, labels.length - p - 1);
        return out;
    }

    private GroundingModel.Masks decode(ParameterStore ps, NDArray embedding, NDArray seg, int[] resizedHw,
            int[] originalHw, boolean training) {
        // the grounding model may run in another precision than the LLM (upstream: bf16 LLM, fp32 SAM)
        NDArray prompts = Ops.cast(seg, embedding.getDataType());
        return parts.grounding().decode(ps, embedding, prompts, resizedHw, originalHw, training);
    }

    private NDArray embed(ParameterStore ps, NDManager m, long[] ids, boolean training) {
        return parts.llm().embed(ps, Ops.tensor(m, ids).expandDims(0), training).get(0);
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

    private long padId() {
        return tokenizer != null ? tokenizer.padId() : parts.config().llama().padTokenId();
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    // ---------------------------------------------------------------------------------------------
    // Accessors

    /** Number of image tokens the LLM sees per image (576 for CLIP-L/336 patch features). */
    public int numImageTokens() {
        return parts.vision().numImageTokens(parts.config().mmVisionSelectFeature());
    }

    /** The blocks. */
    public Parts parts() {
        return parts;
    }

    public LegionConfig config() {
        return parts.config();
    }

    public ClipVisionConfig clipConfig() {
        return parts.clipConfig();
    }

    public SamConfig samConfig() {
        return parts.samConfig();
    }

    /** The language model. */
    public CausalLm llm() {
        return parts.llm();
    }

    /** The vision tower. */
    public VisionTower vision() {
        return parts.vision();
    }

    /**
     * Replaces the vision tower's weights with those of a CLIP folder, e.g. a tower pretrained contrastively for a
     * model created from scratch (upstream starts from a pretrained CLIP too). The folder's vision config must
     * describe this tower; its text tower and projections are ignored.
     *
     * @param clipDir a CLIP folder (config.json with a {@code vision_config} or a bare vision config, weights)
     * @return what was loaded
     * @throws CheckpointException if the folder's tower differs from this one, or on unreadable or missing weights
     */
    public WeightMap.LoadReport loadVisionTower(Path clipDir) throws CheckpointException {
        ClipVisionConfig theirs = ClipVisionConfig.read(clipDir.resolve("config.json"));
        ClipVisionConfig ours = clipConfig();
        // projection_dim sizes CLIP's projection, which is not part of the tower
        if (!new ClipVisionConfig(theirs.hiddenSize(), theirs.intermediateSize(), theirs.numHiddenLayers(),
                theirs.numAttentionHeads(), theirs.numChannels(), theirs.imageSize(), theirs.patchSize(),
                theirs.hiddenAct(), theirs.layerNormEps(), ours.projectionDim(), ours.modelType()).equals(ours)) {
            throw new CheckpointException(clipDir.resolve("config.json"), null, "describes the vision tower " + theirs
                    + ", but this model's is " + ours);
        }
        try (Checkpoint c = Checkpoints.open(clipDir)) {
            WeightMap tower = new WeightMap();
            vision().mapWeights("vision_model.", tower);
            return tower.load(c, manager, NDArrayLoader.FloatPolicy.FLOAT32, vision().unusedCheckpointKeys(), true);
        }
    }

    /** The grounding model (encoder + pixel decoder). */
    public GroundingModel grounding() {
        return parts.grounding();
    }

    /** The tokenizer, or {@code null} if the checkpoint folder has none. */
    public LegionTokenizer tokenizer() {
        return tokenizer;
    }

    /** The folder the tokenizer files came from, or null. */
    public Path tokenizerDir() {
        return tokenizerDir;
    }

    public long segTokenId() {
        return segTokenId;
    }

    /** Whether the checkpoint carried a detection head. */
    public boolean hasDetectionHead() {
        return parts.detectionHead() != null;
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
