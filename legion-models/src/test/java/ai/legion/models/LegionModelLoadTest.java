package ai.legion.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.SamConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.models.testing.Parity;
import ai.legion.models.testing.TinyLegion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What loading a checkpoint that does not fit the model reports. */
class LegionModelLoadTest {

    @TempDir
    Path tmp;

    static SamConfig sam() throws Exception {
        return SamConfig.read(Parity.folder("sam").resolve("config.json"));
    }

    private Path copyWithout(String drop) throws Exception {
        return TinyLegion.copyWithout(tmp.resolve("model"), drop);
    }

    @Test
    void missingKeysFailStrictLoadsAndAreReportedOtherwise() throws Exception {
        String gone = "model.layers.1.mlp.down_proj.weight";
        Path dir = copyWithout(gone);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionModel.loader().model(dir)
                .clip(Parity.folder("legion_tiny/clip")).samConfig(sam()).load());
        assertTrue(e.getMessage().contains("missing 1 [" + gone + "]"), e.getMessage());
        try (LegionModel m = LegionModel.loader().model(dir).clip(Parity.folder("legion_tiny/clip")).samConfig(sam())
                .strict(false).load()) {
            assertEquals(java.util.List.of(gone), m.loadReport().missing());
            assertFalse(m.loadReport().isComplete());
        }
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapes() throws Exception {
        SamConfig real = sam();
        SamConfig.ImageEncoder enc = real.imageEncoder();
        // one more global block than the checkpoint has: its rel_pos tables have another length
        java.util.List<Integer> globals = new java.util.ArrayList<>(enc.globalAttnIndexes());
        int changed = -1;
        for (int i = 0; i < enc.depth(); i++) {
            if (!globals.contains(i)) {
                globals.add(i);
                changed = i;
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(changed >= 0 && enc.windowSize() > 0,
                "fixture SAM has only global blocks: no windowed block to turn global");
        SamConfig wrong = new SamConfig(new SamConfig.ImageEncoder(enc.imgSize(), enc.patchSize(), enc.inChans(),
                enc.embedDim(), enc.depth(), enc.numHeads(), enc.mlpRatio(), enc.outChans(), enc.qkvBias(),
                enc.useAbsPos(), enc.useRelPos(), enc.windowSize(), globals, enc.layerNormEps()),
                real.promptEncoder(), real.maskDecoder(), real.pixelMean(), real.pixelStd());
        String key = "model.grounding_encoder.image_encoder.blocks." + changed + ".attn.rel_pos_h";
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionModel.loader()
                .model(Parity.folder("legion_tiny")).clip(Parity.folder("legion_tiny/clip")).samConfig(wrong).load());
        assertEquals(key, e.tensor(), e.getMessage());
        assertTrue(e.getMessage().contains("shape mismatch: checkpoint has ["), e.getMessage());
        assertTrue(e.getMessage().contains("the model expects ["), e.getMessage());
    }

    @Test
    void withoutTheClipFolderTheMessageSaysWhatToPass() throws Exception {
        // the checkpoint without its clip/ sub-folder (which the loader would otherwise find by itself)
        Path noClip = tmp.resolve("no-clip");
        java.nio.file.Files.createDirectories(noClip);
        try (var files = java.nio.file.Files.list(Parity.folder("legion_tiny"))) {
            for (Path f : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile)::iterator) {
                java.nio.file.Files.copy(f, noClip.resolve(f.getFileName().toString()));
            }
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionModel.loader()
                .model(noClip).samConfig(sam()).load());
        assertTrue(e.getMessage().contains(".clip(dir)"), e.getMessage());
    }

    @Test
    void samSizesAreInferredFromTheCheckpointWhenNotGiven() throws Exception {
        SamConfig expected = sam();
        int heads = expected.maskDecoder().transformer().numHeads();
        try (LegionModel m = LegionModel.loader().model(Parity.folder("legion_tiny"))
                .clip(Parity.folder("legion_tiny/clip")).decoderHeads(heads).load()) {
            assertEquals(expected.imageEncoder().embedDim(), m.samConfig().imageEncoder().embedDim());
            assertEquals(expected.imageEncoder().globalAttnIndexes(), m.samConfig().imageEncoder().globalAttnIndexes());
            assertTrue(m.loadReport().missing().isEmpty());
        }
    }
}
