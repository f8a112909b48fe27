package ai.legion.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The JSON configuration of {@code legion train stage1|stage2} (documented in docs/TRAINING.md).
 * Relative paths are resolved against the config file's folder.
 *
 * @param data dataset root (stage 1: SynthScars layout; stage 2: {@code 0_real}/{@code 1_fake} folders)
 * @param trainSplit stage 1: the split trained on (default {@code train}); stage 2: sub-folder (default {@code train})
 * @param valSplit the held-out split (default {@code test})
 * @param model an existing LEGION folder to start from, or null to create one ({@link #create})
 * @param create sizes of a model created from scratch: {@code legion_config}, {@code clip_config},
 *     {@code sam_config} (objects in the upstream formats), {@code tokenizer} (folder), {@code std}
 * @param trainable {@code legion_stage1} (upstream), {@code all}, or {@code legion_stage2}
 * @param frozen regular expressions (found anywhere in the key) of parameters to freeze on top of
 *     {@code trainable}, e.g. {@code ["^model\\.vision_tower\\."]} for a from-scratch model whose CLIP stays at
 *     its initialization as upstream's pretrained CLIP stays frozen
 * @param lora LoRA on the LLM's q/v projections ({@code r}, {@code alpha}, {@code dropout}) or null
 * @param epochs passes over the training split
 * @param maxSteps stop after this many optimizer steps (0 = epochs decide)
 * @param stopAtStep stop (with a checkpoint, without exporting) at this step; the schedule still spans the
 *     whole run, so a later run can resume it, e.g. with other loss weights (0 = run to the end)
 * @param batchSize samples per micro-batch
 * @param accumulate micro-batches per optimizer step
 * @param lr peak learning rate
 * @param warmup warmup steps (stage 1)
 * @param clipNorm global gradient-norm limit
 * @param weightDecay AdamW decoupled decay on tensors of rank >= 2
 * @param ceWeight token loss weight
 * @param bceWeight mask BCE weight
 * @param diceWeight mask Dice weight
 * @param seed run seed (data order, augmentation, dropout)
 * @param checkpointDir training checkpoints (resume from the latest one there)
 * @param checkpointEvery steps between checkpoints (0 = only at the end)
 * @param validateEvery steps between validation passes (0 = never)
 * @param metricsFile JSON lines of per-step metrics
 * @param output where the trained model is exported (LoRA merged), a LEGION folder
 * @param savePrecision {@code float32} or {@code mixed_bf16}
 * @param prefetchThreads sample-decoding threads
 * @param standardizeFeatures stage 2: train the head on standardized CLS features and fold the
 *     statistics into its first layer when exporting
 * @param featureCache stage 2: folder where CLIP's CLS features are cached per split (recomputed when
 *     the model files or the records change)
 * @param balanced stage 2: draw real and fake images equally often
 * @param device {@code cpu} (default), {@code gpu} or {@code gpu:N}; batches are built on the model's device
 * @param precision {@code float32} (default) or {@code float16}: the weights loaded from {@code model} are
 *     held in float16 (bf16 checkpoints are widened to it) and trained with float32 master weights in AdamW
 *     and dynamic loss scaling; for GPUs (float16 matmuls are slow or missing on CPU)
 * @param hardNegatives vision pretraining only: groups of interchangeable words ({@link HardNegatives}); each
 *     caption gets a negative with one of them swapped for another of its group
 * @param tagWeight vision pretraining only: weight of the supervised term on the scene facts' tags (0 = off)
 * @param tags vision pretraining only: prefixes of the scene-fact tags the supervised term uses (e.g.
 *     {@code ["object:"]}); all tags when absent
 * @param contrastiveWeight vision pretraining only: weight of CLIP's contrastive term (default 1; 0 = the tag
 *     term alone, which then needs {@code tag_weight} > 0)
 * @param detectData vision pretraining only: a detection folder ({@code DIR/<split>/{0_real,1_fake}}) whose images
 *     add the tag {@code fake} (present for {@code 1_fake}, absent for {@code 0_real}) to the tag term, so the
 *     tower keeps what tells generated images from real ones; they have no captions, so this needs
 *     {@code contrastive_weight} 0 and {@code tag_weight} > 0
 * @param regionWeight vision pretraining only: weight of the region term (0 = off): each patch of the CLIP input is
 *     labelled with the tags of the annotated artifacts that cover it ({@code kind:K}, {@code object:T} of the
 *     object it is on, {@code category:C}, {@code artifact}), and a linear head on the patch tokens learns them
 * @param regionTags vision pretraining only: prefixes of the region tags used (e.g. {@code ["kind:", "object:"]});
 *     all when absent
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record TrainConfig(
        @JsonProperty("data") String data,
        @JsonProperty("train_split") String trainSplit,
        @JsonProperty("val_split") String valSplit,
        @JsonProperty("model") String model,
        @JsonProperty("create") JsonNode create,
        @JsonProperty("trainable") String trainable,
        @JsonProperty("frozen") List<String> frozen,
        @JsonProperty("lora") JsonNode lora,
        @JsonProperty("epochs") Integer epochs,
        @JsonProperty("max_steps") Long maxSteps,
        @JsonProperty("stop_at_step") Long stopAtStep,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("accumulate") Integer accumulate,
        @JsonProperty("lr") Double lr,
        @JsonProperty("warmup") Long warmup,
        @JsonProperty("clip_norm") Double clipNorm,
        @JsonProperty("weight_decay") Double weightDecay,
        @JsonProperty("ce_weight") Double ceWeight,
        @JsonProperty("bce_weight") Double bceWeight,
        @JsonProperty("dice_weight") Double diceWeight,
        @JsonProperty("seed") Long seed,
        @JsonProperty("checkpoint_dir") String checkpointDir,
        @JsonProperty("checkpoint_every") Long checkpointEvery,
        @JsonProperty("validate_every") Long validateEvery,
        @JsonProperty("metrics_file") String metricsFile,
        @JsonProperty("output") String output,
        @JsonProperty("save_precision") String savePrecision,
        @JsonProperty("prefetch_threads") Integer prefetchThreads,
        @JsonProperty("standardize_features") Boolean standardizeFeatures,
        @JsonProperty("feature_cache") String featureCache,
        @JsonProperty("balanced") Boolean balanced,
        @JsonProperty("device") String device,
        @JsonProperty("precision") String precision,
        @JsonProperty("hard_negatives") List<List<String>> hardNegatives,
        @JsonProperty("tag_weight") Double tagWeight,
        @JsonProperty("tags") List<String> tags,
        @JsonProperty("contrastive_weight") Double contrastiveWeight,
        @JsonProperty("detect_data") String detectData,
        @JsonProperty("region_weight") Double regionWeight,
        @JsonProperty("region_tags") List<String> regionTags) {

    /** The values {@code save_precision} accepts. */
    public static final List<String> SAVE_PRECISIONS = List.of("float32", "mixed_bf16");

    /** The values {@code precision} accepts. */
    public static final List<String> PRECISIONS = List.of("float32", "fp32", "float16", "fp16");

    /** The values {@code trainable} accepts. */
    public static final List<String> TRAINABLES = List.of("legion_stage1", "legion_stage2", "all");

    private static final Pattern DEVICE = Pattern.compile("cpu|gpu|cuda|(gpu|cuda):\\d{1,3}");

    /**
     * Reads a config and {@link #validate()}s it (unknown keys are an error naming the key, so that typos do not
     * pass silently).
     *
     * @throws IOException when the file cannot be read or parsed, or a value is out of range (the message names
     *     the file and the key)
     */
    public static TrainConfig read(Path file) throws IOException {
        TrainConfig cfg;
        try {
            cfg = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(file.toFile(), TrainConfig.class);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new IOException(file + ": unknown key '" + e.getPropertyName() + "' (known: " + e.getKnownPropertyIds()
                    + ")", e);
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            String key = e.getPath().isEmpty() ? "?" : e.getPath().get(e.getPath().size() - 1).getFieldName();
            throw new IOException(file + ": key '" + key + "' has the wrong type: " + e.getOriginalMessage(), e);
        } catch (IOException e) { // not JSON, or not readable: Jackson's own messages do not say which file
            throw new IOException(file + ": not a readable JSON training config: " + e.getMessage(), e);
        }
        if (cfg == null) {
            throw new IOException(file + ": expected a JSON object of training settings, found null");
        }
        try {
            cfg.validate();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        return cfg;
    }

    /**
     * Checks every value that is set, so that a bad one fails before any data or weights are loaded rather
     * than as a crash mid-run (or never: a negative checkpoint interval would silently mean "never").
     *
     * @throws IllegalArgumentException naming the first bad key, its value and what is expected
     */
    public void validate() {
        positive("epochs", epochs);
        atLeastZero("max_steps", maxSteps);
        atLeastZero("stop_at_step", stopAtStep);
        positive("batch_size", batchSize);
        positive("accumulate", accumulate);
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
            throw bad("lr", lr, "a finite number > 0");
        }
        atLeastZero("warmup", warmup);
        if (clipNorm != null && !(clipNorm > 0 && Double.isFinite(clipNorm))) {
            throw bad("clip_norm", clipNorm, "a finite number > 0");
        }
        finiteAtLeastZero("weight_decay", weightDecay);
        finiteAtLeastZero("ce_weight", ceWeight);
        finiteAtLeastZero("bce_weight", bceWeight);
        finiteAtLeastZero("dice_weight", diceWeight);
        finiteAtLeastZero("tag_weight", tagWeight);
        finiteAtLeastZero("contrastive_weight", contrastiveWeight);
        finiteAtLeastZero("region_weight", regionWeight);
        if (contrastiveWeight != null && contrastiveWeight == 0 && !(tagWeight != null && tagWeight > 0)
                && !(regionWeight != null && regionWeight > 0)) {
            throw bad("contrastive_weight", contrastiveWeight, "> 0 unless tag_weight or region_weight > 0 (nothing "
                    + "would train)");
        }
        if (detectData != null && !(contrastiveWeight != null && contrastiveWeight == 0 && tagWeight != null
                && tagWeight > 0)) {
            throw bad("detect_data", "\"" + detectData + "\"", "contrastive_weight 0 and tag_weight > 0 with it (its "
                    + "images have no captions and train the tag term only)");
        }
        if (tags != null && (tags.isEmpty() || tags.stream().anyMatch(t -> t == null || t.isBlank()))) {
            throw bad("tags", tags, "a non-empty list of tag prefixes such as [\"object:\"]");
        }
        if (regionTags != null && (regionTags.isEmpty() || regionTags.stream().anyMatch(t -> t == null || t.isBlank())
                || !(regionWeight != null && regionWeight > 0))) {
            throw bad("region_tags", regionTags, "a non-empty list of tag prefixes such as [\"kind:\"], with "
                    + "region_weight > 0");
        }
        atLeastZero("checkpoint_every", checkpointEvery);
        atLeastZero("validate_every", validateEvery);
        if (prefetchThreads != null && (prefetchThreads < 0 || prefetchThreads > 256)) {
            throw bad("prefetch_threads", prefetchThreads, "0..256");
        }
        oneOf("save_precision", savePrecision, SAVE_PRECISIONS);
        oneOf("precision", precision, PRECISIONS);
        oneOf("trainable", trainable, TRAINABLES);
        if (device != null && !DEVICE.matcher(device.strip().toLowerCase(Locale.ROOT)).matches()) {
            throw bad("device", "\"" + device + "\"", "cpu, gpu or gpu:N");
        }
        if (frozen != null) {
            for (String f : frozen) {
                if (f != null && f.length() > ai.legion.core.config.LoraConfig.MAX_PATTERN_LENGTH) {
                    throw bad("frozen", "a pattern of " + f.length() + " characters", "at most "
                            + ai.legion.core.config.LoraConfig.MAX_PATTERN_LENGTH + " characters");
                }
                try {
                    Pattern.compile(Objects.requireNonNull(f, "null"));
                } catch (PatternSyntaxException | NullPointerException e) {
                    throw bad("frozen", f == null ? "null" : "\"" + f + "\"", "regular expressions (" + e.getMessage()
                            + ")");
                }
            }
        }
        validateCreate();
        if (hardNegatives != null) {
            try {
                new HardNegatives(hardNegatives);
            } catch (IllegalArgumentException e) {
                throw bad("hard_negatives", hardNegatives, "groups of interchangeable words (" + e.getMessage() + ")");
            }
        }
        if (lora != null && !lora.isNull()) {
            if (!lora.isObject()) {
                throw bad("lora", lora, "an object {r, alpha, dropout} or null");
            }
            if (lora.has("r") && !(lora.get("r").canConvertToInt() && lora.get("r").asInt() > 0)) {
                throw bad("lora.r", lora.get("r"), "an integer > 0");
            }
            if (lora.has("alpha") && !(lora.get("alpha").isNumber() && lora.get("alpha").asDouble() > 0)) {
                throw bad("lora.alpha", lora.get("alpha"), "a number > 0");
            }
            if (lora.has("dropout") && !(lora.get("dropout").isNumber() && lora.get("dropout").asDouble() >= 0
                    && lora.get("dropout").asDouble() < 1)) {
                throw bad("lora.dropout", lora.get("dropout"), "a number in [0, 1)");
            }
        }
    }

    /**
     * The shape of {@code create}; its configs are checked by their readers when the model is created. Two shapes:
     * a LEGION model ({@code legion_config}, {@code clip_config} or a pretrained {@code clip} folder,
     * {@code sam_config}, {@code tokenizer}) and, for vision pretraining, a whole CLIP ({@code clip_config} with
     * {@code text_config}, {@code tokenizer}).
     */
    private void validateCreate() {
        if (create == null || create.isNull()) {
            return;
        }
        if (!create.isObject()) {
            throw bad("create", create.getNodeType(), "an object {legion_config, clip_config, sam_config, tokenizer}");
        }
        boolean wholeClip = !create.has("legion_config") && create.path("clip_config").has("text_config");
        if (!create.path("tokenizer").isTextual()) {
            throw bad("create.tokenizer", create.path("tokenizer").getNodeType(), "the path of a tokenizer folder");
        }
        if (create.has("std") && !(create.get("std").isNumber() && create.get("std").asDouble() > 0
                && Double.isFinite(create.get("std").asDouble()))) {
            throw bad("create.std", create.get("std"), "a finite number > 0");
        }
        if (wholeClip) { // vision pretraining: a CLIPConfig and the tokenizer of its captions
            return;
        }
        if (!create.path("legion_config").isObject()) {
            throw bad("create.legion_config", create.path("legion_config").getNodeType(), "an object (a config.json)");
        }
        boolean folder = create.has("clip");
        if (folder ? !create.get("clip").isTextual() : !create.path("clip_config").isObject()) {
            throw bad(folder ? "create.clip" : "create.clip_config", (folder ? create.get("clip")
                    : create.path("clip_config")).getNodeType(), folder ? "the path of a CLIP folder"
                    : "an object (a config.json), or \"clip\": the path of a pretrained CLIP folder");
        }
        JsonNode sam = create.path("sam_config");
        if (!sam.isObject() && !sam.isTextual()) {
            throw bad("create.sam_config", sam.getNodeType(), "an object (a SAM config) or a preset name");
        }
        if (create.has("detection_head") && !create.get("detection_head").isBoolean()) {
            throw bad("create.detection_head", create.get("detection_head"), "true or false");
        }
    }

    private static void positive(String key, Number v) {
        if (v != null && v.longValue() <= 0) {
            throw bad(key, v, "an integer > 0");
        }
    }

    private static void atLeastZero(String key, Number v) {
        if (v != null && v.longValue() < 0) {
            throw bad(key, v, "an integer >= 0 (0 = off)");
        }
    }

    private static void finiteAtLeastZero(String key, Double v) {
        if (v != null && !(v >= 0 && Double.isFinite(v))) {
            throw bad(key, v, "a finite number >= 0");
        }
    }

    private static void oneOf(String key, String v, List<String> allowed) {
        if (v != null && !allowed.contains(v.strip().toLowerCase(Locale.ROOT))) {
            throw bad(key, "\"" + v + "\"", "one of " + allowed);
        }
    }

    private static IllegalArgumentException bad(String key, Object value, String expected) {
        return new IllegalArgumentException("config key '" + key + "' is " + value + ", expected " + expected);
    }

    /** {@code value} or a default. */
    public static <T> T or(T value, T dflt) {
        return value != null ? value : dflt;
    }
}
