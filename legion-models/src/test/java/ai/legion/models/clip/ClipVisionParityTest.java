package ai.legion.models.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Parity of {@link GlobalImageEncoder} with HF {@code CLIPVisionModel} on {@code parity/clip_vision}. */
class ClipVisionParityTest {

    private static final double TOL = 1e-4;

    private static NDManager manager;
    private static ClipVisionConfig config;
    private static GlobalImageEncoder encoder;
    private static ParameterStore ps;

    @BeforeAll
    static void load() throws Exception {
        manager = NDManager.newBaseManager();
        config = ClipVisionConfig.read(Parity.folder("clip_vision").resolve("config.json"));
        encoder = new GlobalImageEncoder(config);
        try (Checkpoint weights = Parity.open("clip_vision", "model.safetensors")) {
            WeightMap.LoadReport report = Parity.loadWeights(encoder, "vision_model.", weights, manager,
                    GlobalImageEncoder.ignorableKeys());
            assertTrue(report.isComplete(), report.toString());
            assertEquals(encoder.weightMap("vision_model.").entries().size(), report.loaded().size());
            assertTrue(report.ignored().contains("vision_model.embeddings.position_ids"), report.toString());
        }
        ps = new ParameterStore(manager, false);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void everyHiddenStateLastHiddenStateAndPoolerMatchHf() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Parity.open("clip_vision", "io.safetensors")) {
            NDArray px = Parity.tensor(sub, io, "pixel_values");
            GlobalImageEncoder.Output out = encoder.forward(ps, px, false);
            int layers = config.numHiddenLayers();
            assertEquals(layers + 1, out.hiddenStates().size());
            assertTrue(out.isComplete());
            for (int i = 0; i <= layers; i++) {
                String key = "hidden_states." + i;
                report(key, Parity.tensor(sub, io, key), out.hiddenStates().get(i));
            }
            report("last_hidden_state", Parity.tensor(sub, io, "last_hidden_state"), out.lastHiddenState());
            report("pooler_output", Parity.tensor(sub, io, "pooler_output"), out.pooledOutput());
        }
    }

    @Test
    void preprocessedImageMatchesHf() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Parity.open("clip_vision", "io.safetensors")) {
            NDArray px = Parity.tensor(sub, io, "preprocess_pixel_values");
            GlobalImageEncoder.Output out = encoder.forward(ps, px, false);
            report("preprocess_last_hidden_state", Parity.tensor(sub, io, "preprocess_last_hidden_state"),
                    out.lastHiddenState());
        }
    }

    @Test
    void stoppingEarlyGivesIdenticalHiddenStates() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Parity.open("clip_vision", "io.safetensors")) {
            NDArray px = Parity.tensor(sub, io, "pixel_values");
            int layers = config.numHiddenLayers();
            GlobalImageEncoder.Output full = encoder.forward(ps, px, false);
            GlobalImageEncoder.Output early = encoder.forward(ps, px, layers - 1, false);
            assertEquals(layers, early.hiddenStates().size());
            assertEquals(layers - 1, early.layersRun());
            assertFalse(early.isComplete());
            for (int i = 0; i < layers; i++) {
                assertEquals(0.0, Parity.maxAbsDiff(full.hiddenStates().get(i), early.hiddenStates().get(i)),
                        "hidden_states." + i + " must not depend on where the run stops");
            }
            assertThrows(IllegalStateException.class, early::lastHiddenState);
            assertThrows(IllegalStateException.class, early::pooledOutput);
            assertThrows(IllegalStateException.class, () -> early.hiddenState(-1));
            // -2 resolves against the full model, not against the shorter list
            assertEquals(layers - 1, encoder.layersNeeded(-2));
            assertEquals(0.0, Parity.maxAbsDiff(full.hiddenStates().get(layers - 1), early.hiddenState(-2)));
            assertEquals(0.0, Parity.maxAbsDiff(GlobalImageEncoder.selectFeatures(full.hiddenStates(), -2, "patch"),
                    early.selectFeatures(-2, "patch")));
            // and the stored values agree too
            report("hidden_states." + (layers - 1) + " (early stop)", Parity.tensor(sub, io, "hidden_states." + (layers - 1)),
                    early.hiddenState(-2));
        }
    }

    @Test
    void float16WeightsRunInFloat16() throws Exception {
        // GPU inference option: weights narrowed to fp16, fp32 pixels cast to the weights' dtype as upstream does
        try (NDManager m16 = NDManager.newBaseManager(); Checkpoint io = Parity.open("clip_vision", "io.safetensors");
                Checkpoint weights = Parity.open("clip_vision", "model.safetensors")) {
            GlobalImageEncoder enc16 = new GlobalImageEncoder(config);
            enc16.weightMap("vision_model.").load(weights, m16, NDArrayLoader.FloatPolicy.FLOAT16,
                    GlobalImageEncoder.ignorableKeys(), true);
            GlobalImageEncoder.Output out = enc16.forward(new ParameterStore(m16, false),
                    Parity.tensor(m16, io, "pixel_values"), false);
            assertEquals(DataType.FLOAT16, out.lastHiddenState().getDataType());
            NDArray expected = Parity.tensor(m16, io, "last_hidden_state");
            double d = Parity.maxAbsDiff(expected, out.lastHiddenState());
            double scale = expected.abs().max().getFloat();
            System.out.printf("[clip_vision] fp16 last_hidden_state max|diff| = %.3e (max |value| %.2f)%n", d, scale);
            assertTrue(d <= 1e-2 * Math.max(1, scale), "fp16 drifted: " + d);
        }
    }

    private static void report(String name, NDArray expected, NDArray actual) {
        double d = Parity.maxAbsDiff(expected, actual);
        System.out.printf("[clip_vision] %-40s max|diff| = %.3e%n", name, d);
        Parity.assertClose(name, expected, actual, TOL);
    }
}
