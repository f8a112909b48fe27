package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.MAX_GRID;
import static ai.legion.core.config.ConfigJson.MAX_IMAGE_SIZE;
import static ai.legion.core.config.ConfigJson.MAX_LAYERS;
import static ai.legion.core.config.ConfigJson.MAX_MLP_WIDTH;
import static ai.legion.core.config.ConfigJson.MAX_WIDTH;
import static ai.legion.core.config.ConfigJson.requireAtMost;
import static ai.legion.core.config.ConfigJson.required;
import static ai.legion.core.config.ConfigJson.requireDivisible;
import static ai.legion.core.config.ConfigJson.requirePositive;
import static ai.legion.core.config.ConfigJson.requirePositiveFinite;

import ai.legion.core.io.TensorInfo;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Constructor arguments of Meta's segment-anything {@code Sam} as used by LEGION
 * ({@code model/SAM/build_sam.py::_build_sam}): the format of {@code fixtures/parity/sam/config.json}. SAM has no
 * upstream config file; the field names are the Python constructor parameters, and absent fields take the constructor
 * defaults (fields without one are required). Descriptive entries such as {@code "class"}, {@code "_comment"},
 * {@code "act_layer"}, {@code "activation"} are ignored; {@code "norm_layer": "LayerNorm(eps=X)"} supplies
 * {@code layer_norm_eps} when that is absent.
 *
 * <p>Presets {@link #vitH()}, {@link #vitL()}, {@link #vitB()} reproduce {@code build_sam.py}, and
 * {@link #inferFromShapes} recovers a configuration from checkpoint tensor shapes.
 *
 * @param imageEncoder {@code image_encoder}: the ViT backbone with its neck (required)
 * @param promptEncoder {@code prompt_encoder} (required)
 * @param maskDecoder {@code mask_decoder} (required)
 * @param pixelMean {@code pixel_mean}: per-channel mean on the 0..255 scale (default
 *     [123.675, 116.28, 103.53])
 * @param pixelStd {@code pixel_std}: per-channel std on the 0..255 scale (default [58.395, 57.12, 57.375])
 * @param modelType {@code model_type}: which grounding model implementation reads this config (default
 *     {@value #SAM_MODEL_TYPE}; an addition of this project, SAM itself has no config file)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SamConfig(
        @JsonProperty("image_encoder") ImageEncoder imageEncoder,
        @JsonProperty("prompt_encoder") PromptEncoder promptEncoder,
        @JsonProperty("mask_decoder") MaskDecoder maskDecoder,
        @JsonProperty("pixel_mean") List<Double> pixelMean,
        @JsonProperty("pixel_std") List<Double> pixelStd,
        @JsonProperty("model_type") String modelType) {

    /** The grounding model family of SAM's layout ({@code model_type}; the registry in legion-models picks by it). */
    public static final String SAM_MODEL_TYPE = "sam";

    /** A SAM configuration ({@code model_type} {@value #SAM_MODEL_TYPE}). */
    public SamConfig(ImageEncoder imageEncoder, PromptEncoder promptEncoder, MaskDecoder maskDecoder, List<Double> pixelMean,
            List<Double> pixelStd) {
        this(imageEncoder, promptEncoder, maskDecoder, pixelMean, pixelStd, SAM_MODEL_TYPE);
    }

    /** {@code Sam.pixel_mean} default (ImageNet mean × 255). */
    public static final List<Double> DEFAULT_PIXEL_MEAN = List.of(123.675, 116.28, 103.53);
    /** {@code Sam.pixel_std} default (ImageNet std × 255). */
    public static final List<Double> DEFAULT_PIXEL_STD = List.of(58.395, 57.12, 57.375);
    /** LayerNorm eps of the image encoder blocks as built by {@code build_sam.py}. */
    public static final double DEFAULT_LAYER_NORM_EPS = 1e-6;

    /**
     * {@code ImageEncoderViT} arguments (defaults are the constructor's, which differ from what
     * {@code build_sam.py} passes: e.g. {@code use_rel_pos} false, {@code window_size} 0).
     *
     * @param imgSize {@code img_size}: square input resolution (default 1024)
     * @param patchSize {@code patch_size}: patch conv kernel = stride (default 16)
     * @param inChans {@code in_chans}: input channels (default 3)
     * @param embedDim {@code embed_dim}: ViT width (default 768)
     * @param depth {@code depth}: number of blocks (default 12)
     * @param numHeads {@code num_heads} (default 12)
     * @param mlpRatio {@code mlp_ratio}: MLP width / embed_dim (default 4.0)
     * @param outChans {@code out_chans}: neck output channels = image embedding width (default 256)
     * @param qkvBias {@code qkv_bias} (default true)
     * @param useAbsPos {@code use_abs_pos}: learned {@code pos_embed} [1,g,g,E] (default true)
     * @param useRelPos {@code use_rel_pos}: decomposed relative position bias (default false)
     * @param windowSize {@code window_size}: window of the non-global blocks; 0 = all global (default 0)
     * @param globalAttnIndexes {@code global_attn_indexes}: blocks with global attention (default none)
     * @param layerNormEps {@code layer_norm_eps}: eps of the blocks' LayerNorms (default 1e-6, from
     *     {@code norm_layer=partial(LayerNorm, eps=1e-6)} in build_sam; the neck's LayerNorm2d always
     *     uses 1e-6)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ImageEncoder(
            @JsonProperty("img_size") int imgSize,
            @JsonProperty("patch_size") int patchSize,
            @JsonProperty("in_chans") int inChans,
            @JsonProperty("embed_dim") int embedDim,
            @JsonProperty("depth") int depth,
            @JsonProperty("num_heads") int numHeads,
            @JsonProperty("mlp_ratio") double mlpRatio,
            @JsonProperty("out_chans") int outChans,
            @JsonProperty("qkv_bias") boolean qkvBias,
            @JsonProperty("use_abs_pos") boolean useAbsPos,
            @JsonProperty("use_rel_pos") boolean useRelPos,
            @JsonProperty("window_size") int windowSize,
            @JsonProperty("global_attn_indexes") List<Integer> globalAttnIndexes,
            @JsonProperty("layer_norm_eps") double layerNormEps) {

        private static final Pattern NORM_EPS = Pattern.compile("LayerNorm\\(\\s*eps\\s*=\\s*([-+0-9.eE]+)\\s*\\)");

        /** Copies {@code globalAttnIndexes}; values are checked by {@link #validate()}. */
        public ImageEncoder {
            globalAttnIndexes = List.copyOf(globalAttnIndexes);
        }

        @JsonCreator
        private static ImageEncoder fromJson(
                @JsonProperty("img_size") Integer imgSize,
                @JsonProperty("patch_size") Integer patchSize,
                @JsonProperty("in_chans") Integer inChans,
                @JsonProperty("embed_dim") Integer embedDim,
                @JsonProperty("depth") Integer depth,
                @JsonProperty("num_heads") Integer numHeads,
                @JsonProperty("mlp_ratio") Double mlpRatio,
                @JsonProperty("out_chans") Integer outChans,
                @JsonProperty("qkv_bias") Boolean qkvBias,
                @JsonProperty("use_abs_pos") Boolean useAbsPos,
                @JsonProperty("use_rel_pos") Boolean useRelPos,
                @JsonProperty("window_size") Integer windowSize,
                @JsonProperty("global_attn_indexes") List<Integer> globalAttnIndexes,
                @JsonProperty("layer_norm_eps") Double layerNormEps,
                @JsonProperty("norm_layer") Object normLayer) {
            if (globalAttnIndexes != null && globalAttnIndexes.contains(null)) {
                throw new ConfigJson.InvalidField("global_attn_indexes", globalAttnIndexes + " must not contain null");
            }
            Double eps = layerNormEps;
            if (eps == null && normLayer instanceof String s) {
                Matcher m = NORM_EPS.matcher(s);
                if (m.find()) {
                    try {
                        eps = Double.valueOf(m.group(1));
                    } catch (NumberFormatException e) {
                        throw new ConfigJson.InvalidField("norm_layer", "\"" + s + "\" has an unreadable eps");
                    }
                }
            }
            return new ImageEncoder(
                    or(imgSize, 1024), or(patchSize, 16), or(inChans, 3), or(embedDim, 768),
                    or(depth, 12), or(numHeads, 12), or(mlpRatio, 4.0), or(outChans, 256),
                    or(qkvBias, true), or(useAbsPos, true), or(useRelPos, false), or(windowSize, 0),
                    or(globalAttnIndexes, List.of()), or(eps, DEFAULT_LAYER_NORM_EPS));
        }

        /**
         * Checks sizes (at most 1024 blocks, widths 65536, 16384 px, a 1024 x 1024 grid), divisibility and the
         * global block indexes; field names are prefixed {@code image_encoder.}.
         */
        public void validate() throws ConfigException {
            String p = "image_encoder.";
            requirePositive(p, "img_size patch_size in_chans embed_dim depth num_heads out_chans", imgSize, patchSize,
                    inChans, embedDim, depth, numHeads, outChans);
            requirePositiveFinite(p + "mlp_ratio", mlpRatio);
            requirePositive(p + "mlp hidden width int(embed_dim * mlp_ratio)", mlpDim());
            requirePositiveFinite(p + "layer_norm_eps", layerNormEps);
            requireAtMost(p + "depth", depth, MAX_LAYERS);
            requireAtMost(p, "in_chans embed_dim num_heads out_chans", MAX_WIDTH, inChans, embedDim, numHeads,
                    outChans);
            requireAtMost(p + "mlp hidden width int(embed_dim * mlp_ratio)", mlpDim(), MAX_MLP_WIDTH);
            requireAtMost(p + "img_size", imgSize, MAX_IMAGE_SIZE);
            requireAtMost(p + "patch grid img_size / patch_size", gridSize(), MAX_GRID);
            requireAtMost(p + "window_size", windowSize, MAX_GRID);
            requireDivisible(p + "img_size", imgSize, p + "patch_size", patchSize);
            requireDivisible(p + "embed_dim", embedDim, p + "num_heads", numHeads);
            if (windowSize < 0) {
                throw invalid(p + "window_size " + windowSize + " must not be negative");
            }
            for (int i : globalAttnIndexes) {
                if (i < 0 || i >= depth) {
                    throw invalid(p + "global_attn_indexes " + globalAttnIndexes + " has " + i
                            + ", outside the blocks 0.." + (depth - 1));
                }
            }
        }

        /** Tokens per side of the patch grid: {@code img_size / patch_size} (64 for SAM). */
        public int gridSize() {
            return imgSize / patchSize;
        }

        /** Per-head width: {@code embed_dim / num_heads} (80 for ViT-H). */
        public int headDim() {
            return embedDim / numHeads;
        }

        /** MLP hidden width {@code int(embed_dim * mlp_ratio)}, as Python's {@code Block} computes it. */
        public int mlpDim() {
            return (int) (embedDim * mlpRatio);
        }

        /** Whether block {@code i} attends globally (window 0, or listed in {@code global_attn_indexes}). */
        public boolean isGlobalAttention(int block) {
            return windowSize == 0 || globalAttnIndexes.contains(block);
        }

        /** Spatial size block {@code i} attends over: the grid for global blocks, else the window. */
        public int attentionSize(int block) {
            return isGlobalAttention(block) ? gridSize() : windowSize;
        }

        /** Rows of block {@code i}'s {@code rel_pos_h}/{@code rel_pos_w}: {@code 2·attentionSize(i) − 1}. */
        public int relPosLength(int block) {
            return 2 * attentionSize(block) - 1;
        }
    }

    /**
     * {@code PromptEncoder} arguments (all required).
     *
     * @param embedDim {@code embed_dim}: prompt embedding width (256)
     * @param imageEmbeddingSize {@code image_embedding_size}: [h, w] of the image embedding (64×64)
     * @param inputImageSize {@code input_image_size}: [h, w] of the padded encoder input (1024×1024)
     * @param maskInChans {@code mask_in_chans}: hidden channels of the mask downscaling convs (16)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PromptEncoder(
            @JsonProperty("embed_dim") int embedDim,
            @JsonProperty("image_embedding_size") List<Integer> imageEmbeddingSize,
            @JsonProperty("input_image_size") List<Integer> inputImageSize,
            @JsonProperty("mask_in_chans") int maskInChans) {

        /** Copies the size lists; values are checked by {@link #validate()}. */
        public PromptEncoder {
            imageEmbeddingSize = List.copyOf(imageEmbeddingSize);
            inputImageSize = List.copyOf(inputImageSize);
        }

        @JsonCreator
        private static PromptEncoder fromJson(
                @JsonProperty("embed_dim") Integer embedDim,
                @JsonProperty("image_embedding_size") List<Integer> imageEmbeddingSize,
                @JsonProperty("input_image_size") List<Integer> inputImageSize,
                @JsonProperty("mask_in_chans") Integer maskInChans) {
            return new PromptEncoder(
                    required(embedDim, "embed_dim"),
                    pair(required(imageEmbeddingSize, "image_embedding_size"), "image_embedding_size"),
                    pair(required(inputImageSize, "input_image_size"), "input_image_size"),
                    required(maskInChans, "mask_in_chans"));
        }

        /** Checks positive sizes, an even {@code embed_dim} (sin/cos halves) and {@code mask_in_chans ≥ 4}. */
        public void validate() throws ConfigException {
            String p = "prompt_encoder.";
            requirePositive(p + "embed_dim", embedDim);
            if (embedDim % 2 != 0) {
                throw invalid(p + "embed_dim " + embedDim + " must be even (random-Fourier PE is [sin | cos])");
            }
            for (int i = 0; i < 2; i++) {
                requirePositive(p + "image_embedding_size[" + i + "]", imageEmbeddingSize.get(i));
                requirePositive(p + "input_image_size[" + i + "]", inputImageSize.get(i));
                requireAtMost(p + "image_embedding_size[" + i + "]", imageEmbeddingSize.get(i), MAX_GRID);
                requireAtMost(p + "input_image_size[" + i + "]", inputImageSize.get(i), MAX_IMAGE_SIZE);
            }
            requireAtMost(p, "embed_dim mask_in_chans", MAX_WIDTH, embedDim, maskInChans);
            if (maskInChans < 4) {
                throw invalid(p + "mask_in_chans " + maskInChans + " must be at least 4 (its first conv has mask_in_chans // 4 channels)");
            }
        }
    }

    /**
     * {@code MaskDecoder} arguments.
     *
     * @param numMultimaskOutputs {@code num_multimask_outputs}: masks for ambiguity; mask tokens = this + 1 (default 3)
     * @param transformerDim {@code transformer_dim}: token width (required; 256)
     * @param iouHeadDepth {@code iou_head_depth}: Linear layers of the IoU MLP (default 3)
     * @param iouHeadHiddenDim {@code iou_head_hidden_dim} (default 256)
     * @param transformer {@code transformer}: the two-way transformer (required)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MaskDecoder(
            @JsonProperty("num_multimask_outputs") int numMultimaskOutputs,
            @JsonProperty("transformer_dim") int transformerDim,
            @JsonProperty("iou_head_depth") int iouHeadDepth,
            @JsonProperty("iou_head_hidden_dim") int iouHeadHiddenDim,
            @JsonProperty("transformer") TwoWay transformer) {

        /** Values are checked by {@link #validate()}. */
        public MaskDecoder {
            Objects.requireNonNull(transformer, "transformer");
        }

        @JsonCreator
        private static MaskDecoder fromJson(
                @JsonProperty("num_multimask_outputs") Integer numMultimaskOutputs,
                @JsonProperty("transformer_dim") Integer transformerDim,
                @JsonProperty("iou_head_depth") Integer iouHeadDepth,
                @JsonProperty("iou_head_hidden_dim") Integer iouHeadHiddenDim,
                @JsonProperty("transformer") TwoWay transformer) {
            return new MaskDecoder(
                    or(numMultimaskOutputs, 3),
                    required(transformerDim, "transformer_dim"),
                    or(iouHeadDepth, 3),
                    or(iouHeadHiddenDim, 256),
                    required(transformer, "transformer"));
        }

        /** Checks sizes (field names prefixed {@code mask_decoder.}) and the transformer. */
        public void validate() throws ConfigException {
            String p = "mask_decoder.";
            if (numMultimaskOutputs < 0) {
                throw invalid(p + "num_multimask_outputs " + numMultimaskOutputs + " must not be negative");
            }
            if (transformerDim < 8) {
                throw invalid(p + "transformer_dim " + transformerDim
                        + " must be at least 8 (output upscaling has transformer_dim // 8 channels)");
            }
            requirePositive(p + "iou_head_depth", iouHeadDepth);
            requirePositive(p + "iou_head_hidden_dim", iouHeadHiddenDim);
            requireAtMost(p, "num_multimask_outputs transformer_dim iou_head_hidden_dim", MAX_WIDTH,
                    numMultimaskOutputs, transformerDim, iouHeadHiddenDim);
            requireAtMost(p + "iou_head_depth", iouHeadDepth, MAX_LAYERS);
            transformer.validate();
        }

        /** Mask tokens: {@code num_multimask_outputs + 1} (token 0 is the single-mask output LEGION uses). */
        public int numMaskTokens() {
            return numMultimaskOutputs + 1;
        }
    }

    /**
     * {@code TwoWayTransformer} arguments.
     *
     * @param depth {@code depth}: two-way layers (required; 2)
     * @param embeddingDim {@code embedding_dim}: token width (required; 256)
     * @param mlpDim {@code mlp_dim}: MLP width (required; 2048)
     * @param numHeads {@code num_heads} (required; 8)
     * @param attentionDownsampleRate {@code attention_downsample_rate}: cross-attention internal width
     *     is {@code embedding_dim / rate} (default 2)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TwoWay(
            @JsonProperty("depth") int depth,
            @JsonProperty("embedding_dim") int embeddingDim,
            @JsonProperty("mlp_dim") int mlpDim,
            @JsonProperty("num_heads") int numHeads,
            @JsonProperty("attention_downsample_rate") int attentionDownsampleRate) {

        @JsonCreator
        private static TwoWay fromJson(
                @JsonProperty("depth") Integer depth,
                @JsonProperty("embedding_dim") Integer embeddingDim,
                @JsonProperty("mlp_dim") Integer mlpDim,
                @JsonProperty("num_heads") Integer numHeads,
                @JsonProperty("attention_downsample_rate") Integer attentionDownsampleRate) {
            return new TwoWay(
                    required(depth, "depth"),
                    required(embeddingDim, "embedding_dim"),
                    required(mlpDim, "mlp_dim"),
                    required(numHeads, "num_heads"),
                    or(attentionDownsampleRate, 2));
        }

        /** Checks sizes and that both attention widths split evenly into heads. */
        public void validate() throws ConfigException {
            String p = "mask_decoder.transformer.";
            requirePositive(p, "depth embedding_dim mlp_dim num_heads attention_downsample_rate", depth, embeddingDim,
                    mlpDim, numHeads, attentionDownsampleRate);
            requireAtMost(p + "depth", depth, MAX_LAYERS);
            requireAtMost(p, "embedding_dim num_heads attention_downsample_rate", MAX_WIDTH, embeddingDim, numHeads,
                    attentionDownsampleRate);
            requireAtMost(p + "mlp_dim", mlpDim, MAX_MLP_WIDTH);
            requireDivisible(p + "embedding_dim", embeddingDim, p + "num_heads", numHeads);
            requireDivisible(p + "embedding_dim", embeddingDim, p + "attention_downsample_rate", attentionDownsampleRate);
            requireDivisible(p + "cross-attention width embedding_dim / attention_downsample_rate", crossAttentionDim(),
                    p + "num_heads", numHeads);
        }

        /** Internal width of the token↔image cross-attentions: {@code embedding_dim / attention_downsample_rate}. */
        public int crossAttentionDim() {
            return embeddingDim / attentionDownsampleRate;
        }
    }

    /** Copies the lists; values are checked by {@link #validate()}. */
    public SamConfig {
        Objects.requireNonNull(imageEncoder, "imageEncoder");
        Objects.requireNonNull(promptEncoder, "promptEncoder");
        Objects.requireNonNull(maskDecoder, "maskDecoder");
        pixelMean = List.copyOf(pixelMean);
        pixelStd = List.copyOf(pixelStd);
    }

    @JsonCreator
    private static SamConfig fromJson(
            @JsonProperty("image_encoder") ImageEncoder imageEncoder,
            @JsonProperty("prompt_encoder") PromptEncoder promptEncoder,
            @JsonProperty("mask_decoder") MaskDecoder maskDecoder,
            @JsonProperty("pixel_mean") List<Double> pixelMean,
            @JsonProperty("pixel_std") List<Double> pixelStd,
            @JsonProperty("model_type") String modelType) {
        if (pixelMean != null && pixelMean.contains(null)) {
            throw new ConfigJson.InvalidField("pixel_mean", pixelMean + " must not contain null");
        }
        if (pixelStd != null && pixelStd.contains(null)) {
            throw new ConfigJson.InvalidField("pixel_std", pixelStd + " must not contain null");
        }
        return new SamConfig(
                required(imageEncoder, "image_encoder"),
                required(promptEncoder, "prompt_encoder"),
                required(maskDecoder, "mask_decoder"),
                or(pixelMean, DEFAULT_PIXEL_MEAN),
                or(pixelStd, DEFAULT_PIXEL_STD),
                or(modelType, SAM_MODEL_TYPE));
    }

    private static List<Integer> pair(List<Integer> v, String field) {
        if (v.size() != 2 || v.contains(null)) {
            throw new ConfigJson.InvalidField(field, v + " must be [height, width]");
        }
        return v;
    }

    /**
     * Reads and validates a SAM config in the format of {@code fixtures/parity/sam/config.json}.
     *
     * @throws ConfigException naming the file and field on IO, JSON or validation errors
     */
    public static SamConfig read(Path file) throws ConfigException {
        return ConfigJson.readValidated(file, SamConfig.class, SamConfig::validate);
    }

    /**
     * Validates each part and their agreement, which the forward pass relies on: the neck's
     * {@code out_chans}, the prompt {@code embed_dim}, {@code transformer_dim} and the transformer's
     * {@code embedding_dim} are one width; {@code image_embedding_size} is the encoder grid and
     * {@code input_image_size} its input; mean/std have one value per input channel.
     */
    public void validate() throws ConfigException {
        imageEncoder.validate();
        promptEncoder.validate();
        maskDecoder.validate();
        int width = imageEncoder.outChans();
        if (promptEncoder.embedDim() != width || maskDecoder.transformerDim() != width
                || maskDecoder.transformer().embeddingDim() != width) {
            throw invalid("image_encoder.out_chans " + width + ", prompt_encoder.embed_dim " + promptEncoder.embedDim()
                    + ", mask_decoder.transformer_dim " + maskDecoder.transformerDim()
                    + " and mask_decoder.transformer.embedding_dim " + maskDecoder.transformer().embeddingDim()
                    + " must be equal");
        }
        int g = imageEncoder.gridSize();
        if (!promptEncoder.imageEmbeddingSize().equals(List.of(g, g))) {
            throw invalid("prompt_encoder.image_embedding_size " + promptEncoder.imageEmbeddingSize()
                    + " must equal the image encoder grid [" + g + ", " + g + "] (img_size / patch_size)");
        }
        int img = imageEncoder.imgSize();
        if (!promptEncoder.inputImageSize().equals(List.of(img, img))) {
            throw invalid("prompt_encoder.input_image_size " + promptEncoder.inputImageSize()
                    + " must equal [image_encoder.img_size, image_encoder.img_size] = [" + img + ", " + img + "]");
        }
        if (pixelMean.size() != imageEncoder.inChans()) {
            throw invalid("pixel_mean " + pixelMean + " must have image_encoder.in_chans = " + imageEncoder.inChans() + " values");
        }
        if (pixelStd.size() != imageEncoder.inChans()) {
            throw invalid("pixel_std " + pixelStd + " must have image_encoder.in_chans = " + imageEncoder.inChans() + " values");
        }
        for (double m : pixelMean) {
            if (!Double.isFinite(m)) {
                throw invalid("pixel_mean " + pixelMean + " must be finite");
            }
        }
        for (double s : pixelStd) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw invalid("pixel_std " + pixelStd + " must be positive and finite");
            }
        }
    }

    /** Image-encoder tokens per side: {@code img_size / patch_size} (64 for SAM). */
    public int gridSize() {
        return imageEncoder.gridSize();
    }

    /** Image-encoder per-head width: {@code embed_dim / num_heads} (80 for ViT-H). */
    public int headDim() {
        return imageEncoder.headDim();
    }

    // ------------------------------------------------------------------------------------------
    // Presets (segment_anything/build_sam.py)

    /** {@code build_sam_vit_h}: embed 1280, depth 32, 16 heads, global blocks 7, 15, 23, 31. */
    public static SamConfig vitH() {
        return buildSam(1280, 32, 16, List.of(7, 15, 23, 31));
    }

    /** {@code build_sam_vit_l}: embed 1024, depth 24, 16 heads, global blocks 5, 11, 17, 23. */
    public static SamConfig vitL() {
        return buildSam(1024, 24, 16, List.of(5, 11, 17, 23));
    }

    /** {@code build_sam_vit_b}: embed 768, depth 12, 12 heads, global blocks 2, 5, 8, 11. */
    public static SamConfig vitB() {
        return buildSam(768, 12, 12, List.of(2, 5, 8, 11));
    }

    /**
     * A preset by name: {@code vit_h}, {@code vit_l}, {@code vit_b} (also {@code h}/{@code l}/{@code b},
     * {@code vit-h} etc. and {@code default} = vit_h, like {@code sam_model_registry}), case-insensitive.
     *
     * @throws IllegalArgumentException for any other name, listing the valid ones
     */
    public static SamConfig preset(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (n) {
            case "vit_h", "h", "default" -> vitH();
            case "vit_l", "l" -> vitL();
            case "vit_b", "b" -> vitB();
            default -> throw new IllegalArgumentException("unknown SAM preset \"" + name
                    + "\"; valid: vit_h, vit_l, vit_b (or h, l, b, default)");
        };
    }

    /**
     * The preset {@code value} names ({@link #preset}), else the constructor JSON file at that path
     * ({@link #read}): how command lines and configs name SAM sizes.
     *
     * @throws ConfigException when {@code value} is neither a preset nor a readable, valid file
     */
    public static SamConfig presetOrRead(String value) throws ConfigException {
        try {
            return preset(value);
        } catch (IllegalArgumentException notPreset) {
            return read(Path.of(value));
        }
    }

    /** {@code _build_sam} with prompt_embed_dim 256, image_size 1024, vit_patch_size 16. */
    private static SamConfig buildSam(int embedDim, int depth, int numHeads, List<Integer> globalAttnIndexes) {
        int promptEmbedDim = 256;
        int imageSize = 1024;
        int patch = 16;
        int grid = imageSize / patch;
        return new SamConfig(
                new ImageEncoder(imageSize, patch, 3, embedDim, depth, numHeads, 4.0, promptEmbedDim,
                        true, true, true, 14, globalAttnIndexes, DEFAULT_LAYER_NORM_EPS),
                new PromptEncoder(promptEmbedDim, List.of(grid, grid), List.of(imageSize, imageSize), 16),
                new MaskDecoder(3, promptEmbedDim, 3, 256, new TwoWay(2, promptEmbedDim, 2048, 8, 2)),
                DEFAULT_PIXEL_MEAN,
                DEFAULT_PIXEL_STD);
    }

    // ------------------------------------------------------------------------------------------
    // Inference from checkpoint shapes

    /**
     * Recovers the configuration of a SAM checkpoint from its tensor shapes, for checkpoints of a
     * size without preset. Keys are read under {@code prefix} ({@code ""} for a {@code sam_vit_*.pth},
     * {@code "model.grounding_encoder."} inside a GLaMM/LEGION checkpoint):
     *
     * <ul>
     *   <li>{@code image_encoder.patch_embed.proj.weight [E, in_chans, p, p]}: embed_dim, in_chans, patch_size;
     *   <li>{@code image_encoder.pos_embed [1, g, g, E]}: grid, so img_size = g·p (use_abs_pos required);
     *   <li>{@code image_encoder.blocks.N.*}: depth = highest N + 1; qkv_bias from {@code attn.qkv.bias};
     *       {@code attn.rel_pos_h [L, head_dim]}: num_heads = E / head_dim; blocks with L = 2g−1 are
     *       global, the others give window_size = (L+1)/2 (use_rel_pos required);
     *       {@code mlp.lin1.weight [M, E]}: mlp_ratio = M / E;
     *   <li>{@code image_encoder.neck.0.weight [out_chans, E, 1, 1]};
     *   <li>{@code prompt_encoder.no_mask_embed.weight [1, D]}: embed_dim;
     *       {@code prompt_encoder.mask_downscaling.3.weight [mask_in_chans, mask_in_chans//4, 2, 2]};
     *   <li>{@code mask_decoder.iou_token.weight [1, D]}: transformer_dim;
     *       {@code mask_tokens.weight [T, D]}: num_multimask_outputs = T − 1;
     *       {@code transformer.layers.N}: depth; {@code layers.0.self_attn.q_proj.weight [D, D]}: embedding_dim;
     *       {@code layers.0.mlp.lin1.weight [mlp_dim, D]};
     *       {@code layers.0.cross_attn_token_to_image.q_proj.weight [D/rate, D]}: attention_downsample_rate;
     *       {@code iou_prediction_head.layers.N}: iou_head_depth, {@code layers.0.weight [hidden, D]}.
     * </ul>
     *
     * What shapes cannot tell comes from elsewhere: the two-way transformer's heads from
     * {@code decoderHeads}; layer_norm_eps, pixel_mean/std from the defaults ({@code build_sam}
     * values); with a single-layer IoU head its hidden width is the default 256. When every block is
     * global the result has window_size 0 and lists every block as global (the same computation as
     * a window equal to the grid).
     *
     * @param shapes tensor key → shape, e.g. from {@code Checkpoint.infos()}
     * @param prefix key prefix of the SAM module, {@code ""} or e.g. {@code "model.grounding_encoder."}
     * @param decoderHeads heads of the mask decoder's two-way transformer (8 in SAM)
     * @throws ConfigException naming the tensor key when a needed key is missing or has an unexpected
     *     shape, or when the inferred configuration does not validate
     */
    public static SamConfig inferFromShapes(Map<String, long[]> shapes, String prefix, int decoderHeads)
            throws ConfigException {
        Objects.requireNonNull(shapes, "shapes");
        String pre = prefix == null ? "" : prefix;
        String ie = pre + "image_encoder.";

        long[] patch = shape(shapes, ie + "patch_embed.proj.weight", 4);
        int embedDim = dim(patch, 0, ie + "patch_embed.proj.weight");
        int inChans = dim(patch, 1, ie + "patch_embed.proj.weight");
        int patchSize = dim(patch, 2, ie + "patch_embed.proj.weight");
        if (patch[3] != patch[2]) {
            throw badShape(ie + "patch_embed.proj.weight", patch, "a square patch kernel");
        }
        long[] pos = shape(shapes, ie + "pos_embed", 4);
        if (pos[0] != 1 || pos[1] != pos[2] || pos[3] != embedDim) {
            throw badShape(ie + "pos_embed", pos, "[1, g, g, " + embedDim + "]");
        }
        int grid = dim(pos, 1, ie + "pos_embed");

        int depth = countIndexed(shapes, ie + "blocks.");
        if (depth == 0) {
            throw new ConfigException(null, ie + "blocks.0.attn.rel_pos_h", "missing tensor (no image encoder blocks found)");
        }
        String b0 = ie + "blocks.0.";
        long[] rel0 = shape(shapes, b0 + "attn.rel_pos_h", 2);
        int headDim = dim(rel0, 1, b0 + "attn.rel_pos_h");
        if (embedDim % headDim != 0) {
            throw badShape(b0 + "attn.rel_pos_h", rel0, "a head dim dividing embed_dim " + embedDim);
        }
        int numHeads = embedDim / headDim;
        boolean qkvBias = shapes.containsKey(b0 + "attn.qkv.bias");
        long[] lin1 = shape(shapes, b0 + "mlp.lin1.weight", 2);
        double mlpRatio = (double) lin1[0] / embedDim;

        List<Integer> global = new ArrayList<>();
        int window = -1;
        long globalLength = 2L * grid - 1;
        for (int i = 0; i < depth; i++) {
            String key = ie + "blocks." + i + ".attn.rel_pos_h";
            long[] rel = shape(shapes, key, 2);
            if (rel[1] != headDim) {
                throw badShape(key, rel, "head dim " + headDim + " like block 0");
            }
            if (rel[0] == globalLength) {
                global.add(i);
                continue;
            }
            if (rel[0] < 1 || rel[0] % 2 == 0) {
                throw badShape(key, rel, "an odd length 2·window−1");
            }
            int w = (int) ((rel[0] + 1) / 2);
            if (window >= 0 && w != window) {
                throw badShape(key, rel, "window " + window + " like the other windowed blocks");
            }
            window = w;
        }
        if (window < 0) {
            window = 0; // every block global
        }
        long[] neck = shape(shapes, ie + "neck.0.weight", 4);
        int outChans = dim(neck, 0, ie + "neck.0.weight");

        String pe = pre + "prompt_encoder.";
        long[] noMask = shape(shapes, pe + "no_mask_embed.weight", 2);
        int promptDim = dim(noMask, 1, pe + "no_mask_embed.weight");
        long[] down = shape(shapes, pe + "mask_downscaling.3.weight", 4);
        int maskInChans = dim(down, 0, pe + "mask_downscaling.3.weight");

        String md = pre + "mask_decoder.";
        long[] iouToken = shape(shapes, md + "iou_token.weight", 2);
        int transformerDim = dim(iouToken, 1, md + "iou_token.weight");
        long[] maskTokens = shape(shapes, md + "mask_tokens.weight", 2);
        int multimask = dim(maskTokens, 0, md + "mask_tokens.weight") - 1;
        int twDepth = countIndexed(shapes, md + "transformer.layers.");
        String l0 = md + "transformer.layers.0.";
        long[] selfQ = shape(shapes, l0 + "self_attn.q_proj.weight", 2);
        int embeddingDim = dim(selfQ, 1, l0 + "self_attn.q_proj.weight");
        long[] mlp = shape(shapes, l0 + "mlp.lin1.weight", 2);
        int mlpDim = dim(mlp, 0, l0 + "mlp.lin1.weight");
        long[] crossQ = shape(shapes, l0 + "cross_attn_token_to_image.q_proj.weight", 2);
        int crossDim = dim(crossQ, 0, l0 + "cross_attn_token_to_image.q_proj.weight");
        if (embeddingDim % crossDim != 0) {
            throw badShape(l0 + "cross_attn_token_to_image.q_proj.weight", crossQ,
                    "an output width dividing embedding_dim " + embeddingDim);
        }
        int iouDepth = countIndexed(shapes, md + "iou_prediction_head.layers.");
        if (iouDepth == 0) {
            throw new ConfigException(null, md + "iou_prediction_head.layers.0.weight", "missing tensor");
        }
        int iouHidden = 256;
        if (iouDepth > 1) {
            long[] iou0 = shape(shapes, md + "iou_prediction_head.layers.0.weight", 2);
            iouHidden = dim(iou0, 0, md + "iou_prediction_head.layers.0.weight");
        }

        SamConfig c = new SamConfig(
                new ImageEncoder(grid * patchSize, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, outChans,
                        qkvBias, true, true, window, global, DEFAULT_LAYER_NORM_EPS),
                new PromptEncoder(promptDim, List.of(grid, grid), List.of(grid * patchSize, grid * patchSize), maskInChans),
                new MaskDecoder(multimask, transformerDim, iouDepth, iouHidden,
                        new TwoWay(twDepth, embeddingDim, mlpDim, decoderHeads, embeddingDim / crossDim)),
                DEFAULT_PIXEL_MEAN,
                DEFAULT_PIXEL_STD);
        c.validate();
        return c;
    }

    private static long[] shape(Map<String, long[]> shapes, String key, int rank) throws ConfigException {
        long[] s = shapes.get(key);
        if (s == null) {
            throw new ConfigException(null, key, "missing tensor (needed to infer the SAM configuration)");
        }
        if (s.length != rank) {
            throw badShape(key, s, "rank " + rank);
        }
        return s;
    }

    private static int dim(long[] shape, int axis, String key) throws ConfigException {
        long v = shape[axis];
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw badShape(key, shape, "a positive dimension " + axis);
        }
        return (int) v;
    }

    private static ConfigException badShape(String key, long[] shape, String expected) {
        return new ConfigException(null, key, "shape " + TensorInfo.format(shape) + " is not " + expected);
    }

    /** Number of consecutive indexed children {@code base + N + "."} (0..count−1 must all exist). */
    private static int countIndexed(Map<String, long[]> shapes, String base) throws ConfigException {
        Set<Integer> seen = new HashSet<>();
        for (String k : shapes.keySet()) {
            if (!k.startsWith(base)) {
                continue;
            }
            int dot = k.indexOf('.', base.length());
            String idx = dot < 0 ? k.substring(base.length()) : k.substring(base.length(), dot);
            if (!idx.isEmpty() && idx.length() <= 9 && idx.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                seen.add(Integer.parseInt(idx));
            }
        }
        int count = seen.isEmpty() ? 0 : new TreeSet<>(seen).last() + 1;
        for (int i = 0; i < count; i++) {
            if (!seen.contains(i)) {
                throw new ConfigException(null, base + i, "missing (indexes up to " + (count - 1) + " exist)");
            }
        }
        return count;
    }
}
