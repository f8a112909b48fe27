package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.assertTooLarge;
import static ai.legion.core.config.ConfigTestSupport.boolOr;
import static ai.legion.core.config.ConfigTestSupport.edited;
import static ai.legion.core.config.ConfigTestSupport.intOr;
import static ai.legion.core.config.ConfigTestSupport.textOr;
import static ai.legion.core.config.ConfigTestSupport.texts;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegionConfigTest {

    @TempDir
    Path tmp;

    private static final String MINIMAL = "{\"mm_hidden_size\": 64, \"mm_vision_tower\": \"tower\"}";

    @Test
    void readsLegionFixture() throws Exception {
        Path file = Fixtures.path("parity/legion_tiny/config.json");
        JsonNode t = tree(file);
        LegionConfig c = LegionConfig.read(file);

        LlamaConfigTest.assertMatchesTree(t, c.llama());
        assertEquals(t.get("mm_hidden_size").intValue(), c.mmHiddenSize());
        assertEquals(textOr(t, "mm_projector_type", "linear"), c.mmProjectorType());
        assertEquals(intOr(t, "mm_vision_select_layer", -2), c.mmVisionSelectLayer());
        assertEquals(textOr(t, "mm_vision_select_feature", "patch"), c.mmVisionSelectFeature());
        assertEquals(textOr(t, "mm_vision_tower", null), c.mmVisionTower());
        assertEquals(textOr(t, "vision_tower", null), c.visionTowerName());
        assertEquals(textOr(t, "mm_vision_module", null), c.mmVisionModule());
        assertEquals(boolOr(t, "mm_use_im_start_end", false), c.mmUseImStartEnd());
        assertEquals(intOr(t, "out_dim", 256), c.outDim());
        List<String> arch = t.has("architectures") && !t.get("architectures").isNull() ? texts(t.get("architectures")) : List.of();
        assertEquals(arch, c.architectures());
        assertEquals(boolOr(t, "with_region", true), c.withRegion());
        assertEquals(intOr(t, "bbox_token_idx", 32002), c.bboxTokenIdx());
        assertEquals(textOr(t, "torch_dtype", null), c.torchDtype());
        assertEquals(boolOr(t, "use_cache", true), c.useCache());

        String tower = textOr(t, "mm_vision_tower", textOr(t, "vision_tower", textOr(t, "mm_vision_module", null)));
        assertEquals(tower, c.visionTower());
        assertEquals(arch.contains("LegionForCls"), c.hasDetectionHeadHint());
        String type = c.mmProjectorType();
        int expectedDepth = type.equals("linear") ? 1 : Integer.parseInt(type.substring(3, type.indexOf('x')));
        assertEquals(expectedDepth, c.projectorDepth());
    }

    @Test
    void legionFixtureMatchesItsClipTower() throws Exception {
        LegionConfig c = LegionConfig.read(Fixtures.path("parity/legion_tiny/config.json"));
        ClipVisionConfig clip = ClipVisionConfig.read(Fixtures.path("parity/legion_tiny/clip/config.json"));
        assertEquals(clip.hiddenSize(), c.mmHiddenSize(), "mm_hidden_size is the tower width");
        int idx = c.visionSelectLayerIndex(clip.numHiddenLayers());
        assertTrue(idx >= 0 && idx <= clip.numHiddenLayers());
        assertEquals(c.selectsClsToken() ? clip.numPositions() : clip.numPatches(), c.numImageTokens(clip));
    }

    @Test
    void absentFieldsTakeUpstreamDefaults() throws Exception {
        Path f = write(tmp, "config.json", MINIMAL);
        LegionConfig c = LegionConfig.read(f);
        assertEquals(LlamaConfig.read(f), c.llama());
        assertEquals(4096, c.llama().hiddenSize());
        assertEquals("linear", c.mmProjectorType());
        assertEquals(1, c.projectorDepth());
        assertEquals(-2, c.mmVisionSelectLayer());
        assertEquals("patch", c.mmVisionSelectFeature());
        assertFalse(c.mmUseImStartEnd());
        assertEquals(256, c.outDim());
        assertEquals(List.of(), c.architectures());
        assertFalse(c.hasDetectionHeadHint());
        assertTrue(c.withRegion());
        assertEquals(32002, c.bboxTokenIdx());
        assertNull(c.torchDtype());
        assertTrue(c.useCache());
        assertEquals("tower", c.visionTower());
    }

    @Test
    void visionTowerTakesTheFirstNonNullName() throws Exception {
        Path all = write(tmp, "all.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"a\", \"vision_tower\": \"b\","
                + " \"mm_vision_module\": \"c\"}");
        assertEquals("a", LegionConfig.read(all).visionTower());
        Path two = write(tmp, "two.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": null, \"vision_tower\": \"b\","
                + " \"mm_vision_module\": \"c\"}");
        assertEquals("b", LegionConfig.read(two).visionTower());
        Path one = write(tmp, "one.json", "{\"mm_hidden_size\": 8, \"mm_vision_module\": \"c\"}");
        LegionConfig c = LegionConfig.read(one);
        assertEquals("c", c.visionTower());
        assertNull(c.mmVisionTower());
        Path none = write(tmp, "none.json", "{\"mm_hidden_size\": 8}");
        assertInvalid(none, () -> LegionConfig.read(none), "mm_vision_tower", "vision_tower", "mm_vision_module");
    }

    @Test
    void projectorTypes() throws Exception {
        for (int depth : new int[] {1, 2, 3, 12}) {
            Path f = write(tmp, "p" + depth + ".json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"t\","
                    + " \"mm_projector_type\": \"mlp" + depth + "x_gelu\"}");
            assertEquals(depth, LegionConfig.read(f).projectorDepth());
        }
        for (String bad : new String[] {"mlp2x_relu", "identity", "mlp0x_gelu", "mlpx_gelu", "MLP2X_GELU"}) {
            Path f = write(tmp, "bad.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"t\","
                    + " \"mm_projector_type\": \"" + bad + "\"}");
            assertInvalid(f, () -> LegionConfig.read(f), "mm_projector_type", bad);
        }
    }

    @Test
    void detectionHeadHint() throws Exception {
        Path f = write(tmp, "cls.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"t\","
                + " \"architectures\": [\"GLaMMForCausalLM\", \"LegionForCls\"]}");
        assertTrue(LegionConfig.read(f).hasDetectionHeadHint());
        Path g = write(tmp, "glamm.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"t\","
                + " \"architectures\": [\"GLaMMForCausalLM\"]}");
        assertFalse(LegionConfig.read(g).hasDetectionHeadHint());
    }

    @Test
    void invalidValuesNameFileAndField() throws Exception {
        Path src = Fixtures.path("parity/legion_tiny/config.json");
        Path f1 = edited(tmp, "nomm.json", src, n -> n.remove("mm_hidden_size"));
        assertInvalid(f1, () -> LegionConfig.read(f1), "mm_hidden_size", "missing");
        Path f2 = edited(tmp, "feat.json", src, n -> n.put("mm_vision_select_feature", "cls"));
        assertInvalid(f2, () -> LegionConfig.read(f2), "mm_vision_select_feature", "cls");
        Path f3 = edited(tmp, "out.json", src, n -> n.put("out_dim", 0));
        assertInvalid(f3, () -> LegionConfig.read(f3), "out_dim 0");
        int heads = tree(src).get("num_attention_heads").intValue();
        Path f4 = edited(tmp, "hidden.json", src, n -> n.put("hidden_size", heads * 3 + 1));
        assertInvalid(f4, () -> LegionConfig.read(f4), "hidden_size " + (heads * 3 + 1), "num_attention_heads " + heads);
        Path f5 = edited(tmp, "rope.json", src, n -> n.putObject("rope_scaling").put("type", "dynamic"));
        assertInvalid(f5, () -> LegionConfig.read(f5), "rope_scaling");
        Path f6 = edited(tmp, "arch.json", src, n -> n.put("architectures", "LegionForCls"));
        assertInvalid(f6, () -> LegionConfig.read(f6), "architectures");
        Path f7 = edited(tmp, "mm.json", src, n -> n.put("mm_hidden_size", "wide"));
        assertInvalid(f7, () -> LegionConfig.read(f7), "mm_hidden_size");
    }

    @Test
    void sizesFarAboveAnyModelAreRejectedNamingTheKey() throws Exception {
        Path src = Fixtures.path("parity/legion_tiny/config.json");
        int g = 1_000_000_000;
        assertTooLarge(tmp, src, "num_hidden_layers", g, LegionConfig::read, "num_hidden_layers " + g + " exceeds");
        assertTooLarge(tmp, src, "vocab_size", g, LegionConfig::read, "vocab_size " + g + " exceeds");
        assertTooLarge(tmp, src, "mm_hidden_size", g, LegionConfig::read, "mm_hidden_size " + g + " exceeds 65536");
        assertTooLarge(tmp, src, "mm_vision_select_layer", -g, LegionConfig::read, "|mm_vision_select_layer|");
        assertTooLarge(tmp, src, "mm_projector_type", "mlp9999x_gelu", LegionConfig::read, "mm_projector_type",
                "N in 1..1024");
    }

    @Test
    void visionSelectLayerIndexResolvesPythonIndexes() throws Exception {
        LegionConfig c = Presets.legion7B();
        assertEquals(23, c.visionSelectLayerIndex(24));
        Path f = write(tmp, "last.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"t\", \"mm_vision_select_layer\": 5}");
        assertEquals(5, LegionConfig.read(f).visionSelectLayerIndex(24));
        assertThrows(IllegalArgumentException.class, () -> LegionConfig.read(f).visionSelectLayerIndex(3));
        Path g = write(tmp, "neg.json", "{\"mm_hidden_size\": 8, \"mm_vision_tower\": \"t\", \"mm_vision_select_layer\": -30}");
        assertThrows(IllegalArgumentException.class, () -> LegionConfig.read(g).visionSelectLayerIndex(24));
    }
}
