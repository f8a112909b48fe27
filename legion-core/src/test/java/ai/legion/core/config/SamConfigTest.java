package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.assertTooLarge;
import static ai.legion.core.config.ConfigTestSupport.boolOr;
import static ai.legion.core.config.ConfigTestSupport.doubleOr;
import static ai.legion.core.config.ConfigTestSupport.doubles;
import static ai.legion.core.config.ConfigTestSupport.edited;
import static ai.legion.core.config.ConfigTestSupport.intOr;
import static ai.legion.core.config.ConfigTestSupport.ints;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.core.io.TensorInfo;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamConfigTest {

    @TempDir
    Path tmp;

    private static Path samConfig() {
        return Fixtures.path("parity/sam/config.json");
    }

    @Test
    void readsSamFixture() throws Exception {
        Path file = samConfig();
        JsonNode t = tree(file);
        SamConfig c = SamConfig.read(file);

        JsonNode ie = t.get("image_encoder");
        SamConfig.ImageEncoder e = c.imageEncoder();
        assertEquals(intOr(ie, "img_size", 1024), e.imgSize());
        assertEquals(intOr(ie, "patch_size", 16), e.patchSize());
        assertEquals(intOr(ie, "in_chans", 3), e.inChans());
        assertEquals(intOr(ie, "embed_dim", 768), e.embedDim());
        assertEquals(intOr(ie, "depth", 12), e.depth());
        assertEquals(intOr(ie, "num_heads", 12), e.numHeads());
        assertEquals(doubleOr(ie, "mlp_ratio", 4.0), e.mlpRatio());
        assertEquals(intOr(ie, "out_chans", 256), e.outChans());
        assertEquals(boolOr(ie, "qkv_bias", true), e.qkvBias());
        assertEquals(boolOr(ie, "use_abs_pos", true), e.useAbsPos());
        assertEquals(boolOr(ie, "use_rel_pos", false), e.useRelPos());
        assertEquals(intOr(ie, "window_size", 0), e.windowSize());
        assertEquals(ie.has("global_attn_indexes") ? ints(ie.get("global_attn_indexes")) : List.of(), e.globalAttnIndexes());
        assertEquals(expectedEps(ie), e.layerNormEps());

        JsonNode pe = t.get("prompt_encoder");
        assertEquals(pe.get("embed_dim").intValue(), c.promptEncoder().embedDim());
        assertEquals(ints(pe.get("image_embedding_size")), c.promptEncoder().imageEmbeddingSize());
        assertEquals(ints(pe.get("input_image_size")), c.promptEncoder().inputImageSize());
        assertEquals(pe.get("mask_in_chans").intValue(), c.promptEncoder().maskInChans());

        JsonNode md = t.get("mask_decoder");
        SamConfig.MaskDecoder d = c.maskDecoder();
        assertEquals(intOr(md, "num_multimask_outputs", 3), d.numMultimaskOutputs());
        assertEquals(d.numMultimaskOutputs() + 1, d.numMaskTokens());
        assertEquals(md.get("transformer_dim").intValue(), d.transformerDim());
        assertEquals(intOr(md, "iou_head_depth", 3), d.iouHeadDepth());
        assertEquals(intOr(md, "iou_head_hidden_dim", 256), d.iouHeadHiddenDim());
        JsonNode tw = md.get("transformer");
        assertEquals(tw.get("depth").intValue(), d.transformer().depth());
        assertEquals(tw.get("embedding_dim").intValue(), d.transformer().embeddingDim());
        assertEquals(tw.get("mlp_dim").intValue(), d.transformer().mlpDim());
        assertEquals(tw.get("num_heads").intValue(), d.transformer().numHeads());
        assertEquals(intOr(tw, "attention_downsample_rate", 2), d.transformer().attentionDownsampleRate());

        assertEquals(t.has("pixel_mean") ? doubles(t.get("pixel_mean")) : SamConfig.DEFAULT_PIXEL_MEAN, c.pixelMean());
        assertEquals(t.has("pixel_std") ? doubles(t.get("pixel_std")) : SamConfig.DEFAULT_PIXEL_STD, c.pixelStd());

        assertEquals(e.imgSize() / e.patchSize(), c.gridSize());
        assertEquals(e.embedDim() / e.numHeads(), c.headDim());
        assertEquals((int) (e.embedDim() * e.mlpRatio()), e.mlpDim());
    }

    /** layer_norm_eps, else the eps in "norm_layer": "LayerNorm(eps=X)", else build_sam's 1e-6. */
    private static double expectedEps(JsonNode ie) {
        if (ie.has("layer_norm_eps")) {
            return ie.get("layer_norm_eps").doubleValue();
        }
        if (ie.has("norm_layer") && ie.get("norm_layer").isTextual()) {
            Matcher m = Pattern.compile("eps\\s*=\\s*([-+0-9.eE]+)").matcher(ie.get("norm_layer").textValue());
            if (m.find()) {
                return Double.parseDouble(m.group(1));
            }
        }
        return 1e-6;
    }

    /** The relative-position table lengths of the fixture checkpoint agree with the config's windowing. */
    @Test
    void relPosLengthsMatchTheFixtureCheckpoint() throws Exception {
        SamConfig c = SamConfig.read(samConfig());
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("parity/sam/model.safetensors"))) {
            for (int i = 0; i < c.imageEncoder().depth(); i++) {
                long[] s = f.info("image_encoder.blocks." + i + ".attn.rel_pos_h").shape();
                assertEquals(c.imageEncoder().relPosLength(i), s[0], "block " + i);
                assertEquals(c.headDim(), s[1]);
            }
        }
    }

    @Test
    void inferFromFixtureShapesEqualsTheConfigFile() throws Exception {
        SamConfig read = SamConfig.read(samConfig());
        Map<String, long[]> shapes = shapesOf(Fixtures.path("parity/sam/model.safetensors"), "");
        int heads = read.maskDecoder().transformer().numHeads();
        SamConfig inferred = SamConfig.inferFromShapes(shapes, "", heads);
        assertEquals(withUninferable(read), inferred);

        // the same checkpoint nested inside a GLaMM/LEGION state dict
        Map<String, long[]> nested = new HashMap<>();
        shapes.forEach((k, v) -> nested.put("model.grounding_encoder." + k, v));
        nested.put("model.embed_tokens.weight", new long[] {10, 4});
        assertEquals(inferred, SamConfig.inferFromShapes(nested, "model.grounding_encoder.", heads));
    }

    /**
     * What shapes cannot reveal (the blocks' LayerNorm eps, pixel mean/std) set to the build_sam
     * values inferFromShapes assumes; everything else must come out of the shapes.
     */
    private static SamConfig withUninferable(SamConfig c) {
        SamConfig.ImageEncoder e = c.imageEncoder();
        return new SamConfig(
                new SamConfig.ImageEncoder(e.imgSize(), e.patchSize(), e.inChans(), e.embedDim(), e.depth(), e.numHeads(),
                        e.mlpRatio(), e.outChans(), e.qkvBias(), e.useAbsPos(), e.useRelPos(), e.windowSize(),
                        e.globalAttnIndexes(), SamConfig.DEFAULT_LAYER_NORM_EPS),
                c.promptEncoder(), c.maskDecoder(), SamConfig.DEFAULT_PIXEL_MEAN, SamConfig.DEFAULT_PIXEL_STD);
    }

    @Test
    void inferFromTheLegionCheckpointShapes() throws Exception {
        LegionConfig legion = LegionConfig.read(Fixtures.path("parity/legion_tiny/config.json"));
        Map<String, long[]> shapes = shapesOf(Fixtures.path("parity/legion_tiny/pytorch_model.bin.index.json"), "");
        SamConfig c = SamConfig.inferFromShapes(shapes, "model.grounding_encoder.", 1);
        assertEquals(legion.outDim(), c.promptEncoder().embedDim(), "SAM prompt width is LEGION's out_dim");
        c.validate();
    }

    private static Map<String, long[]> shapesOf(Path file, String prefix) throws Exception {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (Checkpoint ck = Checkpoints.open(file)) {
            for (Map.Entry<String, TensorInfo> e : ck.infos().entrySet()) {
                out.put(prefix + e.getKey(), e.getValue().shape());
            }
        }
        return out;
    }

    /** Tensor shapes of a SAM checkpoint built from {@code c} (segment-anything's module layout). */
    static Map<String, long[]> syntheticShapes(SamConfig c, String p) {
        Map<String, long[]> s = new LinkedHashMap<>();
        SamConfig.ImageEncoder e = c.imageEncoder();
        long em = e.embedDim();
        String ie = p + "image_encoder.";
        s.put(ie + "patch_embed.proj.weight", new long[] {em, e.inChans(), e.patchSize(), e.patchSize()});
        s.put(ie + "patch_embed.proj.bias", new long[] {em});
        s.put(ie + "pos_embed", new long[] {1, e.gridSize(), e.gridSize(), em});
        for (int i = 0; i < e.depth(); i++) {
            String b = ie + "blocks." + i + ".";
            s.put(b + "norm1.weight", new long[] {em});
            s.put(b + "attn.qkv.weight", new long[] {3 * em, em});
            s.put(b + "attn.qkv.bias", new long[] {3 * em});
            s.put(b + "attn.rel_pos_h", new long[] {e.relPosLength(i), e.headDim()});
            s.put(b + "attn.rel_pos_w", new long[] {e.relPosLength(i), e.headDim()});
            s.put(b + "mlp.lin1.weight", new long[] {e.mlpDim(), em});
            s.put(b + "mlp.lin2.weight", new long[] {em, e.mlpDim()});
        }
        s.put(ie + "neck.0.weight", new long[] {e.outChans(), em, 1, 1});
        s.put(ie + "neck.2.weight", new long[] {e.outChans(), e.outChans(), 3, 3});
        SamConfig.PromptEncoder pe = c.promptEncoder();
        s.put(p + "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", new long[] {2, pe.embedDim() / 2});
        s.put(p + "prompt_encoder.no_mask_embed.weight", new long[] {1, pe.embedDim()});
        s.put(p + "prompt_encoder.mask_downscaling.0.weight", new long[] {pe.maskInChans() / 4, 1, 2, 2});
        s.put(p + "prompt_encoder.mask_downscaling.3.weight", new long[] {pe.maskInChans(), pe.maskInChans() / 4, 2, 2});
        s.put(p + "prompt_encoder.mask_downscaling.6.weight", new long[] {pe.embedDim(), pe.maskInChans(), 1, 1});
        SamConfig.MaskDecoder md = c.maskDecoder();
        SamConfig.TwoWay tw = md.transformer();
        String d = p + "mask_decoder.";
        s.put(d + "iou_token.weight", new long[] {1, md.transformerDim()});
        s.put(d + "mask_tokens.weight", new long[] {md.numMaskTokens(), md.transformerDim()});
        for (int i = 0; i < tw.depth(); i++) {
            String l = d + "transformer.layers." + i + ".";
            s.put(l + "self_attn.q_proj.weight", new long[] {tw.embeddingDim(), tw.embeddingDim()});
            s.put(l + "cross_attn_token_to_image.q_proj.weight", new long[] {tw.crossAttentionDim(), tw.embeddingDim()});
            s.put(l + "cross_attn_image_to_token.q_proj.weight", new long[] {tw.crossAttentionDim(), tw.embeddingDim()});
            s.put(l + "mlp.lin1.weight", new long[] {tw.mlpDim(), tw.embeddingDim()});
        }
        s.put(d + "transformer.final_attn_token_to_image.q_proj.weight", new long[] {tw.crossAttentionDim(), tw.embeddingDim()});
        for (int i = 0; i < md.iouHeadDepth(); i++) {
            long in = i == 0 ? md.transformerDim() : md.iouHeadHiddenDim();
            long out = i == md.iouHeadDepth() - 1 ? md.numMaskTokens() : md.iouHeadHiddenDim();
            s.put(d + "iou_prediction_head.layers." + i + ".weight", new long[] {out, in});
        }
        return s;
    }

    @Test
    void inferReproducesThePresets() throws Exception {
        for (SamConfig preset : List.of(SamConfig.vitH(), SamConfig.vitL(), SamConfig.vitB(), Presets.samTiny())) {
            int heads = preset.maskDecoder().transformer().numHeads();
            assertEquals(preset, SamConfig.inferFromShapes(syntheticShapes(preset, "model.grounding_encoder."),
                    "model.grounding_encoder.", heads));
            assertEquals(preset, SamConfig.inferFromShapes(syntheticShapes(preset, ""), "", heads));
        }
    }

    @Test
    void inferNamesMissingOrMalformedKeys() throws Exception {
        Map<String, long[]> shapes = shapesOf(Fixtures.path("parity/sam/model.safetensors"), "");
        for (String key : List.of("image_encoder.pos_embed", "image_encoder.patch_embed.proj.weight",
                "image_encoder.neck.0.weight", "prompt_encoder.no_mask_embed.weight",
                "prompt_encoder.mask_downscaling.3.weight", "mask_decoder.iou_token.weight",
                "mask_decoder.mask_tokens.weight", "mask_decoder.transformer.layers.0.mlp.lin1.weight",
                "image_encoder.blocks.1.attn.rel_pos_h")) {
            Map<String, long[]> m = new HashMap<>(shapes);
            m.remove(key);
            ConfigException e = assertThrows(ConfigException.class, () -> SamConfig.inferFromShapes(m, "", 1), key);
            assertEquals(key, e.tensor());
            assertTrue(e.getMessage().contains(key), e.getMessage());
            assertNull(e.file());
        }
        // wrong prefix: nothing found, and the message names the key looked for
        ConfigException e = assertThrows(ConfigException.class,
                () -> SamConfig.inferFromShapes(shapes, "model.grounding_encoder.", 1));
        assertTrue(e.getMessage().contains("model.grounding_encoder.image_encoder.patch_embed.proj.weight"), e.getMessage());

        Map<String, long[]> bad = new HashMap<>(shapes);
        bad.put("image_encoder.pos_embed", new long[] {1, 2, 3});
        ConfigException r = assertThrows(ConfigException.class, () -> SamConfig.inferFromShapes(bad, "", 1));
        assertEquals("image_encoder.pos_embed", r.tensor());

        // decoder heads that do not divide the cross-attention width
        SamConfig read = SamConfig.read(samConfig());
        int cross = read.maskDecoder().transformer().crossAttentionDim();
        ConfigException h = assertThrows(ConfigException.class, () -> SamConfig.inferFromShapes(shapes, "", cross + 1));
        assertTrue(h.getMessage().contains("num_heads"), h.getMessage());
    }

    @Test
    void presetsFollowBuildSam() throws Exception {
        SamConfig h = SamConfig.vitH();
        h.validate();
        assertEquals(1280, h.imageEncoder().embedDim());
        assertEquals(32, h.imageEncoder().depth());
        assertEquals(16, h.imageEncoder().numHeads());
        assertEquals(List.of(7, 15, 23, 31), h.imageEncoder().globalAttnIndexes());
        assertEquals(64, h.gridSize());
        assertEquals(80, h.headDim());
        assertEquals(5120, h.imageEncoder().mlpDim());
        assertEquals(27, h.imageEncoder().relPosLength(0));
        assertEquals(127, h.imageEncoder().relPosLength(7));
        assertTrue(h.imageEncoder().isGlobalAttention(31));
        assertFalse(h.imageEncoder().isGlobalAttention(30));
        assertEquals(List.of(64, 64), h.promptEncoder().imageEmbeddingSize());
        assertEquals(List.of(1024, 1024), h.promptEncoder().inputImageSize());
        assertEquals(16, h.promptEncoder().maskInChans());
        assertEquals(new SamConfig.MaskDecoder(3, 256, 3, 256, new SamConfig.TwoWay(2, 256, 2048, 8, 2)), h.maskDecoder());
        assertEquals(128, h.maskDecoder().transformer().crossAttentionDim());

        SamConfig l = SamConfig.vitL();
        l.validate();
        assertEquals(List.of(1024, 24, 16), List.of(l.imageEncoder().embedDim(), l.imageEncoder().depth(), l.imageEncoder().numHeads()));
        assertEquals(List.of(5, 11, 17, 23), l.imageEncoder().globalAttnIndexes());
        SamConfig b = SamConfig.vitB();
        b.validate();
        assertEquals(List.of(768, 12, 12), List.of(b.imageEncoder().embedDim(), b.imageEncoder().depth(), b.imageEncoder().numHeads()));
        assertEquals(List.of(2, 5, 8, 11), b.imageEncoder().globalAttnIndexes());
        for (SamConfig c : List.of(h, l, b)) {
            assertEquals(h.promptEncoder(), c.promptEncoder());
            assertEquals(h.maskDecoder(), c.maskDecoder());
            assertEquals(14, c.imageEncoder().windowSize());
            assertEquals(256, c.imageEncoder().outChans());
            assertEquals(1e-6, c.imageEncoder().layerNormEps());
        }
    }

    @Test
    void presetByName() {
        assertEquals(SamConfig.vitH(), SamConfig.preset("vit_h"));
        assertEquals(SamConfig.vitH(), SamConfig.preset("VIT_H"));
        assertEquals(SamConfig.vitH(), SamConfig.preset("h"));
        assertEquals(SamConfig.vitH(), SamConfig.preset("default"));
        assertEquals(SamConfig.vitL(), SamConfig.preset("Vit-L"));
        assertEquals(SamConfig.vitL(), SamConfig.preset("l"));
        assertEquals(SamConfig.vitB(), SamConfig.preset(" B "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamConfig.preset("vit_g"));
        assertTrue(e.getMessage().contains("vit_g") && e.getMessage().contains("vit_h")
                && e.getMessage().contains("vit_l") && e.getMessage().contains("vit_b"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamConfig.preset(null));
    }

    @Test
    void presetOrReadTakesAPresetNameElseAFile() throws Exception {
        assertEquals(SamConfig.vitL(), SamConfig.presetOrRead("vit_l"));
        Path f = write(tmp, "sam_small.json", "{\"image_encoder\": {\"embed_dim\": 64, \"depth\": 2, \"num_heads\": 4},"
                + " \"prompt_encoder\": {\"embed_dim\": 256, \"image_embedding_size\": [64, 64],"
                + " \"input_image_size\": [1024, 1024], \"mask_in_chans\": 16},"
                + " \"mask_decoder\": {\"transformer_dim\": 256,"
                + " \"transformer\": {\"depth\": 2, \"embedding_dim\": 256, \"mlp_dim\": 2048, \"num_heads\": 8}}}");
        SamConfig small = SamConfig.presetOrRead(f.toString());
        assertEquals(SamConfig.read(f), small);
        assertEquals(List.of(64, 2, 4), List.of(small.imageEncoder().embedDim(), small.imageEncoder().depth(),
                small.imageEncoder().numHeads()));
        ConfigException e = assertThrows(ConfigException.class,
                () -> SamConfig.presetOrRead(tmp.resolve("vit_g.json").toString()));
        assertTrue(e.getMessage().contains("vit_g.json"), e.getMessage());
    }

    @Test
    void absentFieldsTakeConstructorDefaults() throws Exception {
        Path f = write(tmp, "sam.json", "{\"image_encoder\": {}, \"prompt_encoder\": {\"embed_dim\": 256,"
                + " \"image_embedding_size\": [64, 64], \"input_image_size\": [1024, 1024], \"mask_in_chans\": 16},"
                + " \"mask_decoder\": {\"transformer_dim\": 256, \"transformer\": {\"depth\": 2, \"embedding_dim\": 256,"
                + " \"mlp_dim\": 2048, \"num_heads\": 8}}}");
        SamConfig c = SamConfig.read(f);
        assertEquals(new SamConfig.ImageEncoder(1024, 16, 3, 768, 12, 12, 4.0, 256, true, true, false, 0, List.of(), 1e-6),
                c.imageEncoder());
        assertTrue(c.imageEncoder().isGlobalAttention(5), "window 0 means global everywhere");
        assertEquals(SamConfig.vitH().maskDecoder(), c.maskDecoder());
        assertEquals(SamConfig.DEFAULT_PIXEL_MEAN, c.pixelMean());
        assertEquals(SamConfig.DEFAULT_PIXEL_STD, c.pixelStd());

        Path eps = edited(tmp, "eps.json", f, n -> ((ObjectNode) n.get("image_encoder")).put("norm_layer", "LayerNorm(eps=1e-5)"));
        assertEquals(1e-5, SamConfig.read(eps).imageEncoder().layerNormEps());
        Path both = edited(tmp, "both.json", eps, n -> ((ObjectNode) n.get("image_encoder")).put("layer_norm_eps", 1e-4));
        assertEquals(1e-4, SamConfig.read(both).imageEncoder().layerNormEps());
    }

    @Test
    void missingRequiredFieldsNameTheirPath() throws Exception {
        Path src = samConfig();
        Path f1 = edited(tmp, "pe.json", src, n -> ((ObjectNode) n.get("prompt_encoder")).remove("embed_dim"));
        assertInvalid(f1, () -> SamConfig.read(f1), "prompt_encoder.embed_dim", "missing");
        Path f2 = edited(tmp, "tw.json", src, n -> ((ObjectNode) n.get("mask_decoder").get("transformer")).remove("num_heads"));
        assertInvalid(f2, () -> SamConfig.read(f2), "mask_decoder.transformer.num_heads", "missing");
        Path f3 = edited(tmp, "md.json", src, n -> n.remove("mask_decoder"));
        assertInvalid(f3, () -> SamConfig.read(f3), "mask_decoder", "missing");
        Path f4 = edited(tmp, "size.json", src, n -> ((ObjectNode) n.get("prompt_encoder")).putArray("image_embedding_size").add(4));
        assertInvalid(f4, () -> SamConfig.read(f4), "prompt_encoder.image_embedding_size");
    }

    @Test
    void sizesFarAboveAnyModelAreRejectedNamingTheKey() throws Exception {
        Path src = samConfig();
        int g = 1_000_000_000;
        assertTooLarge(tmp, src, "image_encoder.depth", g, SamConfig::read,
                "image_encoder.depth " + g + " exceeds 1024");
        assertTooLarge(tmp, src, "image_encoder.img_size", 1_000_000, SamConfig::read,
                "image_encoder.img_size 1000000 exceeds 16384");
        assertTooLarge(tmp, src, "image_encoder.mlp_ratio", 1e9, SamConfig::read, "image_encoder.mlp hidden width");
        assertTooLarge(tmp, src, "image_encoder.window_size", g, SamConfig::read, "image_encoder.window_size");
        assertTooLarge(tmp, src, "mask_decoder.transformer.depth", g, SamConfig::read,
                "mask_decoder.transformer.depth " + g + " exceeds 1024");
        assertTooLarge(tmp, src, "mask_decoder.iou_head_depth", g, SamConfig::read, "mask_decoder.iou_head_depth");
        assertTooLarge(tmp, src, "prompt_encoder.input_image_size", new int[] {g, g}, SamConfig::read,
                "prompt_encoder.input_image_size[0] " + g + " exceeds 16384");
    }

    @Test
    void invalidValuesNameFileAndField() throws Exception {
        Path src = samConfig();
        JsonNode ie = tree(src).get("image_encoder");
        int heads = ie.get("num_heads").intValue();
        int badEmbed = heads * 7 + 1;
        Path f1 = edited(tmp, "embed.json", src, n -> ((ObjectNode) n.get("image_encoder")).put("embed_dim", badEmbed));
        assertInvalid(f1, () -> SamConfig.read(f1), "image_encoder.embed_dim " + badEmbed + " is not divisible by image_encoder.num_heads " + heads);
        int depth = ie.get("depth").intValue();
        Path f2 = edited(tmp, "global.json", src, n -> ((ObjectNode) n.get("image_encoder")).putArray("global_attn_indexes").add(depth));
        assertInvalid(f2, () -> SamConfig.read(f2), "global_attn_indexes");
        Path f3 = edited(tmp, "width.json", src, n -> ((ObjectNode) n.get("prompt_encoder")).put("embed_dim", 2 * n.get("prompt_encoder").get("embed_dim").intValue()));
        assertInvalid(f3, () -> SamConfig.read(f3), "prompt_encoder.embed_dim", "must be equal");
        Path f4 = edited(tmp, "grid.json", src, n -> ((ObjectNode) n.get("prompt_encoder")).putArray("image_embedding_size").add(1).add(1));
        assertInvalid(f4, () -> SamConfig.read(f4), "prompt_encoder.image_embedding_size");
        Path f5 = edited(tmp, "std.json", src, n -> n.putArray("pixel_std").add(1.0).add(0.0).add(1.0));
        assertInvalid(f5, () -> SamConfig.read(f5), "pixel_std");
        Path f6 = edited(tmp, "img.json", src, n -> ((ObjectNode) n.get("image_encoder")).put("img_size", ie.get("patch_size").intValue() * 4 + 1));
        assertInvalid(f6, () -> SamConfig.read(f6), "image_encoder.img_size", "image_encoder.patch_size");
        Path f7 = edited(tmp, "mlp.json", src, n -> ((ObjectNode) n.get("mask_decoder").get("transformer")).put("mlp_dim", "wide"));
        assertInvalid(f7, () -> SamConfig.read(f7), "mask_decoder.transformer.mlp_dim");
    }
}
