package ai.legion.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Known configurations: the real LEGION-7B / CLIP / SAM dimensions (the {@code config.json} files of
 * {@code MBZUAI/GLaMM-GranD-Pretrained} and {@code openai/clip-vit-large-patch14-336}, segment-anything
 * {@code build_sam.py::build_sam_vit_h}) and the tiny dimensions of the in-repo parity fixtures
 * ({@code fixtures/parity}). Every preset validates.
 */
public final class Presets {

    /** The vision tower LEGION / GLaMM configs name. */
    public static final String CLIP_L336_TOWER = "openai/clip-vit-large-patch14-336";

    private Presets() {}

    /**
     * LEGION-7B ({@code MBZUAI/GLaMM-GranD-Pretrained}'s {@code config.json}): Vicuna-7B v1.5 with vocab 32007,
     * hidden 4096, 32 layers, 32 heads (32 KV heads), intermediate 11008, 4096 positions, RMSNorm eps 1e-5;
     * CLIP-L/336 tower ({@code mm_hidden_size} 1024) through an {@code mlp2x_gelu} projector, select layer -2, patch
     * features; {@code out_dim} 256.
     */
    public static LegionConfig legion7B() {
        LlamaConfig llama = new LlamaConfig(32007, 4096, 11008, 32, 32, 32, "silu", 4096, 1e-5, 10000.0,
                false, 1, 2, 0);
        return new LegionConfig(llama, 1024, "mlp2x_gelu", -2, "patch", CLIP_L336_TOWER, null, CLIP_L336_TOWER,
                true, 256, List.of("GLaMMForCausalLM"), true, 32002, "bfloat16", false);
    }

    /**
     * {@code config} as a released GLaMM/LEGION {@code config.json} has it: with the fields that LLaVA's
     * {@code initialize_vision_modules}, the GLaMM/LEGION constructors (GLaMM {@code model/GLaMM.py::
     * GLaMMModel._configure_model_settings} and {@code GLaMMForCausalLM._set_model_configurations}, LEGION
     * {@code model/Legion.py} alike) and the training scripts set before {@code save_pretrained}: the tower
     * name under all three keys and again as {@code vision_module}, the region-encoder flags, {@code use_cache}
     * false, {@code torch_dtype} bfloat16 and the transformers version LEGION pins (4.28.0). Extra fields
     * {@code config} already has win.
     */
    public static LegionConfig released(LegionConfig config) {
        String tower = config.visionTower();
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> extras = new LinkedHashMap<>();
        extras.put("initializer_range", f.numberNode(0.02));
        extras.put("max_length", f.numberNode(config.llama().maxPositionEmbeddings()));
        extras.put("transformers_version", f.textNode("4.28.0"));
        extras.put("mm_use_im_patch_token", f.booleanNode(false));
        extras.put("use_mm_proj", f.booleanNode(true));
        extras.put("image_aspect_ratio", f.textNode("square"));
        extras.put("tune_mm_mlp_adapter", f.booleanNode(false));
        extras.put("freeze_mm_mlp_adapter", f.booleanNode(true));
        extras.put("pretrain_mm_mlp_adapter", f.nullNode());
        extras.put("train_mask_decoder", f.booleanNode(true));
        extras.put("num_level_reg_features", f.numberNode(4));
        extras.put("num_reg_features", f.numberNode(4));
        extras.put("mm_use_image_start_end", f.booleanNode(true));
        extras.put("vision_module", f.textNode(tower));
        extras.put("select_feature_type", f.textNode(config.mmVisionSelectFeature()));
        extras.put("image_aspect", f.textNode("square"));
        extras.put("image_grid_points", f.nullNode());
        extras.put("tune_mlp_adapter", f.booleanNode(false));
        extras.put("freeze_mlp_adapter", f.booleanNode(true));
        extras.put("use_image_patch_token", f.booleanNode(false));
        extras.putAll(config.extras());
        return new LegionConfig(config.llama(), config.mmHiddenSize(), config.mmProjectorType(),
                config.mmVisionSelectLayer(), config.mmVisionSelectFeature(), tower, tower, tower,
                config.mmUseImStartEnd(), config.outDim(), config.architectures(), true, config.bboxTokenIdx(),
                "bfloat16", false, config.modelType(), extras);
    }

    /**
     * {@code openai/clip-vit-large-patch14-336} vision tower (that repository's {@code config.json}): width 1024, 24
     * layers, 16 heads, MLP 4096, 336 px, patch 14 (576 patches), quick_gelu, eps 1e-5, projection 768.
     */
    public static ClipVisionConfig clipL336() {
        return new ClipVisionConfig(1024, 4096, 24, 16, 3, 336, 14, "quick_gelu", 1e-5, 768);
    }

    /**
     * The text tower of {@code openai/clip-vit-large-patch14-336} (that repository's {@code text_config}): width 768,
     * 12 layers, 12 heads, MLP 3072, 77 positions, vocab 49408, quick_gelu, projection 768; token ids as HF's
     * defaults (the repository's config keeps them).
     */
    public static ClipTextConfig clipL336Text() {
        return new ClipTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5, 768, 1, 0, 2);
    }

    /** The whole {@code openai/clip-vit-large-patch14-336} model: both towers, projection 768. */
    public static ClipConfig clipL336Model() {
        return ClipConfig.of(clipL336Text(), clipL336(), 768);
    }

    /** The preprocessor of {@code openai/clip-vit-large-patch14-336}: CLIP defaults at 336 px. */
    public static ClipImageProcessorConfig clipL336Processor() {
        return ClipImageProcessorConfig.square(336);
    }

    /**
     * OpenCLIP ViT-H/14 vision tower as an HF config (open_clip {@code model_configs/ViT-H-14.json}): width 1280, 32
     * layers, 16 heads, MLP 5120, 224 px, patch 14 (256 patches), exact GELU, eps 1e-5, projection 1024.
     */
    public static ClipVisionConfig clipH14() {
        return new ClipVisionConfig(1280, 5120, 32, 16, 3, 224, 14, "gelu", 1e-5, 1024);
    }

    /** SAM ViT-H ({@link SamConfig#vitH()}), LEGION's grounding encoder. */
    public static SamConfig samVitH() {
        return SamConfig.vitH();
    }

    /** The GLaMM added tokens ({@link AddedTokens#glamm()}). */
    public static AddedTokens addedTokens() {
        return AddedTokens.glamm();
    }

    /**
     * The dimensions of the in-repo {@code fixtures/parity/legion_tiny/config.json}: vocab 32007,
     * hidden 32, 2 layers, 4 heads, intermediate 64, 256 positions, {@code mm_hidden_size} 32,
     * {@code out_dim} 16, architecture LegionForCls. (Other fixture roots may differ: read the file.)
     */
    public static LegionConfig legionTiny() {
        LlamaConfig llama = new LlamaConfig(32007, 32, 64, 2, 4, 4, "silu", 256, 1e-5, 10000.0, false, 1, 2, 0);
        return new LegionConfig(llama, 32, "mlp2x_gelu", -2, "patch", CLIP_L336_TOWER, CLIP_L336_TOWER,
                CLIP_L336_TOWER, true, 16, List.of(LegionConfig.DETECTION_ARCHITECTURE), true, 32002, "bfloat16",
                false);
    }

    /**
     * The dimensions of the in-repo {@code fixtures/parity/clip_vision/config.json} (and
     * {@code legion_tiny/clip}): width 32, 3 layers, 4 heads, MLP 64, 42 px, patch 14, quick_gelu,
     * projection 32.
     */
    public static ClipVisionConfig clipTiny() {
        return new ClipVisionConfig(32, 64, 3, 4, 3, 42, 14, "quick_gelu", 1e-5, 32);
    }

    /**
     * The dimensions of the in-repo {@code fixtures/parity/sam/config.json}: 64 px, patch 16
     * (grid 4), embed 32, depth 4, 2 heads, window 3, global blocks 1 and 3, out/prompt width 16,
     * mask_in_chans 4, decoder depth 2 / MLP 64 / 2 heads.
     */
    public static SamConfig samTiny() {
        return new SamConfig(
                new SamConfig.ImageEncoder(64, 16, 3, 32, 4, 2, 4.0, 16, true, true, true, 3, List.of(1, 3),
                        SamConfig.DEFAULT_LAYER_NORM_EPS),
                new SamConfig.PromptEncoder(16, List.of(4, 4), List.of(64, 64), 4),
                new SamConfig.MaskDecoder(3, 16, 3, 16, new SamConfig.TwoWay(2, 16, 64, 2, 2)),
                SamConfig.DEFAULT_PIXEL_MEAN,
                SamConfig.DEFAULT_PIXEL_STD);
    }
}
