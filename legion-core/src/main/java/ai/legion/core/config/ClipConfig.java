package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.requireAtMost;
import static ai.legion.core.config.ConfigJson.requirePositive;
import static ai.legion.core.config.ConfigJson.MAX_WIDTH;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.Objects;

/**
 * HF {@code CLIPConfig} (transformers 4.28 {@code models/clip/configuration_clip.py}): a whole CLIP model, the
 * {@code config.json} of a folder written by contrastive pretraining. Such a folder is also a vision-tower folder:
 * {@link ClipVisionConfig#read} takes its {@code vision_config}.
 *
 * @param textConfig {@code text_config}
 * @param visionConfig {@code vision_config}
 * @param projectionDim {@code projection_dim}: width of the shared embedding space (default 512)
 * @param logitScaleInitValue {@code logit_scale_init_value}: initial log inverse temperature (default 2.6592 =
 *     ln(1/0.07), the CLIP paper's)
 * @param modelType {@code model_type}, always {@value #MODEL_TYPE}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClipConfig(
        @JsonProperty("text_config") ClipTextConfig textConfig,
        @JsonProperty("vision_config") ClipVisionConfig visionConfig,
        @JsonProperty("projection_dim") int projectionDim,
        @JsonProperty("logit_scale_init_value") double logitScaleInitValue,
        @JsonProperty("model_type") String modelType) {

    /** HF's {@code model_type} of a {@code CLIPConfig}. */
    public static final String MODEL_TYPE = "clip";

    /**
     * Requires both towers; the towers' own {@code projection_dim} is set to this config's, as HF's
     * {@code CLIPConfig.__init__} does.
     */
    public ClipConfig {
        Objects.requireNonNull(textConfig, "text_config");
        Objects.requireNonNull(visionConfig, "vision_config");
        modelType = MODEL_TYPE;
    }

    @JsonCreator
    private static ClipConfig fromJson(
            @JsonProperty("text_config") ClipTextConfig textConfig,
            @JsonProperty("vision_config") ClipVisionConfig visionConfig,
            @JsonProperty("projection_dim") Integer projectionDim,
            @JsonProperty("logit_scale_init_value") Double logitScaleInitValue) {
        return new ClipConfig(textConfig, visionConfig, or(projectionDim, 512), or(logitScaleInitValue, 2.6592),
                MODEL_TYPE);
    }

    /** A CLIP config over the two towers. */
    public static ClipConfig of(ClipTextConfig text, ClipVisionConfig vision, int projectionDim) {
        return new ClipConfig(text, vision, projectionDim, 2.6592, MODEL_TYPE);
    }

    /**
     * Reads and validates a {@code CLIPConfig} file.
     *
     * @throws ConfigException naming the file and field
     */
    public static ClipConfig read(Path file) throws ConfigException {
        return ConfigJson.readValidated(file, ClipConfig.class, ClipConfig::validate);
    }

    /** Validates both towers (messages prefixed with the tower) and the projection. */
    public void validate() throws ConfigException {
        requirePositive("projection_dim", projectionDim);
        requireAtMost("projection_dim", projectionDim, MAX_WIDTH);
        if (!(Double.isFinite(logitScaleInitValue) && Math.abs(logitScaleInitValue) <= 20)) {
            throw invalid("logit_scale_init_value must be finite with |value| <= 20, got " + logitScaleInitValue);
        }
        try {
            textConfig.validate();
        } catch (ConfigException e) {
            throw invalid("text_config: " + e.getMessage());
        }
        try {
            visionConfig.validate();
        } catch (ConfigException e) {
            throw invalid("vision_config: " + e.getMessage());
        }
    }
}
