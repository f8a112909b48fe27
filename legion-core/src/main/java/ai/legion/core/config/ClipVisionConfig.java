package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.MAX_GRID;
import static ai.legion.core.config.ConfigJson.MAX_IMAGE_SIZE;
import static ai.legion.core.config.ConfigJson.MAX_LAYERS;
import static ai.legion.core.config.ConfigJson.MAX_MLP_WIDTH;
import static ai.legion.core.config.ConfigJson.MAX_WIDTH;
import static ai.legion.core.config.ConfigJson.requireAtMost;
import static ai.legion.core.config.ConfigJson.requireDivisible;
import static ai.legion.core.config.ConfigJson.requirePositive;
import static ai.legion.core.config.ConfigJson.requirePositiveFinite;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * HF {@code CLIPVisionConfig} (transformers 4.28 {@code models/clip/configuration_clip.py}): the ViT vision tower of
 * CLIP.
 *
 * <p>Absent fields take the {@code CLIPVisionConfig} defaults, which is also how HF fills a partial
 * {@code vision_config} inside a {@code CLIPConfig} (the openai checkpoints only store the values
 * that differ).
 *
 * @param hiddenSize {@code hidden_size}: transformer width (default 768)
 * @param intermediateSize {@code intermediate_size}: MLP width (default 3072)
 * @param numHiddenLayers {@code num_hidden_layers}: encoder layers (default 12)
 * @param numAttentionHeads {@code num_attention_heads} (default 12)
 * @param numChannels {@code num_channels}: input image channels (default 3)
 * @param imageSize {@code image_size}: input resolution, square (default 224)
 * @param patchSize {@code patch_size}: patch conv kernel = stride (default 32)
 * @param hiddenAct {@code hidden_act}: {@code "quick_gelu"} (x·σ(1.702x), OpenAI CLIP) or
 *     {@code "gelu"} (exact erf) (default quick_gelu)
 * @param layerNormEps {@code layer_norm_eps} (default 1e-5)
 * @param projectionDim {@code projection_dim}: width of {@code visual_projection} (default 512;
 *     unused by LEGION)
 * @param modelType {@code model_type}: which vision tower implementation reads this config (default
 *     {@value #CLIP_VISION_MODEL_TYPE}, also for the {@code vision_config} of a full {@code CLIPConfig})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClipVisionConfig(
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("num_hidden_layers") int numHiddenLayers,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("num_channels") int numChannels,
        @JsonProperty("image_size") int imageSize,
        @JsonProperty("patch_size") int patchSize,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("layer_norm_eps") double layerNormEps,
        @JsonProperty("projection_dim") int projectionDim,
        @JsonProperty("model_type") String modelType) implements ClipEncoderConfig {

    /** HF's {@code model_type} of a bare CLIP vision config. */
    public static final String CLIP_VISION_MODEL_TYPE = "clip_vision_model";

    /** A CLIP vision config ({@code model_type} {@value #CLIP_VISION_MODEL_TYPE}). */
    public ClipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
            int numChannels, int imageSize, int patchSize, String hiddenAct, double layerNormEps, int projectionDim) {
        this(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels, imageSize, patchSize,
                hiddenAct, layerNormEps, projectionDim, CLIP_VISION_MODEL_TYPE);
    }

    /** Values are checked by {@link #validate()}, not here, so invalid configs can be built and reported. */
    public ClipVisionConfig {
        Objects.requireNonNull(hiddenAct, "hiddenAct");
    }

    @JsonCreator
    private static ClipVisionConfig fromJson(
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("intermediate_size") Integer intermediateSize,
            @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
            @JsonProperty("num_attention_heads") Integer numAttentionHeads,
            @JsonProperty("num_channels") Integer numChannels,
            @JsonProperty("image_size") Integer imageSize,
            @JsonProperty("patch_size") Integer patchSize,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("layer_norm_eps") Double layerNormEps,
            @JsonProperty("projection_dim") Integer projectionDim,
            @JsonProperty("model_type") String modelType) {
        return new ClipVisionConfig(
                or(hiddenSize, 768),
                or(intermediateSize, 3072),
                or(numHiddenLayers, 12),
                or(numAttentionHeads, 12),
                or(numChannels, 3),
                or(imageSize, 224),
                or(patchSize, 32),
                or(hiddenAct, "quick_gelu"),
                or(layerNormEps, 1e-5),
                or(projectionDim, 512),
                or(modelType, CLIP_VISION_MODEL_TYPE));
    }

    /** A {@code CLIPVisionConfig} with every field at its HF default (ViT-B/32 at 224 px). */
    public static ClipVisionConfig defaults() {
        return fromJson(null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * Reads a bare {@code CLIPVisionConfig} ({@code model_type "clip_vision_model"}) or a full
     * {@code CLIPConfig} ({@code model_type "clip"}), taking its {@code vision_config} like
     * {@code CLIPVisionConfig.from_pretrained} does; a CLIP config without {@code vision_config} falls
     * back to the legacy {@code vision_config_dict}, then to all defaults (as HF's CLIPConfig).
     *
     * @throws ConfigException naming the file and field on IO, JSON or validation errors
     */
    public static ClipVisionConfig read(Path file) throws ConfigException {
        JsonNode root = ConfigJson.readTree(file);
        ClipVisionConfig c;
        if (root.isObject() && root.has("vision_config") && !root.get("vision_config").isNull()) {
            c = ConfigJson.bind(file, root.get("vision_config"), "vision_config", ClipVisionConfig.class);
        } else if (root.isObject() && root.has("vision_config_dict") && !root.get("vision_config_dict").isNull()) {
            c = ConfigJson.bind(file, root.get("vision_config_dict"), "vision_config_dict", ClipVisionConfig.class);
        } else if (root.isObject() && "clip".equals(root.path("model_type").asText(null))) {
            c = defaults();
        } else {
            c = ConfigJson.bind(file, root, "", ClipVisionConfig.class);
        }
        return ConfigJson.validated(file, c, ClipVisionConfig::validate);
    }

    /**
     * Checks positive sizes, {@code hidden_size % num_attention_heads == 0},
     * {@code image_size % patch_size == 0}, a supported activation, a positive finite eps and sizes below
     * generous upper bounds (at most 1024 layers, widths 65536, 16384 px, a 1024 x 1024 patch grid).
     */
    @Override
    public void validate() throws ConfigException {
        requirePositive("", "hidden_size intermediate_size num_hidden_layers num_attention_heads num_channels"
                + " image_size patch_size projection_dim", hiddenSize, intermediateSize, numHiddenLayers,
                numAttentionHeads, numChannels, imageSize, patchSize, projectionDim);
        requireAtMost("num_hidden_layers", numHiddenLayers, MAX_LAYERS);
        requireAtMost("", "hidden_size num_attention_heads num_channels projection_dim", MAX_WIDTH, hiddenSize,
                numAttentionHeads, numChannels, projectionDim);
        requireAtMost("intermediate_size", intermediateSize, MAX_MLP_WIDTH);
        requireAtMost("image_size", imageSize, MAX_IMAGE_SIZE);
        requireAtMost("patch grid image_size / patch_size", gridSize(), MAX_GRID);
        requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        requireDivisible("image_size", imageSize, "patch_size", patchSize);
        if (!"quick_gelu".equals(hiddenAct) && !"gelu".equals(hiddenAct)) {
            throw invalid("hidden_act \"" + hiddenAct + "\" is not supported (\"quick_gelu\" or \"gelu\")");
        }
        requirePositiveFinite("layer_norm_eps", layerNormEps);
    }

    /** Patches per side: {@code image_size / patch_size} (24 for CLIP-L/14-336). */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Patch tokens: {@code (image_size / patch_size)²} (576 for CLIP-L/14-336). */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Sequence length including the class token: {@code numPatches() + 1} (rows of position_embedding). */
    public int numPositions() {
        return numPatches() + 1;
    }
}
