package ai.legion.models.llama;

import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.CausalLmOutput;
import ai.legion.models.lm.LmInput;
import static ai.legion.models.llama.LlamaTestSupport.validRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.models.lora.LoraAdapters;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parity (d): the PEFT 0.5 LoRA adapter of parity/llama, unmerged, merged, unmerged again, saved and reloaded. */
class LlamaLoraParityTest {

    static LlamaForCausalLM loadBase(LlamaConfig cfg, NDManager params) throws Exception {
        LlamaForCausalLM model = new LlamaForCausalLM(cfg);
        try (Checkpoint w = Parity.open("llama", "model.safetensors")) {
            WeightMap.LoadReport r = Parity.loadWeights(model, "", w, params, LlamaModel.IGNORABLE_KEYS);
            assertTrue(r.isComplete(), r.toString());
        }
        return model;
    }

    static void close(String what, NDArray expected, NDArray actual, double tol) {
        LlamaParityTest.report(what, Parity.maxAbsDiff(expected, actual));
        Parity.assertClose(what, expected, actual, tol);
    }

    @Test
    void loraUnmergedMergedUnmergedSavedReloaded(@TempDir Path tmp) throws Exception {
        Path dir = Parity.folder("llama");
        LlamaConfig cfg = LlamaConfig.read(dir.resolve("config.json"));
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager();
                Checkpoint io = Parity.open("llama", "io.safetensors")) {
            LlamaForCausalLM model = loadBase(cfg, params);
            WeightMap weights = model.weightMap("");
            Map<String, NDArray> original = new HashMap<>();
            for (String k : weights.entries().keySet()) {
                original.put(k, weights.parameter(k).getArray().duplicate());
            }

            LoraAdapters.LoadReport rep = LoraAdapters.load(model, "", dir, LoraAdapters.LEGION_EXCLUDED,
                    DataType.FLOAT32, true);
            assertTrue(rep.isComplete(), rep.toString());
            LoraConfig lc = rep.config();
            List<String> expectedModules = new ArrayList<>();
            for (String name : LoraAdapters.linearModules(model, "").keySet()) {
                if (lc.targets(name)) {
                    expectedModules.add(name);
                }
            }
            assertEquals(expectedModules, rep.modules());
            assertEquals(2 * rep.modules().size(), rep.loaded().size());
            for (String name : rep.modules()) {
                Linear lin = LoraAdapters.linearModules(model, "").get(name);
                assertEquals(lc.r(), lin.rank());
                assertEquals(lc.scaling(), lin.scaling(), 0);
            }
            // LEGION's find_proj_layers over this model gives exactly the config's target list
            assertEquals(new TreeSet<>(lc.targetNames()), new TreeSet<>(LoraAdapters.findProjLayers(model, "",
                    List.of("q_proj", "v_proj"), LoraAdapters.LEGION_EXCLUDED)));

            NDArray ids = Parity.tensor(m, io, "a_input_ids");
            NDArray mask = Parity.tensor(m, io, "a_attention_mask");
            long[] maskv = mask.toLongArray();
            long t = ids.getShape().get(1);
            LmInput in = LmInput.ofIds(ids).withAttentionMask(mask);

            CausalLmOutput unmerged = model.forward(in, LogitsSelection.all());
            checkOutputs("d unmerged", io, unmerged, maskv, t, m);

            assertEquals(rep.modules().size(), LoraAdapters.mergeAll(model));
            for (String name : rep.modules()) {
                String key = name + ".weight";
                close("d_merged." + key, Parity.tensor(m, io, "d_merged." + key), weights.parameter(key).getArray(), 1e-6);
            }
            CausalLmOutput merged = model.forward(in, LogitsSelection.all());
            checkOutputs("d merged", io, merged, maskv, t, m);

            LoraAdapters.unmergeAll(model);
            for (Map.Entry<String, NDArray> e : original.entrySet()) {
                if (!e.getKey().contains("lora_")) {
                    Parity.assertClose("unmerged " + e.getKey(), e.getValue(), weights.parameter(e.getKey()).getArray(),
                            1e-6);
                }
            }
            close("d unmerged again logits", unmerged.logits(), model.forward(in, LogitsSelection.all()).logits(), 1e-5);

            // save in PEFT layout and reload into a fresh model: same tensors, same config
            Path saved = tmp.resolve("adapter");
            LoraAdapters.save(model, "", lc, saved);
            assertTrue(Files.isRegularFile(saved.resolve("adapter_config.json")));
            try (Checkpoint a = Checkpoints.open(dir.resolve("adapter_model.safetensors"));
                    Checkpoint b = Checkpoints.open(saved.resolve("adapter_model.safetensors"))) {
                assertEquals(new TreeSet<>(a.keys()), new TreeSet<>(b.keys()));
                for (String k : a.keys()) {
                    Parity.assertClose(k, Parity.tensor(m, a, k), Parity.tensor(m, b, k), 0);
                }
            }
            assertEquals(lc, LoraConfig.read(saved.resolve("adapter_config.json")));
            LlamaForCausalLM fresh = loadBase(cfg, params);
            LoraAdapters.LoadReport rep2 = LoraAdapters.load(fresh, "", saved, LoraAdapters.LEGION_EXCLUDED,
                    DataType.FLOAT32, true);
            assertTrue(rep2.isComplete(), rep2.toString());
            assertEquals(lc, rep2.config());
            WeightMap w1 = model.weightMap("");
            WeightMap w2 = fresh.weightMap("");
            assertEquals(new TreeSet<>(w1.entries().keySet()), new TreeSet<>(w2.entries().keySet()));
            assertEquals(weights.entries().size() + 2 * rep.modules().size(), w2.entries().size());
            for (String k : w1.entries().keySet()) {
                // adapters bit-identical; base weights went through merge + unmerge (1-ulp rounding) in `model`
                Parity.assertClose("reloaded " + k, w1.parameter(k).getArray(), w2.parameter(k).getArray(),
                        k.contains(".lora_") ? 0 : 1e-6);
            }
            Parity.assertClose("reloaded logits", unmerged.logits(), fresh.forward(in, LogitsSelection.all()).logits(), 0);
        }
    }

    @Test
    void peftBinAdapterLoadsLikeSafetensors(@TempDir Path tmp) throws Exception {
        // the same adapter as a torch.save zip (adapter_model.bin), as PEFT 0.5 writes by default
        Path dir = Parity.folder("llama");
        Path binDir = tmp.resolve("bin");
        Files.createDirectories(binDir);
        Files.copy(dir.resolve("adapter_config.json"), binDir.resolve("adapter_config.json"));
        try (Checkpoint src = Checkpoints.open(dir.resolve("adapter_model.safetensors"))) {
            ai.legion.core.io.torch.TorchCheckpointWriter w = new ai.legion.core.io.torch.TorchCheckpointWriter();
            for (String k : src.keys()) {
                w.add(src.info(k), out -> src.copyTo(k, out));
            }
            w.write(binDir.resolve("adapter_model.bin"));
        }
        LlamaConfig cfg = LlamaConfig.read(dir.resolve("config.json"));
        try (NDManager params = NDManager.newBaseManager()) {
            LlamaForCausalLM a = loadBase(cfg, params);
            LlamaForCausalLM b = loadBase(cfg, params);
            LoraAdapters.load(a, "", dir, LoraAdapters.LEGION_EXCLUDED, DataType.FLOAT32, true);
            LoraAdapters.LoadReport r = LoraAdapters.load(b, "", binDir, LoraAdapters.LEGION_EXCLUDED, DataType.FLOAT32,
                    true);
            assertTrue(r.isComplete(), r.toString());
            WeightMap wa = a.weightMap("");
            WeightMap wb = b.weightMap("");
            assertEquals(wa.entries().keySet(), wb.entries().keySet());
            for (String k : wa.entries().keySet()) {
                Parity.assertClose(k, wa.parameter(k).getArray(), wb.parameter(k).getArray(), 0);
            }
        }
    }

    static void checkOutputs(String what, Checkpoint io, CausalLmOutput out, long[] maskv, long t, NDManager m)
            throws Exception {
        close(what + " d_lora_last_hidden_post_norm (valid)",
                validRows(Parity.tensor(m, io, "d_lora_last_hidden_post_norm"), maskv, t),
                validRows(out.lastHiddenState(), maskv, t), 1e-4);
        NDArray last3 = Parity.tensor(m, io, "d_lora_logits_last3");
        long n = last3.getShape().get(1);
        long b = last3.getShape().get(0);
        long[] mask3 = new long[(int) (b * n)];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < n; j++) {
                mask3[(int) (i * n + j)] = maskv[(int) (i * t + t - n + j)];
            }
        }
        NDArray mine = out.logits().get(new ai.djl.ndarray.index.NDIndex(":, {}:, :", t - n));
        close(what + " d_lora_logits_last3 (valid)", validRows(last3, mask3, n), validRows(mine, mask3, n), 1e-3);
        long[] argmax = Parity.tensor(m, io, "d_lora_logits_argmax").toLongArray();
        long[] my = out.logits().argMax(-1).toType(DataType.INT64, false).toLongArray();
        for (int i = 0; i < argmax.length; i++) {
            if (maskv[i] != 0) {
                assertEquals(argmax[i], my[i], what + " d_lora_logits_argmax at " + i);
            }
        }
        close(what + " d_lora_logits_logsumexp (valid)",
                LlamaParityTest.select(Parity.tensor(m, io, "d_lora_logits_logsumexp"), maskv),
                LlamaParityTest.select(LlamaTestSupport.logsumexp(out.logits()), maskv), 1e-3);
    }
}
