package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.assertTooLarge;
import static ai.legion.core.config.ConfigTestSupport.doubleOr;
import static ai.legion.core.config.ConfigTestSupport.edited;
import static ai.legion.core.config.ConfigTestSupport.intOr;
import static ai.legion.core.config.ConfigTestSupport.textOr;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipVisionConfigTest {

    @TempDir
    Path tmp;

    static void assertMatchesTree(JsonNode t, ClipVisionConfig c) {
        assertEquals(intOr(t, "hidden_size", 768), c.hiddenSize());
        assertEquals(intOr(t, "intermediate_size", 3072), c.intermediateSize());
        assertEquals(intOr(t, "num_hidden_layers", 12), c.numHiddenLayers());
        assertEquals(intOr(t, "num_attention_heads", 12), c.numAttentionHeads());
        assertEquals(intOr(t, "num_channels", 3), c.numChannels());
        assertEquals(intOr(t, "image_size", 224), c.imageSize());
        assertEquals(intOr(t, "patch_size", 32), c.patchSize());
        assertEquals(textOr(t, "hidden_act", "quick_gelu"), c.hiddenAct());
        assertEquals(doubleOr(t, "layer_norm_eps", 1e-5), c.layerNormEps());
        assertEquals(intOr(t, "projection_dim", 512), c.projectionDim());
        int grid = c.imageSize() / c.patchSize();
        assertEquals(grid, c.gridSize());
        assertEquals(grid * grid, c.numPatches());
        assertEquals(grid * grid + 1, c.numPositions());
        assertEquals(c.hiddenSize() / c.numAttentionHeads(), c.headDim());
    }

    @Test
    void readsBareClipVisionConfig() throws Exception {
        Path file = Fixtures.path("parity/clip_vision/config.json");
        ClipVisionConfig c = ClipVisionConfig.read(file);
        assertMatchesTree(tree(file), c);
    }

    @Test
    void readsFullClipConfigThroughVisionConfig() throws Exception {
        Path file = Fixtures.path("parity/legion_tiny/clip/config.json");
        JsonNode t = tree(file);
        ClipVisionConfig c = ClipVisionConfig.read(file);
        assertMatchesTree(t.get("vision_config"), c);
        // the top-level projection_dim / text_config must not leak into the vision view
        assertEquals(intOr(t.get("vision_config"), "projection_dim", 512), c.projectionDim());
    }

    @Test
    void partialVisionConfigIsFilledWithHfDefaults() throws Exception {
        // shaped like openai/clip-vit-large-patch14-336: only non-default values are stored
        Path f = write(tmp, "config.json", "{\"model_type\": \"clip\", \"projection_dim\": 768,"
                + " \"text_config\": {\"hidden_size\": 768},"
                + " \"vision_config\": {\"hidden_size\": 1024, \"image_size\": 336, \"intermediate_size\": 4096,"
                + " \"num_attention_heads\": 16, \"num_hidden_layers\": 24, \"patch_size\": 14, \"projection_dim\": 768}}");
        assertEquals(Presets.clipL336(), ClipVisionConfig.read(f));
    }

    @Test
    void fallbacksForClipConfigsWithoutVisionConfig() throws Exception {
        Path legacy = write(tmp, "legacy.json", "{\"model_type\": \"clip\", \"vision_config_dict\": {\"hidden_size\": 1024,"
                + " \"num_attention_heads\": 16}}");
        ClipVisionConfig c = ClipVisionConfig.read(legacy);
        assertEquals(1024, c.hiddenSize());
        assertEquals(16, c.numAttentionHeads());
        assertEquals(224, c.imageSize());
        Path bare = write(tmp, "clip.json", "{\"model_type\": \"clip\", \"projection_dim\": 99}");
        assertEquals(ClipVisionConfig.defaults(), ClipVisionConfig.read(bare));
    }

    @Test
    void emptyObjectGivesClipVisionConfigDefaults() throws Exception {
        Path f = write(tmp, "empty.json", "{}");
        ClipVisionConfig c = ClipVisionConfig.read(f);
        assertEquals(new ClipVisionConfig(768, 3072, 12, 12, 3, 224, 32, "quick_gelu", 1e-5, 512), c);
        assertEquals(ClipVisionConfig.defaults(), c);
        assertEquals(49, c.numPatches());
        assertEquals(50, c.numPositions());
        assertEquals(64, c.headDim());
    }

    @Test
    void invalidValuesNameFileAndField() throws Exception {
        Path src = Fixtures.path("parity/clip_vision/config.json");
        JsonNode t = tree(src);
        int patch = intOr(t, "patch_size", 32);
        int badImage = patch * 3 + 1;
        Path f1 = edited(tmp, "image.json", src, n -> n.put("image_size", badImage));
        assertInvalid(f1, () -> ClipVisionConfig.read(f1), "image_size " + badImage + " is not divisible by patch_size " + patch);
        int heads = intOr(t, "num_attention_heads", 12);
        Path f2 = edited(tmp, "hidden.json", src, n -> n.put("hidden_size", heads * 5 + 1));
        assertInvalid(f2, () -> ClipVisionConfig.read(f2), "hidden_size " + (heads * 5 + 1), "num_attention_heads " + heads);
        Path f3 = edited(tmp, "act.json", src, n -> n.put("hidden_act", "relu"));
        assertInvalid(f3, () -> ClipVisionConfig.read(f3), "hidden_act", "relu");
        Path f4 = edited(tmp, "layers.json", src, n -> n.put("num_hidden_layers", -1));
        assertInvalid(f4, () -> ClipVisionConfig.read(f4), "num_hidden_layers -1");

        Path full = Fixtures.path("parity/legion_tiny/clip/config.json");
        Path f5 = edited(tmp, "nested.json", full, n -> ((ObjectNode) n.get("vision_config")).put("patch_size", "14"));
        assertInvalid(f5, () -> ClipVisionConfig.read(f5), "vision_config.patch_size");
        Path f6 = edited(tmp, "nested2.json", full, n -> ((ObjectNode) n.get("vision_config")).put("hidden_act", "swish"));
        assertInvalid(f6, () -> ClipVisionConfig.read(f6), "hidden_act", "swish");
        Path f7 = edited(tmp, "notobj.json", full, n -> n.put("vision_config", 5));
        assertInvalid(f7, () -> ClipVisionConfig.read(f7), "vision_config");
    }

    @Test
    void sizesFarAboveAnyModelAreRejectedNamingTheKey() throws Exception {
        Path src = Fixtures.path("parity/clip_vision/config.json");
        int g = 1_000_000_000;
        assertTooLarge(tmp, src, "num_hidden_layers", g, ClipVisionConfig::read, "num_hidden_layers " + g + " exceeds");
        assertTooLarge(tmp, src, "hidden_size", g, ClipVisionConfig::read, "hidden_size " + g + " exceeds 65536");
        assertTooLarge(tmp, src, "image_size", 1_000_000, ClipVisionConfig::read, "image_size 1000000 exceeds 16384");
        Path grid = write(tmp, "grid.json", "{\"image_size\": 16384, \"patch_size\": 8}");
        assertInvalid(grid, () -> ClipVisionConfig.read(grid), "patch grid image_size / patch_size 2048 exceeds 1024");
        Path full = Fixtures.path("parity/legion_tiny/clip/config.json");
        assertTooLarge(tmp, full, "vision_config.num_hidden_layers", g, ClipVisionConfig::read, "num_hidden_layers");
    }

    @Test
    void geluIsAccepted() throws Exception {
        Path f = write(tmp, "h14.json", "{\"hidden_size\": 1280, \"intermediate_size\": 5120, \"num_hidden_layers\": 32,"
                + " \"num_attention_heads\": 16, \"image_size\": 224, \"patch_size\": 14, \"hidden_act\": \"gelu\","
                + " \"projection_dim\": 1024}");
        assertEquals(Presets.clipH14(), ClipVisionConfig.read(f));
    }
}
