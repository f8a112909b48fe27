package ai.legion.eval.css;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ConfigException;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.models.nn.WeightMap;
import ai.legion.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity of {@link BertModel}, {@link Pooling} with HF {@code BertModel} + the sentence-transformers
 * formulas on {@code parity/minilm} (sizes from the fixture's config).
 */
class MiniLmParityTest {

    private static final double TOL = 1e-4;

    private static NDManager manager;
    private static BertConfig config;
    private static BertModel model;
    private static ParameterStore ps;

    static Path folder() {
        return Fixtures.path("parity/minilm");
    }

    @BeforeAll
    static void load() throws Exception {
        manager = NDManager.newBaseManager();
        config = BertConfig.read(folder().resolve("config.json"));
        model = new BertModel(config);
        try (Checkpoint weights = Checkpoints.open(folder().resolve("model.safetensors"))) {
            WeightMap.LoadReport report = model.load(weights, manager, NDArrayLoader.FloatPolicy.FLOAT32);
            assertTrue(report.isComplete(), report.toString());
            assertEquals(model.weightMap("").entries().size(), report.loaded().size());
            assertTrue(report.ignored().contains("embeddings.position_ids"), report.toString());
            assertTrue(report.loaded().contains("encoder.layer.0.attention.self.query.weight"));
            assertTrue(report.loaded().contains("pooler.dense.weight"));
        }
        ps = new ParameterStore(manager, false);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static NDArray tensor(NDManager m, Checkpoint io, String key) throws CheckpointException {
        return NDArrayLoader.load(io, key, m, NDArrayLoader.FloatPolicy.FLOAT32);
    }

    private static double maxAbsDiff(NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape(), "shape");
        return expected.toType(DataType.FLOAT32, false).sub(actual.toType(DataType.FLOAT32, false)).abs().max().getFloat();
    }

    private static void report(String name, NDArray expected, NDArray actual) {
        double d = maxAbsDiff(expected, actual);
        System.out.printf("[minilm] %-22s max|diff| = %.3e%n", name, d);
        assertTrue(d <= TOL, name + ": max |diff| " + d + " > " + TOL);
    }

    @Test
    void hiddenStatesPoolerEmbeddingsAndCosineMatchUpstream() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Checkpoints.open(folder().resolve("io.safetensors"))) {
            NDArray ids = tensor(sub, io, "input_ids");
            NDArray mask = tensor(sub, io, "attention_mask");
            NDArray types = tensor(sub, io, "token_type_ids");
            BertModel.Output out = model.forward(ps, ids, mask, types, false);
            assertEquals(config.numHiddenLayers() + 1, out.hiddenStates().size());
            for (int i = 0; i <= config.numHiddenLayers(); i++) {
                report("hidden_states." + i, tensor(sub, io, "hidden_states." + i), out.hiddenStates().get(i));
            }
            report("last_hidden_state", tensor(sub, io, "last_hidden_state"), out.lastHiddenState());
            report("pooler_output", tensor(sub, io, "pooler_output"), out.pooledOutput());
            NDArray emb = Pooling.mean(out.lastHiddenState(), mask);
            report("sentence_embeddings", tensor(sub, io, "sentence_embeddings"), emb);
            report("cosine_similarity", tensor(sub, io, "cosine_similarity"), Pooling.cosineMatrix(emb, emb));
            // token type ids default to zeros, as in the fixture
            report("last_hidden (no types)", tensor(sub, io, "last_hidden_state"),
                    model.forward(ps, ids, mask, null, false).lastHiddenState());
        }
    }

    @Test
    void hostSideCosineMatchesTheFixture() throws Exception {
        try (SafetensorsFile io = SafetensorsFile.open(folder().resolve("io.safetensors"))) {
            float[] e = Fixtures.floats(io, "sentence_embeddings");
            float[] cos = Fixtures.floats(io, "cosine_similarity");
            int b = (int) io.info("sentence_embeddings").shape()[0];
            int h = (int) io.info("sentence_embeddings").shape()[1];
            double worst = 0;
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < b; j++) {
                    float[] a = Arrays.copyOfRange(e, i * h, (i + 1) * h);
                    float[] c = Arrays.copyOfRange(e, j * h, (j + 1) * h);
                    worst = Math.max(worst, Math.abs(Pooling.cosine(a, c) - cos[i * b + j]));
                }
            }
            System.out.printf("[minilm] host cosine max|diff| = %.3e%n", worst);
            assertTrue(worst <= TOL, "host cosine " + worst);
        }
    }

    @Test
    void paddingDoesNotChangeRealTokens() throws Exception {
        // the shortest fixture row alone, unpadded, gives the same embedding as inside the padded batch
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Checkpoints.open(folder().resolve("io.safetensors"))) {
            NDArray ids = tensor(sub, io, "input_ids");
            NDArray mask = tensor(sub, io, "attention_mask");
            long rows = ids.getShape().get(0);
            long last = rows - 1;
            long len = mask.get(last).sum().getLong();
            NDArray one = ids.get(last + ":" + rows + ", 0:" + len);
            NDArray oneMask = mask.get(last + ":" + rows + ", 0:" + len);
            NDArray emb = Pooling.mean(model.forward(ps, one, oneMask, null, false).lastHiddenState(), oneMask);
            report("unpadded row", tensor(sub, io, "sentence_embeddings").get(last + ":" + rows), emb);
        }
    }

    @Test
    void badInputsAreRejected() {
        try (NDManager sub = manager.newSubManager()) {
            NDArray tooBig = sub.create(new long[] {0, config.vocabSize()}).reshape(1, 2);
            assertThrows(IllegalArgumentException.class, () -> model.forward(ps, tooBig, null, null, false));
            NDArray floats = sub.create(new float[] {1, 2}).reshape(1, 2);
            assertThrows(IllegalArgumentException.class, () -> model.forward(ps, floats, null, null, false));
            NDArray tooLong = sub.zeros(new Shape(1, config.maxPositionEmbeddings() + 1), DataType.INT64);
            assertThrows(IllegalArgumentException.class, () -> model.forward(ps, tooLong, null, null, false));
            NDArray ids = sub.zeros(new Shape(1, 3), DataType.INT64);
            NDArray badMask = sub.ones(new Shape(1, 4), DataType.INT64);
            assertThrows(IllegalArgumentException.class, () -> model.forward(ps, ids, badMask, null, false));
        }
    }

    @Test
    void configValidation(@TempDir Path dir) throws Exception {
        BertConfig minilm = BertConfig.paraphraseMiniLmL6();
        minilm.validate();
        assertEquals(32, minilm.headDim());
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"hidden_size\": 30, \"num_attention_heads\": 4}");
        ConfigException e = assertThrows(ConfigException.class, () -> BertConfig.read(f));
        assertTrue(e.getMessage().contains("hidden_size 30"), e.getMessage());
        Files.writeString(f, "{\"hidden_act\": \"relu\"}");
        assertThrows(ConfigException.class, () -> BertConfig.read(f));
        Files.writeString(f, "{\"hidden_size\": \"32\"}");
        assertThrows(ConfigException.class, () -> BertConfig.read(f));
        Files.writeString(f, "{}");
        assertEquals(768, BertConfig.read(f).hiddenSize());
    }
}
