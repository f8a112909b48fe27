package ai.legion.models.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.SafetensorsWriter;
import ai.legion.models.LegionModel;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.LinearTest;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Module naming, targeting, PEFT load/save and merge over a LEGION-shaped toy tree. */
class LoraAdaptersTest {

    /** A container block with named children. */
    static final class Node extends LegionBlock {
        Node add(String name, ai.djl.nn.Block b) {
            child(name, b);
            return this;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            return in;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    static final int H = 6;

    /** model.layers.{0,1}.self_attn.{q,k,v}_proj, model.mm_projector.0 and .q_proj (excluded by LEGION), lm_head. */
    static Node toy(NDManager params, long seed) {
        Node layers = new Node();
        for (int i = 0; i < 2; i++) {
            Node attn = new Node().add("q_proj", new Linear(H, H, false)).add("k_proj", new Linear(H, 4, false))
                    .add("v_proj", new Linear(H, 4, false));
            layers.add(String.valueOf(i), new Node().add("self_attn", attn));
        }
        Node projector = new Node().add("0", new Linear(3, H, true)).add("q_proj", new Linear(H, H, false));
        Node model = new Node().add("layers", layers).add("mm_projector", projector);
        Node root = new Node().add("model", model).add("lm_head", new Linear(H, 9, false));
        int k = 0;
        for (WeightMap.Entry e : root.weightMap("").entries().values()) {
            e.parameter().setArray(params.create(LinearTest.random((int) e.shape().size(), seed + k++, 0.5), e.shape()));
        }
        return root;
    }

    static LoraConfig config(List<String> targets, List<String> modulesToSave) {
        return new LoraConfig("LORA", 2, 8, 0.05, LoraConfig.TargetModules.of(targets), "none", "CAUSAL_LM", false,
                modulesToSave, false, null);
    }

    @Test
    void namesTargetsAndLegionExclusion() {
        try (NDManager params = NDManager.newBaseManager()) {
            Node root = toy(params, 0);
            Map<String, Linear> all = LoraAdapters.linearModules(root, "");
            assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                    "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.k_proj",
                    "model.layers.1.self_attn.v_proj", "model.mm_projector.0", "model.mm_projector.q_proj", "lm_head"),
                    List.copyOf(all.keySet()));
            assertTrue(LoraAdapters.linearModules(root, "base_model.model.").containsKey("base_model.model.lm_head"));
            List<String> legion = LoraAdapters.findProjLayers(root, "", List.of("q_proj", "v_proj"),
                    LoraAdapters.LEGION_EXCLUDED);
            assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                    "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"), legion);
            Map<String, Linear> applied = LoraAdapters.apply(root, "", config(List.of("q_proj", "v_proj"), null),
                    LoraAdapters.LEGION_EXCLUDED, 7, DataType.FLOAT32);
            assertEquals(legion, List.copyOf(applied.keySet()));
            assertFalse(all.get("model.mm_projector.q_proj").hasAdapter());
            assertFalse(all.get("model.layers.0.self_attn.k_proj").hasAdapter());
            assertEquals(8, LoraAdapters.adapterParameters(root).size());
            assertThrows(IllegalStateException.class, () -> LoraAdapters.apply(root, "",
                    config(List.of("q_proj"), null), LoraAdapters.LEGION_EXCLUDED, 7, DataType.FLOAT32));
            assertThrows(IllegalArgumentException.class, () -> LoraAdapters.apply(root, "",
                    config(List.of("nothing_here"), null), LoraAdapters.NONE_EXCLUDED, 7, DataType.FLOAT32));

            LoraAdapters.markOnlyAdaptersTrainable(root);
            for (Parameter p : LoraAdapters.adapterParameters(root)) {
                assertTrue(p.requiresGradient());
            }
            assertFalse(all.get("lm_head").weightParameter().requiresGradient());
            assertFalse(all.get("model.layers.0.self_attn.q_proj").weightParameter().requiresGradient());
        }
    }

    @Test
    void saveLoadRoundTripWithModulesToSave(@TempDir Path tmp) throws Exception {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Node root = toy(params, 0);
            LoraConfig cfg = config(List.of("q_proj", "v_proj"), List.of("lm_head"));
            LoraAdapters.apply(root, "", cfg, LoraAdapters.LEGION_EXCLUDED, 3, DataType.FLOAT32);
            // make B non-zero so the adapter matters
            for (Linear lin : LoraAdapters.linearModules(root, "").values()) {
                if (lin.hasAdapter()) {
                    NDArray a = lin.adapterParameters().get(0).getArray();
                    lin.setAdapterWeights(a, m.ones(lin.adapterParameters().get(1).getArray().getShape()).mul(0.25f));
                }
            }
            LoraAdapters.save(root, "", cfg, tmp);
            Node fresh = toy(params, 100); // different base weights, lm_head included
            LoraAdapters.LoadReport r = LoraAdapters.load(fresh, "", tmp, LoraAdapters.LEGION_EXCLUDED, DataType.FLOAT32,
                    true);
            assertTrue(r.isComplete(), r.toString());
            assertEquals(cfg, r.config());
            assertEquals(9, r.loaded().size()); // 4 modules x (A, B) + lm_head.weight
            Map<String, Linear> a = LoraAdapters.linearModules(root, "");
            Map<String, Linear> b = LoraAdapters.linearModules(fresh, "");
            for (String name : a.keySet()) {
                assertEquals(a.get(name).hasAdapter(), b.get(name).hasAdapter(), name);
                for (int i = 0; i < a.get(name).adapterParameters().size(); i++) {
                    Parity.assertClose(name, a.get(name).adapterParameters().get(i).getArray(),
                            b.get(name).adapterParameters().get(i).getArray(), 0);
                }
            }
            Parity.assertClose("modules_to_save lm_head", a.get("lm_head").weightParameter().getArray(),
                    b.get("lm_head").weightParameter().getArray(), 0);
            // merge/unmerge over the tree
            NDArray before = b.get("model.layers.1.self_attn.v_proj").weightParameter().getArray().duplicate();
            assertEquals(4, LoraAdapters.mergeAll(fresh));
            assertTrue(Parity.maxAbsDiff(before, b.get("model.layers.1.self_attn.v_proj").weightParameter().getArray())
                    > 1e-3);
            assertEquals(4, LoraAdapters.unmergeAll(fresh));
            Parity.assertClose("unmerge", before, b.get("model.layers.1.self_attn.v_proj").weightParameter().getArray(),
                    1e-6);
        }
    }

    @Test
    void peftKeyVariantsMissingUnexpectedAndShapeErrors(@TempDir Path tmp) throws Exception {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            LoraConfig cfg = config(List.of("model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"), null);
            // full-state-dict names with the ".default" infix, one module missing, one stray key
            cfg.write(tmp.resolve("adapter_config.json"));
            NDArray a = m.create(LinearTest.random(2 * H, 1, 0.5), new Shape(2, H));
            NDArray bm = m.create(LinearTest.random(H * 2, 2, 0.5), new Shape(H, 2));
            new SafetensorsWriter()
                    .add("base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight", a)
                    .add("base_model.model.model.layers.0.self_attn.q_proj.lora_B.default.weight", bm)
                    .add("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", a)
                    .write(tmp.resolve("adapter_model.safetensors"));
            Node root = toy(params, 0);
            CheckpointException strict = assertThrows(CheckpointException.class, () -> LoraAdapters.load(root, "", tmp,
                    LoraAdapters.NONE_EXCLUDED, DataType.FLOAT32, true));
            assertTrue(strict.getMessage().contains("layers.1.self_attn.q_proj.lora_A.weight"), strict.getMessage());
            assertTrue(strict.getMessage().contains("k_proj.lora_A.weight"), strict.getMessage());
            assertTrue(LoraAdapters.adapterParameters(root).isEmpty(), "strict failure changes nothing");

            LoraAdapters.LoadReport r = LoraAdapters.load(root, "", tmp, LoraAdapters.NONE_EXCLUDED, DataType.FLOAT32,
                    false);
            assertEquals(List.of("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight"), r.missing());
            assertEquals(List.of("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"), r.unexpected());
            Linear q0 = LoraAdapters.linearModules(root, "").get("model.layers.0.self_attn.q_proj");
            Parity.assertClose("A via .default. key", a, q0.adapterParameters().get(0).getArray(), 0);
            Parity.assertClose("B via .default. key", bm, q0.adapterParameters().get(1).getArray(), 0);
            Linear q1 = LoraAdapters.linearModules(root, "").get("model.layers.1.self_attn.q_proj");
            assertEquals(0f, q1.adapterParameters().get(1).getArray().abs().max().getFloat(), 0, "missing: B stays 0");

            // wrong rank in the file
            Path bad = tmp.resolve("bad");
            config(List.of("model.layers.0.self_attn.q_proj"), null).write(bad.resolve("adapter_config.json"));
            new SafetensorsWriter()
                    .add("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", m.zeros(new Shape(3, H)))
                    .add("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", m.zeros(new Shape(H, 3)))
                    .write(bad.resolve("adapter_model.safetensors"));
            CheckpointException shape = assertThrows(CheckpointException.class, () -> LoraAdapters.load(toy(params, 0), "",
                    bad, LoraAdapters.NONE_EXCLUDED, DataType.FLOAT32, true));
            assertTrue(shape.getMessage().contains("[3," + H + "]") && shape.getMessage().contains("[2," + H + "]"),
                    shape.getMessage());
            assertThrows(CheckpointException.class, () -> LoraAdapters.load(root, "", tmp.resolve("nowhere"),
                    LoraAdapters.NONE_EXCLUDED, DataType.FLOAT32, true));
        }
    }

    @Test
    void anyLinearLayerOfAnyBlockCanCarryAnAdapter() {
        ClipVisionConfig cfg = new ClipVisionConfig(8, 12, 2, 2, 3, 6, 3, "quick_gelu", 1e-5, 8);
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            GlobalImageEncoder clip = new GlobalImageEncoder(cfg);
            clip.weightMap("vision_model.").initialize(params, 0.5f, 5);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray px = m.create(LinearTest.random(3 * 36, 8, 1), new Shape(1, 3, 6, 6));
            NDArray before = clip.forward(ps, px, false).lastHiddenState();
            Map<String, Linear> applied = LoraAdapters.apply(clip, "vision_model.",
                    config(List.of("q_proj", "fc1"), null), LoraAdapters.NONE_EXCLUDED, 3, DataType.FLOAT32);
            String layer = "vision_model.encoder.layers.";
            assertEquals(List.of(layer + "0.self_attn.q_proj", layer + "0.mlp.fc1", layer + "1.self_attn.q_proj",
                    layer + "1.mlp.fc1"), List.copyOf(applied.keySet()));
            Parity.assertClose("fresh adapters (B = 0)", before, clip.forward(ps, px, false).lastHiddenState(), 0);
            for (Linear lin : applied.values()) {
                NDArray a = lin.adapterParameters().get(0).getArray();
                lin.setAdapterWeights(a, m.ones(lin.adapterParameters().get(1).getArray().getShape()).mul(0.3f));
            }
            NDArray adapted = clip.forward(ps, px, false).lastHiddenState();
            assertTrue(Parity.maxAbsDiff(before, adapted) > 1e-3);
            assertEquals(4, LoraAdapters.mergeAll(clip));
            Parity.assertClose("merged", adapted, clip.forward(ps, px, false).lastHiddenState(), 1e-4);
            // LEGION's exclusion keeps adapters off the tower inside a LEGION checkpoint
            assertThrows(IllegalArgumentException.class, () -> LoraAdapters.apply(new GlobalImageEncoder(cfg),
                    LegionModel.TOWER_PREFIX, config(List.of("q_proj"), null), LoraAdapters.LEGION_EXCLUDED, 3,
                    DataType.FLOAT32));
        }
    }
}
