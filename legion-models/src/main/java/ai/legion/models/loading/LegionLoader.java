package ai.legion.models.loading;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
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
import ai.legion.models.LegionModel;
import ai.legion.models.Precision;
import ai.legion.models.nn.WeightMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a GLaMM/LEGION checkpoint folder ({@code .bin} shards or safetensors, {@code config.json},
 * {@code added_tokens.json}, tokenizer) plus a CLIP folder (HF's {@code from_pretrained}): reads the configs,
 * declares the parts ({@link LegionModel.Parts}), and streams every tensor into its parameter through the one
 * key mapping ({@link LegionModel#weightMap}), converting dtypes by the float policy and reporting missing,
 * unexpected and ignored keys.
 *
 * <pre>{@code
 * try (LegionModel model = LegionModel.loader().model(dir).clip(clipDir).load()) { ... }
 * }</pre>
 */
public final class LegionLoader {

    private static final Logger LOG = LoggerFactory.getLogger(LegionLoader.class);
    private static final Pattern LAYER_KEY = Pattern.compile("model\\.layers\\.(\\d+)\\.");

    private Path modelDir;
    private Path clipDir;
    private SamConfig samConfig;
    private int decoderHeads = 8;
    private Device device = Device.cpu();
    private NDArrayLoader.FloatPolicy policy = NDArrayLoader.FloatPolicy.FLOAT32;
    private boolean strict = true;
    private boolean freshHead;
    private boolean allowNonFinite;
    private Deferral deferral;

    /** Use {@link LegionModel#loader()}. */
    public LegionLoader() {}

    /** The GLaMM/LEGION checkpoint folder (required). */
    public LegionLoader model(Path dir) {
        this.modelDir = dir;
        return this;
    }

    /**
     * The CLIP folder ({@code openai/clip-vit-large-patch14-336} layout: config.json + weights). Default: the
     * {@code clip/} folder inside the model folder (the layout {@link LegionModel#save} writes).
     */
    public LegionLoader clip(Path dir) {
        this.clipDir = dir;
        return this;
    }

    /**
     * SAM sizes. Default: {@code sam_config.json} in the model folder if present, else inferred from the
     * checkpoint's shapes with {@link #decoderHeads} attention heads in the two-way transformer.
     */
    public LegionLoader samConfig(SamConfig config) {
        this.samConfig = config;
        return this;
    }

    /** Heads of SAM's two-way transformer when sizes are inferred (8 in every released SAM). */
    public LegionLoader decoderHeads(int heads) {
        this.decoderHeads = heads;
        return this;
    }

    /** Where the parameters live (default CPU). */
    public LegionLoader device(Device device) {
        this.device = device;
        return this;
    }

    /** Parameter precision (default FLOAT32; FLOAT16 halves GPU memory). */
    public LegionLoader precision(Precision precision) {
        this.policy = precision.floatPolicy();
        return this;
    }

    /** Whether missing or unexpected checkpoint keys are an error (default true). */
    public LegionLoader strict(boolean strict) {
        this.strict = strict;
        return this;
    }

    /**
     * Whether weights holding NaN or infinity are loaded as they are (default false: the load fails naming
     * the tensor and file). For inspecting a damaged or diverged checkpoint, never for inference.
     */
    public LegionLoader allowNonFiniteWeights(boolean allow) {
        this.allowNonFinite = allow;
        return this;
    }

    /**
     * When the checkpoint has no detection head, add one with HF's initialization (weights N(0, 0.02²),
     * biases 0) instead of going without: to train stage 2 on a stage-1 checkpoint.
     */
    public LegionLoader freshDetectionHead(boolean fresh) {
        this.freshHead = fresh;
        return this;
    }

    /**
     * What a load is about to read, shown to a {@link Deferral} before any tensor data is read.
     *
     * @param parts the declared blocks (no arrays yet)
     * @param tokenizer the model folder's tokenizer, or null
     * @param checkpoint the model checkpoint, open for the time of the call
     * @param weights the parameters read from {@code checkpoint}, by key
     * @param tower the CLIP folder's checkpoint, or null when the tower is in {@code checkpoint}
     * @param towerWeights the tower's parameters read from {@code tower}, by key, or null
     * @param policy what floating tensors become
     * @param device where the parameters live
     */
    public record Declared(LegionModel.Parts parts, LegionTokenizer tokenizer, Checkpoint checkpoint,
            WeightMap weights, Checkpoint tower, WeightMap towerWeights, NDArrayLoader.FloatPolicy policy,
            Device device) {}

    /** Decides which parameters a load leaves without arrays (see {@link #deferring}). */
    @FunctionalInterface
    public interface Deferral {

        /**
         * @return the parameters not to load now
         * @throws CheckpointException to stop the load before any tensor data is read
         */
        Predicate<Parameter> defer(Declared declared) throws CheckpointException;
    }

    /**
     * Once the parts are declared, and before any tensor data is read, asks {@code deferral} which parameters to
     * leave without arrays (their keys and shapes are still checked): memory-budgeted execution reads them per
     * layer while the model runs. A deferral that throws stops the load.
     */
    public LegionLoader deferring(Deferral deferral) {
        this.deferral = deferral;
        return this;
    }

    /**
     * Builds the model and streams the weights into it.
     *
     * @throws CheckpointException naming the file and key when a file is missing or malformed, a shape
     *     differs from the config, a weight is NaN or infinite (unless allowed), or (strict) keys are missing
     *     or unexpected
     */
    public LegionModel load() throws CheckpointException {
        if (modelDir == null) {
            throw new IllegalArgumentException("LegionModel.loader(): model(dir) is required");
        }
        LegionConfig config = LegionConfig.read(modelDir.resolve("config.json"));
        NDManager manager = NDManager.newBaseManager(device);
        LegionTokenizer tokenizer = null;
        try (Checkpoint ckpt = Checkpoints.open(modelDir)) {
            checkDeclaredSizes(config, ckpt);
            boolean towerInCheckpoint = ckpt.contains(LegionModel.TOWER_PREFIX + "embeddings.class_embedding");
            ClipVisionConfig clip = clipConfig(config, towerInCheckpoint);
            SamConfig sam = samConfig != null ? samConfig : samConfigFor(ckpt);
            tokenizer = hasTokenizer(modelDir) ? LegionTokenizer.load(modelDir) : null;
            long seg = segId(tokenizer);
            boolean hasHead = ckpt.contains("prediction_head.0.weight");
            LegionModel.Parts parts = LegionModel.Parts.declare(config, clip, sam, hasHead || freshHead);
            WeightMap weights = parts.weightMap(towerInCheckpoint);
            if (!hasHead && freshHead) { // a new head: HF's init, and not expected from the checkpoint
                WeightMap fromCheckpoint = new WeightMap();
                for (WeightMap.Entry e : weights.entries().values()) {
                    if (!e.key().startsWith("prediction_head.")) {
                        fromCheckpoint.add(e.key(), e.parameter(), e.shape(), e.init());
                    } else {
                        e.parameter().setArray(e.key().endsWith("bias") ? manager.zeros(e.shape())
                                : manager.randomNormal(0, 0.02f, e.shape(), DataType.FLOAT32));
                    }
                }
                weights = fromCheckpoint;
            }
            Predicate<String> ignorable = towerInCheckpoint ? LegionModel.IGNORABLE_KEYS
                    : LegionModel.IGNORABLE_KEYS.or(k -> k.startsWith("model.vision_tower."));
            WeightMap tower = null;
            if (!towerInCheckpoint) {
                tower = new WeightMap();
                parts.vision().mapWeights("vision_model.", tower);
            }
            Predicate<Parameter> deferred = p -> false;
            if (deferral != null) {
                try (Checkpoint c = towerInCheckpoint ? null : Checkpoints.open(clipDir)) {
                    deferred = deferral.defer(new Declared(parts, tokenizer, ckpt, weights, c, tower, policy, device));
                }
            }
            WeightMap.LoadReport report = weights.load(ckpt, manager, policy, ignorable, strict, allowNonFinite,
                    deferred);
            if (!towerInCheckpoint) {
                try (Checkpoint c = Checkpoints.open(clipDir)) {
                    tower.load(c, manager, policy, parts.vision().unusedCheckpointKeys(), strict, allowNonFinite,
                            deferred);
                }
            }
            return new LegionModel(parts, manager, tokenizer, modelDir, seg, report);
        } catch (CheckpointException | RuntimeException e) {
            IoUtils.closeQuietly(tokenizer);
            manager.close();
            throw e;
        }
    }

    /**
     * Compares the LLM sizes config.json declares with the checkpoint before any block is declared, so that a
     * config that does not belong to the weights is named as such (rather than as the first of many shape
     * mismatches). Checkpoints of another layout (no {@code model.embed_tokens.weight}, no
     * {@code model.layers.N}) are left to the shape check of {@link WeightMap#load}; a layer count that differs
     * is only an error for strict loads (a non-strict load may take a partial checkpoint on purpose).
     */
    private void checkDeclaredSizes(LegionConfig config, Checkpoint ckpt) throws CheckpointException {
        Path configFile = modelDir.resolve("config.json");
        String embedKey = "model.embed_tokens.weight";
        TensorInfo embed = ckpt.info(embedKey);
        long[] declared = {config.llama().vocabSize(), config.llama().hiddenSize()};
        if (embed != null && !Arrays.equals(embed.shape(), declared)) {
            throw new CheckpointException(configFile, null, "declares vocab_size " + declared[0] + " and hidden_size "
                    + declared[1] + ", but " + embedKey + " in " + ckpt.fileOf(embedKey) + " is "
                    + TensorInfo.format(embed.shape()) + ": the config does not belong to this checkpoint");
        }
        BitSet layers = new BitSet();
        for (String key : ckpt.keys()) {
            Matcher m = LAYER_KEY.matcher(key);
            if (m.lookingAt() && m.group(1).length() < 6) {
                layers.set(Integer.parseInt(m.group(1)));
            }
        }
        int declaredLayers = config.llama().numHiddenLayers();
        if (strict && !layers.isEmpty() && layers.cardinality() != declaredLayers) {
            throw new CheckpointException(configFile, null, "declares num_hidden_layers " + declaredLayers
                    + ", but " + modelDir + " holds model.layers." + layers.nextSetBit(0) + ".." + (layers.length() - 1)
                    + " (" + layers.cardinality() + " layers): the config does not belong to this checkpoint");
        }
    }

    private ClipVisionConfig clipConfig(LegionConfig config, boolean towerInCheckpoint) throws CheckpointException {
        if (clipDir == null && Files.isDirectory(modelDir.resolve("clip"))) {
            clipDir = modelDir.resolve("clip");
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
