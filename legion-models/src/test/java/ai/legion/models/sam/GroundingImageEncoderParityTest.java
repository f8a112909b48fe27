package ai.legion.models.sam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Parity of the grounding image encoder with upstream SAM ({@code parity/sam}) and with the image
 * embeddings of the tiny LEGION checkpoint ({@code parity/legion_tiny}). Every size comes from the
 * fixture config.
 */
class GroundingImageEncoderParityTest {

    private static final double TOL = 1e-4;
    private static final String SAM_PREFIX = "image_encoder.";
    private static final String LEGION_PREFIX = "model.grounding_encoder.image_encoder.";

    static SamConfig samConfig() throws Exception {
        return SamConfig.read(Parity.folder("sam").resolve("config.json"));
    }

    /** Loads the encoder's weights non-strictly and asserts that exactly the encoder's keys matched. */
    static void loadEncoder(GroundingImageEncoder enc, Checkpoint ckpt, String prefix, NDManager manager)
            throws Exception {
        WeightMap map = enc.weightMap(prefix);
        WeightMap.LoadReport report = map.load(ckpt, manager, NDArrayLoader.FloatPolicy.FLOAT32, k -> false, false);
        assertTrue(report.missing().isEmpty(), "missing encoder keys: " + report.missing());
        List<String> strayEncoderKeys = report.unexpected().stream().filter(k -> k.startsWith(prefix))
                .collect(Collectors.toList());
        assertTrue(strayEncoderKeys.isEmpty(), "checkpoint encoder keys the model does not take: " + strayEncoderKeys);
        assertEquals(map.entries().size(), report.loaded().size());
    }

    @Test
    void samFixtureMatchesEveryIntermediate() throws Exception {
        SamConfig cfg = samConfig();
        GroundingImageEncoder enc = new GroundingImageEncoder(cfg);
        try (NDManager m = NDManager.newBaseManager();
                Checkpoint weights = Parity.open("sam", "model.safetensors");
                Checkpoint io = Parity.open("sam", "io.safetensors")) {
            loadEncoder(enc, weights, SAM_PREFIX, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray pixels = Parity.tensor(m, io, "preprocessed");
            GroundingImageEncoder.Intermediates out = enc.forwardWithIntermediates(ps, pixels, false);

            StringBuilder errors = new StringBuilder();
            check("enc_patch_embed", Parity.tensor(m, io, "enc_patch_embed"), out.patchEmbed(), errors);
            assertEquals(cfg.imageEncoder().depth(), out.blocks().size());
            for (int i = 0; i < out.blocks().size(); i++) {
                check("enc_block." + i, Parity.tensor(m, io, "enc_block." + i), out.blocks().get(i), errors);
            }
            NDArray expected = Parity.tensor(m, io, "image_embeddings");
            check("image_embeddings", expected, out.imageEmbeddings(), errors);
            System.out.println("[sam parity] max |diff|: " + errors);

            // the plain forward is the same computation
            Parity.assertClose("forward == forwardWithIntermediates", out.imageEmbeddings(),
                    enc.forward(ps, pixels, false), 0.0);
        }
    }

    private static void check(String name, NDArray expected, NDArray actual, StringBuilder log) {
        log.append(name).append('=').append(String.format("%.3g", Parity.maxAbsDiff(expected, actual))).append(' ');
        Parity.assertClose(name, expected, actual, TOL);
    }

    @Test
    void legionCheckpointGivesTheStoredImageEmbeddings() throws Exception {
        GroundingImageEncoder enc = new GroundingImageEncoder(samConfig());
        try (NDManager m = NDManager.newBaseManager();
                Checkpoint weights = Checkpoints.open(Parity.folder("legion_tiny"));
                Checkpoint io = Parity.open("legion_tiny", "io.safetensors")) {
            loadEncoder(enc, weights, LEGION_PREFIX, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray pixels = Parity.tensor(m, io, "sam_pixel_values");
            NDArray expected = Parity.tensor(m, io, "image_embeddings");
            NDArray actual = enc.forward(ps, pixels, false);
            System.out.println("[legion_tiny parity] image_embeddings max |diff|: " + Parity.maxAbsDiff(expected, actual));
            Parity.assertClose("legion_tiny image_embeddings", expected, actual, TOL);
        }
    }

    @Test
    void batchRowsAreIndependent() throws Exception {
        GroundingImageEncoder enc = new GroundingImageEncoder(samConfig());
        try (NDManager m = NDManager.newBaseManager();
                Checkpoint weights = Parity.open("sam", "model.safetensors");
                Checkpoint io = Parity.open("sam", "io.safetensors")) {
            loadEncoder(enc, weights, SAM_PREFIX, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray pixels = Parity.tensor(m, io, "preprocessed");
            NDArray other = pixels.flip(3).mul(0.5f);
            NDArray both = enc.forward(ps, pixels.concat(other, 0), false);
            Parity.assertClose("batch row 0", Parity.tensor(m, io, "image_embeddings"),
                    both.get(new NDIndex("0:1")), TOL);
            Parity.assertClose("batch row 1", enc.forward(ps, other, false), both.get(new NDIndex("1:2")), 1e-5);
        }
    }
}
