package ai.legion.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.WeightMap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A model created from scratch draws each parameter as its block declares, in registration order. The demo
 * model of 2026-11-27 was created that way (std 0.02, seed 0) with its CLIP tower at 64 px / 8-px patches
 * ({@code demo-created-clip-config.json}; the LLM and SAM sizes are the current demo model's) and trained with
 * that tower frozen, so its tower weights were the created ones, compared here in full when that model was
 * committed. {@code demo-created-seed0.tsv} holds the first three values of every drawn array of that creation
 * (checked element for element against the key-pattern rules {@code LegionModel.create} used before the blocks
 * declared their inits), so a reordered or re-ruled draw anywhere shows.
 */
class CreatedWeightsTest {

    private static final Path DEMO = Path.of(System.getProperty("basedir", "."), "..", "examples", "demo-model")
            .toAbsolutePath().normalize();

    @Test
    void initializeReproducesTheDemoModelsCreation() throws Exception {
        LegionConfig cfg = LegionConfig.read(DEMO.resolve("config.json"));
        ClipVisionConfig clip = ClipVisionConfig.read(Path.of(CreatedWeightsTest.class.getResource(
                "demo-created-clip-config.json").toURI()));
        SamConfig sam = SamConfig.read(DEMO.resolve("sam_config.json"));
        WeightMap all = LegionModel.expectedWeights(cfg, clip, sam, true, true);
        Map<String, Integer> kinds = new TreeMap<>();
        for (WeightMap.Entry e : all.entries().values()) {
            kinds.merge(e.init().toString(), 1, Integer::sum);
            if (e.key().endsWith(".bias")) {
                assertEquals(Init.ZEROS, e.init(), e.key());
            }
        }
        // linear/conv/embedding weights, biases, norm scales, SAM's Fourier matrix
        assertEquals(Map.of("NORMAL", 141, "ZEROS", 119, "ONES", 35, "N(0, 1.0²)", 1), kinds);
        assertEquals(Init.ONES, all.entries().get("model.grounding_encoder.image_encoder.neck.3.weight").init());
        try (NDManager m = NDManager.newBaseManager()) {
            all.initialize(m, 0.02f, 0);
            List<String> golden = readGolden();
            assertEquals(141 + 1, golden.size());
            for (String line : golden) {
                String[] f = line.split("\t");
                NDArray a = all.parameter(f[0]).getArray().flatten().get(new NDIndex("0:3"));
                assertArrayEquals(new float[] {Float.parseFloat(f[1]), Float.parseFloat(f[2]), Float.parseFloat(f[3])},
                        a.toFloatArray(), f[0]);
            }
        }
    }

    private static List<String> readGolden() throws IOException {
        try (InputStream in = CreatedWeightsTest.class.getResourceAsStream("demo-created-seed0.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }
}
