package ai.legion.core.config;

import java.util.Map;
import static ai.legion.core.config.ConfigTestSupport.isDefaultFixtureRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.legion.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** {@link Presets}: every preset validates; real dimensions follow the upstream config files. */
class ConfigPresetsTest {

    @Test
    void allPresetsValidate() throws Exception {
        Presets.legion7B().validate();
        Presets.clipL336().validate();
        Presets.clipL336Processor().validate();
        Presets.clipH14().validate();
        Presets.samVitH().validate();
        Presets.addedTokens().validate();
        Presets.legionTiny().validate();
        Presets.clipTiny().validate();
        Presets.samTiny().validate();
        ClipVisionConfig.defaults().validate();
        ClipImageProcessorConfig.defaults().validate();
    }

    @Test
    void legion7B() throws Exception {
        LegionConfig c = Presets.legion7B();
        LlamaConfig l = c.llama();
        assertEquals(32007, l.vocabSize());
        assertEquals(4096, l.hiddenSize());
        assertEquals(11008, l.intermediateSize());
        assertEquals(32, l.numHiddenLayers());
        assertEquals(32, l.numAttentionHeads());
        assertEquals(32, l.numKeyValueHeads());
        assertEquals(128, l.headDim());
        assertEquals(4096, l.maxPositionEmbeddings());
        assertEquals(1e-5, l.rmsNormEps());
        assertEquals(10000.0, l.ropeTheta());
        assertFalse(l.tieWordEmbeddings());
        assertEquals(1024, c.mmHiddenSize());
        assertEquals(256, c.outDim());
        assertEquals("mlp2x_gelu", c.mmProjectorType());
        assertEquals(2, c.projectorDepth());
        assertEquals(-2, c.mmVisionSelectLayer());
        assertEquals("openai/clip-vit-large-patch14-336", c.visionTower());
        assertEquals(32002, c.bboxTokenIdx());
        assertEquals(AddedTokens.glamm().id("<bbox>"), c.bboxTokenIdx());
        assertTrue(AddedTokens.glamm().maxId().getAsInt() < l.vocabSize());
        assertEquals(576, c.numImageTokens(Presets.clipL336()));
        assertEquals(23, c.visionSelectLayerIndex(Presets.clipL336().numHiddenLayers()));
        assertEquals(Presets.samVitH().promptEncoder().embedDim(), c.outDim());
    }

    @Test
    void clipTowers() {
        ClipVisionConfig l = Presets.clipL336();
        assertEquals(24, l.gridSize());
        assertEquals(576, l.numPatches());
        assertEquals(577, l.numPositions());
        assertEquals(64, l.headDim());
        assertEquals(768, l.projectionDim());
        assertEquals("quick_gelu", l.hiddenAct());
        assertEquals(336, Presets.clipL336Processor().size().shortestEdge());
        assertEquals(336, Presets.clipL336Processor().cropSize().height());

        ClipVisionConfig h = Presets.clipH14();
        assertEquals(256, h.numPatches());
        assertEquals(257, h.numPositions());
        assertEquals(80, h.headDim());
        assertEquals(1024, h.projectionDim());
        assertEquals("gelu", h.hiddenAct());
    }

    @Test
    void samVitH() {
        SamConfig s = Presets.samVitH();
        assertEquals(SamConfig.vitH(), s);
        assertEquals(64, s.gridSize());
        assertEquals(80, s.headDim());
    }

    /** The tiny presets describe the in-repo fixtures; other fixture roots have other sizes. */
    @Test
    void tinyPresetsEqualTheInRepoFixtures() throws Exception {
        assumeTrue(isDefaultFixtureRoot(), "tiny presets only describe legion-core's own fixtures");
        // the file also carries GLaMM fields no LEGION record names (with_region flags, region features, ...)
        assertEquals(Presets.legionTiny(), LegionConfig.read(Fixtures.path("parity/legion_tiny/config.json")).withExtras(Map.of()));
        assertEquals(Presets.clipTiny(), ClipVisionConfig.read(Fixtures.path("parity/clip_vision/config.json")));
        assertEquals(Presets.clipTiny(), ClipVisionConfig.read(Fixtures.path("parity/legion_tiny/clip/config.json")));
        assertEquals(Presets.samTiny(), SamConfig.read(Fixtures.path("parity/sam/config.json")));
    }
}
