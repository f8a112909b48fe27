package ai.legion.models.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.util.List;

/** Builds a {@link PixelDecoder} from the parity fixtures (every size from the fixture config). */
final class DecoderFixture {

    private DecoderFixture() {}

    /** {@code parity/sam/config.json} (also the grounding encoder of {@code legion_tiny}). */
    static SamConfig samConfig() throws Exception {
        return SamConfig.read(Parity.folder("sam").resolve("config.json"));
    }

    /**
     * Loads a pixel decoder's weights non-strictly and checks that none of its keys is missing and
     * that every key left over belongs to something else ({@code allowedPrefix}, e.g. the image encoder).
     */
    static WeightMap.LoadReport load(PixelDecoder decoder, String prefix, Checkpoint ckpt, NDManager manager,
            List<String> allowedPrefixes) throws Exception {
        WeightMap map = decoder.weightMap(prefix);
        WeightMap.LoadReport report = map.load(ckpt, manager, NDArrayLoader.FloatPolicy.FLOAT32, k -> false, false);
        assertTrue(report.missing().isEmpty(), "missing pixel decoder keys: " + report.missing());
        for (String k : report.unexpected()) {
            assertTrue(allowedPrefixes.stream().anyMatch(k::startsWith), "unexpected key " + k);
        }
        assertEquals(map.entries().size(), report.loaded().size(), "every pixel decoder key loaded");
        return report;
    }

    /** A SAM pixel decoder with the {@code parity/sam} weights (prefix ""). */
    static PixelDecoder samDecoder(NDManager manager) throws Exception {
        PixelDecoder d = new PixelDecoder(samConfig());
        try (Checkpoint ckpt = Parity.open("sam", "model.safetensors")) {
            load(d, "", ckpt, manager, List.of("image_encoder."));
        }
        return d;
    }
}
