package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.MAX_LAYERS;
import static ai.legion.core.config.ConfigJson.MAX_WIDTH;
import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.requireAtMost;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.requirePositive;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LEGION / GLaMM {@code config.json} ({@code model_type "llava"}, as in {@code MBZUAI/GLaMM-GranD-Pretrained};
 * LEGION {@code model/Legion.py::LegionForCausalLM._set_model_configurations} adds fields): the flat LLaMA fields
 * (bound into {@link #llama()} through {@link JsonUnwrapped}, so one file yields both views) plus the multimodal and
 * grounding fields.
 *
 * <p>Defaults for absent fields are those the upstream code falls back to: LLaVA's
 * {@code getattr(config, ..., default)} values, GLaMM/LEGION constructor values, or HF
 * {@code LlamaConfig} defaults. {@code mm_hidden_size} has none (LLaVA dereferences it) and is
 * required; one of the three vision-tower names must be set.
 *
 * @param llama the LLM fields of the same JSON object
 * @param mmHiddenSize {@code mm_hidden_size}: width of the vision features fed to the projector (1024
 *     for CLIP-L; required)
 * @param mmProjectorType {@code mm_projector_type}: {@code "linear"} or {@code "mlp<N>x_gelu"}
 *     (N Linear layers with exact GELU between; LEGION {@code "mlp2x_gelu"}; default "linear")
 * @param mmVisionSelectLayer {@code mm_vision_select_layer}: Python index into the vision tower's
 *     {@code hidden_states} (default -2, the second-to-last layer output)
 * @param mmVisionSelectFeature {@code mm_vision_select_feature}: {@code "patch"} (drop CLS) or
 *     {@code "cls_patch"} (keep it) (default "patch")
 * @param mmVisionTower {@code mm_vision_tower}: vision tower name or path (may be null)
 * @param visionTowerName {@code vision_tower}: alternative key for the tower (may be null)
 * @param mmVisionModule {@code mm_vision_module}: GLaMM's key for the tower (may be null)
 * @param mmUseImStartEnd {@code mm_use_im_start_end}: whether {@code <im_start>}/{@code <im_end>} wrap
 *     the image placeholder in prompts (default false)
 * @param outDim {@code out_dim}: width of the [SEG] projection {@code text_hidden_fcs} = SAM prompt
 *     width (default 256, the value LEGION's scripts pass; the GLaMM class alone would fall back to 512)
 * @param architectures {@code architectures}: model class names (default empty)
 * @param withRegion {@code with_region}: GLaMM region-encoder flag (default true, as the constructor sets)
 * @param bboxTokenIdx {@code bbox_token_idx}: id of {@code <bbox>} (default 32002)
 * @param torchDtype {@code torch_dtype}: dtype the weights were saved in, e.g. "bfloat16" (may be null)
 * @param useCache {@code use_cache}: KV-cache flag (default true, the HF default; LEGION's
 *     constructor sets false)
 * @param modelType {@code model_type}: the model family, which picks the language model implementation
 *     (default {@value #LLAVA_MODEL_TYPE}, the LLaMA-based LLaVA/GLaMM/LEGION)
 * @param extras the other fields of the file ({@link #extras()})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LegionConfig(
        @JsonUnwrapped LlamaConfig llama,
        @JsonProperty("mm_hidden_size") int mmHiddenSize,
        @JsonProperty("mm_projector_type") String mmProjectorType,
        @JsonProperty("mm_vision_select_layer") int mmVisionSelectLayer,
        @JsonProperty("mm_vision_select_feature") String mmVisionSelectFeature,
        @JsonProperty("mm_vision_tower") String mmVisionTower,
        @JsonProperty("vision_tower") String visionTowerName,
        @JsonProperty("mm_vision_module") String mmVisionModule,
        @JsonProperty("mm_use_im_start_end") boolean mmUseImStartEnd,
        @JsonProperty("out_dim") int outDim,
        @JsonProperty("architectures") List<String> architectures,
        @JsonProperty("with_region") boolean withRegion,
        @JsonProperty("bbox_token_idx") int bboxTokenIdx,
        @JsonProperty("torch_dtype") String torchDtype,
        @JsonProperty("use_cache") boolean useCache,
        @JsonProperty("model_type") String modelType,
        @JsonIgnore Map<String, JsonNode> extras) {

    /** {@code model_type} of LLaVA/GLaMM/LEGION checkpoints: the LLaMA family. */
    public static final String LLAVA_MODEL_TYPE = "llava";
    public static final String DEFAULT_PROJECTOR_TYPE = "linear";
    public static final int DEFAULT_SELECT_LAYER = -2;
    public static final String DEFAULT_SELECT_FEATURE = "patch";
    public static final int DEFAULT_OUT_DIM = 256;
    public static final int DEFAULT_BBOX_TOKEN_IDX = 32002;
    /** The architecture name that marks a checkpoint with LEGION's stage-2 {@code prediction_head}. */
    public static final String DETECTION_ARCHITECTURE = "LegionForCls";

    private static final Pattern MLP_GELU = Pattern.compile("mlp([0-9]{1,4})x_gelu");

    /** Copies {@code architectures} and {@code extras}; values are checked by {@link #validate()}. */
    public LegionConfig {
        Objects.requireNonNull(llama, "llama");
        Objects.requireNonNull(mmProjectorType, "mmProjectorType");
        Objects.requireNonNull(mmVisionSelectFeature, "mmVisionSelectFeature");
        Objects.requireNonNull(modelType, "modelType");
        architectures = List.copyOf(architectures);
        extras = Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    }

    /** A {@value #LLAVA_MODEL_TYPE} config without extra fields. */
    public LegionConfig(LlamaConfig llama, int mmHiddenSize, String mmProjectorType, int mmVisionSelectLayer,
            String mmVisionSelectFeature, String mmVisionTower, String visionTowerName, String mmVisionModule,
            boolean mmUseImStartEnd, int outDim, List<String> architectures, boolean withRegion, int bboxTokenIdx,
            String torchDtype, boolean useCache) {
        this(llama, mmHiddenSize, mmProjectorType, mmVisionSelectLayer, mmVisionSelectFeature, mmVisionTower,
                visionTowerName, mmVisionModule, mmUseImStartEnd, outDim, architectures, withRegion, bboxTokenIdx,
                torchDtype, useCache, LLAVA_MODEL_TYPE, Map.of());
    }

    /**
     * The fields of {@code config.json} that neither this record nor {@link LlamaConfig} names (GLaMM's
     * {@code num_level_reg_features}, a variant's {@code sliding_window}, ...): kept so that a model family
     * can read its own fields, and written back when the config is saved.
     */
    @JsonAnyGetter
    public Map<String, JsonNode> extras() {
        return extras;
    }

    /** An extra field of {@code config.json} (see {@link #extras()}), or null when absent. */
    public JsonNode extra(String field) {
        return extras.get(field);
    }

    @JsonCreator
    private static LegionConfig fromJson(
            @JsonUnwrapped LlamaConfig llama,
            @JsonProperty("mm_hidden_size") Integer mmHiddenSize,
            @JsonProperty("mm_projector_type") String mmProjectorType,
            @JsonProperty("mm_vision_select_layer") Integer mmVisionSelectLayer,
            @JsonProperty("mm_vision_select_feature") String mmVisionSelectFeature,
            @JsonProperty("mm_vision_tower") String mmVisionTower,
            @JsonProperty("vision_tower") String visionTowerName,
            @JsonProperty("mm_vision_module") String mmVisionModule,
            @JsonProperty("mm_use_im_start_end") Boolean mmUseImStartEnd,
            @JsonProperty("out_dim") Integer outDim,
            @JsonProperty("architectures") List<String> architectures,
            @JsonProperty("with_region") Boolean withRegion,
            @JsonProperty("bbox_token_idx") Integer bboxTokenIdx,
            @JsonProperty("torch_dtype") String torchDtype,
            @JsonProperty("use_cache") Boolean useCache,
            @JsonProperty("model_type") String modelType) {
        if (architectures != null && architectures.contains(null)) {
            throw new ConfigJson.InvalidField("architectures", "must not contain null");
        }
        return new LegionConfig(
                llama,
                ConfigJson.required(mmHiddenSize, "mm_hidden_size"),
                or(mmProjectorType, DEFAULT_PROJECTOR_TYPE),
                or(mmVisionSelectLayer, DEFAULT_SELECT_LAYER),
                or(mmVisionSelectFeature, DEFAULT_SELECT_FEATURE),
                mmVisionTower,
                visionTowerName,
                mmVisionModule,
                or(mmUseImStartEnd, false),
                or(outDim, DEFAULT_OUT_DIM),
                or(architectures, List.of()),
                or(withRegion, true),
                or(bboxTokenIdx, DEFAULT_BBOX_TOKEN_IDX),
                torchDtype,
                or(useCache, true),
                or(modelType, LLAVA_MODEL_TYPE),
                Map.of());
    }

    /**
     * Reads and validates a LEGION/GLaMM {@code config.json}.
     *
     * @throws ConfigException naming the file and field on IO, JSON or validation errors
     */
    public static LegionConfig read(Path file) throws ConfigException {
        JsonNode tree = ConfigJson.readTree(file);
        LegionConfig c = ConfigJson.bind(file, tree, "", LegionConfig.class);
        Set<String> known = new HashSet<>();
        ConfigJson.MAPPER.valueToTree(c).fieldNames().forEachRemaining(known::add);
        Map<String, JsonNode> extras = new LinkedHashMap<>();
        tree.fields().forEachRemaining(e -> {
            if (!known.contains(e.getKey())) {
                extras.put(e.getKey(), e.getValue());
            }
        });
        c = c.withExtras(extras);
        ConfigJson.validate(file, c::validate);
        return c;
    }

    /** This config for another model family ({@code model_type}). */
    public LegionConfig withModelType(String type) {
        return new LegionConfig(llama, mmHiddenSize, mmProjectorType, mmVisionSelectLayer, mmVisionSelectFeature,
                mmVisionTower, visionTowerName, mmVisionModule, mmUseImStartEnd, outDim, architectures, withRegion,
                bboxTokenIdx, torchDtype, useCache, type, extras);
    }

    /** This config with other LLM sizes (e.g. fewer layers of the same widths). */
    public LegionConfig withLlama(LlamaConfig values) {
        return new LegionConfig(values, mmHiddenSize, mmProjectorType, mmVisionSelectLayer, mmVisionSelectFeature,
                mmVisionTower, visionTowerName, mmVisionModule, mmUseImStartEnd, outDim, architectures, withRegion,
                bboxTokenIdx, torchDtype, useCache, modelType, extras);
    }

    /** This config with other {@code architectures}. */
    public LegionConfig withArchitectures(List<String> values) {
        return new LegionConfig(llama, mmHiddenSize, mmProjectorType, mmVisionSelectLayer, mmVisionSelectFeature,
                mmVisionTower, visionTowerName, mmVisionModule, mmUseImStartEnd, outDim, values, withRegion,
                bboxTokenIdx, torchDtype, useCache, modelType, extras);
    }

    /** This config with other {@link #extras()}. */
    public LegionConfig withExtras(Map<String, JsonNode> values) {
        return new LegionConfig(llama, mmHiddenSize, mmProjectorType, mmVisionSelectLayer, mmVisionSelectFeature,
                mmVisionTower, visionTowerName, mmVisionModule, mmUseImStartEnd, outDim, architectures, withRegion,
                bboxTokenIdx, torchDtype, useCache, modelType, values);
    }

    /**
     * Validates the LLM part ({@link LlamaConfig#validate()}) and the multimodal fields: positive
     * {@code mm_hidden_size}/{@code out_dim}, a supported projector type and select feature, a vision
     * tower name, a non-negative {@code bbox_token_idx}.
     */
    public void validate() throws ConfigException {
        llama.validate();
        requirePositive("mm_hidden_size", mmHiddenSize);
        requirePositive("out_dim", outDim);
        requireAtMost("", "mm_hidden_size out_dim", MAX_WIDTH, mmHiddenSize, outDim);
        requireAtMost("|mm_vision_select_layer|", Math.abs((long) mmVisionSelectLayer), MAX_LAYERS);
        projectorDepth();
        if (!"patch".equals(mmVisionSelectFeature) && !"cls_patch".equals(mmVisionSelectFeature)) {
            throw invalid("mm_vision_select_feature \"" + mmVisionSelectFeature
                    + "\" is not supported (\"patch\" or \"cls_patch\")");
        }
        if (visionTower() == null) {
            throw invalid("mm_vision_tower, vision_tower and mm_vision_module are all missing (one names the vision tower)");
        }
        if (bboxTokenIdx < 0) {
            throw invalid("bbox_token_idx " + bboxTokenIdx + " must not be negative");
        }
    }

    /**
     * The vision tower name: the first non-null of {@code mm_vision_tower}, {@code vision_tower},
     * {@code mm_vision_module} (LLaVA's lookup order, then GLaMM's key); null if none is set.
     */
    public String visionTower() {
        return mmVisionTower != null ? mmVisionTower : visionTowerName != null ? visionTowerName : mmVisionModule;
    }

    /**
     * Number of Linear layers of the {@code mm_projector}: 1 for {@code "linear"}, N for
     * {@code "mlp<N>x_gelu"} (Linear(mm_hidden→hidden), then N−1 × [GELU, Linear(hidden→hidden)]).
     *
     * @throws ConfigException if the projector type is not one of these
     */
    public int projectorDepth() throws ConfigException {
        if ("linear".equals(mmProjectorType)) {
            return 1;
        }
        Matcher m = MLP_GELU.matcher(mmProjectorType);
        if (m.matches()) {
            int depth = Integer.parseInt(m.group(1));
            if (depth >= 1 && depth <= MAX_LAYERS) {
                return depth;
            }
        }
        throw invalid("mm_projector_type \"" + mmProjectorType
                + "\" is not supported (\"linear\" or \"mlp<N>x_gelu\" with N in 1.." + MAX_LAYERS
                + ", e.g. \"mlp2x_gelu\")");
    }

    /** True when the CLS token is kept among the image tokens ({@code cls_patch}). */
    public boolean selectsClsToken() {
        return "cls_patch".equals(mmVisionSelectFeature);
    }

    /** True when {@code architectures} names {@value #DETECTION_ARCHITECTURE} (a detection head is expected). */
    public boolean hasDetectionHeadHint() {
        return architectures.contains(DETECTION_ARCHITECTURE);
    }

    /**
     * Resolves {@code mm_vision_select_layer} (a Python index, possibly negative) against a vision
     * tower with {@code numHiddenLayers} layers, whose {@code hidden_states} has
     * {@code numHiddenLayers + 1} entries (embeddings first). -2 with 24 layers gives 23.
     *
     * @throws IllegalArgumentException if the index falls outside {@code hidden_states}
     */
    public int visionSelectLayerIndex(int numHiddenLayers) {
        int n = numHiddenLayers + 1;
        int idx = mmVisionSelectLayer < 0 ? n + mmVisionSelectLayer : mmVisionSelectLayer;
        if (idx < 0 || idx >= n) {
            throw new IllegalArgumentException("mm_vision_select_layer " + mmVisionSelectLayer
                    + " is outside hidden_states of a " + numHiddenLayers + "-layer vision tower (" + n + " entries)");
        }
        return idx;
    }

    /** Image tokens the LLM sees per image: the tower's patches, plus one if the CLS token is kept. */
    public int numImageTokens(ClipVisionConfig vision) {
        return selectsClsToken() ? vision.numPositions() : vision.numPatches();
    }
}
