package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.models.LegionModel;
import ai.legion.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command's arguments (the writing itself is tested in legion-models at fixture size; the real presets
 * write 6-18 GB), and what {@code legion inspect} counts for a folder with its CLIP tower in {@code clip/}.
 */
class CheckpointBenchmarkTest {

    @TempDir
    Path tmp;

    @Test
    void shardSizesReadLikeTransformersMaxShardSize() {
        CheckpointBenchmark.ByteSize size = new CheckpointBenchmark.ByteSize();
        assertEquals(10_000_000_000L, size.convert("10GB"));
        assertEquals(500_000_000L, size.convert("500MB"));
        assertEquals(2L << 30, size.convert("2GiB"));
        assertEquals(1_500_000L, size.convert("1.5 mb"));
        assertEquals(4096L, size.convert("4096"));
        assertThrows(IllegalArgumentException.class, () -> size.convert("ten GB"));
        assertThrows(IllegalArgumentException.class, () -> size.convert("0"));
    }

    @Test
    void anUnknownPresetIsAnInputErrorAndWritesNothing() {
        StringWriter err = new StringWriter();
        Path out = tmp.resolve("out");
        int code = LegionCli.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("bench", "checkpoint", "--preset", "legion-70b", "--out", out.toString());
        assertEquals(LegionCli.EXIT_INPUT, code, err.toString());
        assertTrue(err.toString().contains("unknown checkpoint preset 'legion-70b'"), err.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void inspectCountsTheClipTowerOfTheClipFolder() throws Exception {
        Path dir = Fixtures.path("parity/legion_tiny");
        StringWriter out = new StringWriter();
        int code = LegionCli.commandLine().setOut(new PrintWriter(out)).execute("inspect", dir.toString());
        assertEquals(0, code, out.toString());
        LegionConfig config = LegionConfig.read(dir.resolve("config.json"));
        ClipVisionConfig clip = ClipVisionConfig.read(dir.resolve("clip/config.json"));
        SamConfig sam = SamConfig.read(Fixtures.path("parity/sam/config.json"));
        long without = LegionModel.expectedWeights(config, clip, sam, true, false).parameterCount();
        long with = LegionModel.expectedWeights(config, clip, sam, true, true).parameterCount();
        assertTrue(out.toString().contains(String.format("LEGION model: %,d parameters", without)),
                out.toString());
        assertTrue(out.toString().contains(String.format("with the CLIP vision tower of clip/ (%,d "
                + "parameters, %d layers x %d): %,d parameters", with - without, clip.numHiddenLayers(),
                clip.hiddenSize(), with)), out.toString());
    }
}
