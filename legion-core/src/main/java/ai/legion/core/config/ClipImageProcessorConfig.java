package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.requirePositive;
import static ai.legion.core.config.ConfigJson.requirePositiveFinite;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * HF {@code preprocessor_config.json} of a {@code CLIPImageProcessor} (transformers 4.28; also the
 * older {@code CLIPFeatureExtractor} files, whose sizes are plain ints).
 *
 * <p>Absent fields take the {@code CLIPImageProcessor} defaults: resize to shortest edge 224 with
 * bicubic, center crop 224×224, rescale by 1/255, normalize with the OpenAI CLIP mean/std, convert to
 * RGB. ({@code openai/clip-vit-large-patch14-336} stores the same values with 336.)
 *
 * @param doResize {@code do_resize} (default true)
 * @param size {@code size}: target of the shortest edge; {@code {"shortest_edge": N}} or an int N
 *     (default 224)
 * @param resample {@code resample}: PIL filter code, 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic,
 *     4 box, 5 hamming (default 3)
 * @param doCenterCrop {@code do_center_crop} (default true)
 * @param cropSize {@code crop_size}: {@code {"height": H, "width": W}} or an int N for N×N
 *     (default 224×224)
 * @param doRescale {@code do_rescale} (default true)
 * @param rescaleFactor {@code rescale_factor}: multiplier from uint8 to [0,1] (default 1/255)
 * @param doNormalize {@code do_normalize} (default true)
 * @param imageMean {@code image_mean}: per-channel mean, RGB (default OpenAI CLIP mean)
 * @param imageStd {@code image_std}: per-channel std, RGB (default OpenAI CLIP std)
 * @param doConvertRgb {@code do_convert_rgb} (default true)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClipImageProcessorConfig(
        @JsonProperty("do_resize") boolean doResize,
        @JsonProperty("size") Size size,
        @JsonProperty("resample") int resample,
        @JsonProperty("do_center_crop") boolean doCenterCrop,
        @JsonProperty("crop_size") CropSize cropSize,
        @JsonProperty("do_rescale") boolean doRescale,
        @JsonProperty("rescale_factor") double rescaleFactor,
        @JsonProperty("do_normalize") boolean doNormalize,
        @JsonProperty("image_mean") List<Double> imageMean,
        @JsonProperty("image_std") List<Double> imageStd,
        @JsonProperty("do_convert_rgb") boolean doConvertRgb) {

    /** {@code OPENAI_CLIP_MEAN} of transformers' image_utils. */
    public static final List<Double> OPENAI_CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
    /** {@code OPENAI_CLIP_STD} of transformers' image_utils. */
    public static final List<Double> OPENAI_CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);
    /** PIL's {@code Image.BICUBIC}. */
    public static final int PIL_BICUBIC = 3;
    /** Default resize / crop size of {@code CLIPImageProcessor}. */
    public static final int DEFAULT_SIZE = 224;

    /**
     * {@code size}: the shortest image edge is resized to {@code shortestEdge}, keeping the aspect
     * ratio. JSON: {@code {"shortest_edge": N}} or a plain int.
     *
     * @param shortestEdge {@code shortest_edge}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Size(@JsonProperty("shortest_edge") int shortestEdge) {

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        private static Size fromJson(JsonNode node) {
            if (node.isInt()) {
                return new Size(node.intValue());
            }
            if (node.isObject() && node.get("shortest_edge") != null && node.get("shortest_edge").isInt()) {
                return new Size(node.get("shortest_edge").intValue());
            }
            // CLIPImageProcessor.resize (4.28) raises for any other form, e.g. {"height","width"}
            throw new ConfigJson.InvalidField(null, node + " is not supported (an int or {\"shortest_edge\": int})");
        }
    }

    /**
     * {@code crop_size}: the center crop. JSON: {@code {"height": H, "width": W}} or a plain int N
     * meaning N×N.
     *
     * @param height {@code height}
     * @param width {@code width}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CropSize(@JsonProperty("height") int height, @JsonProperty("width") int width) {

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        private static CropSize fromJson(JsonNode node) {
            if (node.isInt()) {
                return new CropSize(node.intValue(), node.intValue());
            }
            JsonNode h = node.get("height");
            JsonNode w = node.get("width");
            if (node.isObject() && h != null && h.isInt() && w != null && w.isInt()) {
                return new CropSize(h.intValue(), w.intValue());
            }
            throw new ConfigJson.InvalidField(null, node + " is not supported (an int or {\"height\": int, \"width\": int})");
        }
    }

    /** Copies the mean/std lists; sizes must be non-null. Values are checked by {@link #validate()}. */
    public ClipImageProcessorConfig {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(cropSize, "cropSize");
        imageMean = List.copyOf(imageMean);
        imageStd = List.copyOf(imageStd);
    }

    @JsonCreator
    private static ClipImageProcessorConfig fromJson(
            @JsonProperty("do_resize") Boolean doResize,
            @JsonProperty("size") Size size,
            @JsonProperty("resample") Integer resample,
            @JsonProperty("do_center_crop") Boolean doCenterCrop,
            @JsonProperty("crop_size") CropSize cropSize,
            @JsonProperty("do_rescale") Boolean doRescale,
            @JsonProperty("rescale_factor") Double rescaleFactor,
            @JsonProperty("do_normalize") Boolean doNormalize,
            @JsonProperty("image_mean") List<Double> imageMean,
            @JsonProperty("image_std") List<Double> imageStd,
            @JsonProperty("do_convert_rgb") Boolean doConvertRgb) {
        if (imageMean != null && imageMean.contains(null)) {
            throw new ConfigJson.InvalidField("image_mean", imageMean + " must not contain null");
        }
        if (imageStd != null && imageStd.contains(null)) {
            throw new ConfigJson.InvalidField("image_std", imageStd + " must not contain null");
        }
        return new ClipImageProcessorConfig(
                or(doResize, true),
                or(size, new Size(DEFAULT_SIZE)),
                or(resample, PIL_BICUBIC),
                or(doCenterCrop, true),
                or(cropSize, new CropSize(DEFAULT_SIZE, DEFAULT_SIZE)),
                or(doRescale, true),
                or(rescaleFactor, 1.0 / 255.0),
                or(doNormalize, true),
                or(imageMean, OPENAI_CLIP_MEAN),
                or(imageStd, OPENAI_CLIP_STD),
                or(doConvertRgb, true));
    }

    /** All {@code CLIPImageProcessor} defaults (224 px). */
    public static ClipImageProcessorConfig defaults() {
        return fromJson(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The defaults with resize and crop at {@code pixels} (336 gives openai/clip-vit-large-patch14-336's file). */
    public static ClipImageProcessorConfig square(int pixels) {
        return fromJson(null, new Size(pixels), null, null, new CropSize(pixels, pixels),
                null, null, null, null, null, null);
    }

    /**
     * Reads and validates a {@code preprocessor_config.json}.
     *
     * @throws ConfigException naming the file and field on IO, JSON or validation errors
     */
    public static ClipImageProcessorConfig read(Path file) throws ConfigException {
        return ConfigJson.readValidated(file, ClipImageProcessorConfig.class, ClipImageProcessorConfig::validate);
    }

    /**
     * Checks positive sizes, a known PIL filter code, a positive finite rescale factor, three finite
     * means and three positive finite stds.
     */
    public void validate() throws ConfigException {
        requirePositive("size.shortest_edge", size.shortestEdge());
        requirePositive("crop_size.height", cropSize.height());
        requirePositive("crop_size.width", cropSize.width());
        if (resample < 0 || resample > 5) {
            throw invalid("resample " + resample + " is not a PIL filter code (0..5; 3 = bicubic)");
        }
        requirePositiveFinite("rescale_factor", rescaleFactor);
        if (imageMean.size() != 3) {
            throw invalid("image_mean " + imageMean + " must have 3 values (RGB)");
        }
        if (imageStd.size() != 3) {
            throw invalid("image_std " + imageStd + " must have 3 values (RGB)");
        }
        for (double m : imageMean) {
            if (!Double.isFinite(m)) {
                throw invalid("image_mean " + imageMean + " must be finite");
            }
        }
        for (double s : imageStd) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw invalid("image_std " + imageStd + " must be positive and finite");
            }
        }
    }

    /** {@code image_mean} as float32, the precision the normalization runs in. */
    public float[] imageMeanFloats() {
        return toFloats(imageMean);
    }

    /** {@code image_std} as float32, the precision the normalization runs in. */
    public float[] imageStdFloats() {
        return toFloats(imageStd);
    }

    private static float[] toFloats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }
}
