package ai.legion.models.llama;

import ai.legion.models.lm.StepOutput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.CausalLmOutput;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.KvCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import org.junit.jupiter.api.Test;

/**
 * Grouped-query attention (num_key_value_heads < num_attention_heads) against a manual reference:
 * the same model as plain multi-head attention whose k/v projections repeat each KV head's rows for
 * its query heads (HF {@code repeat_kv}: query head h uses KV head h / groups). No fixture exists.
 */
class LlamaGqaTest {

    @Test
    void groupedQueryAttentionEqualsExplicitlyRepeatedKv() {
        for (int kvHeads : new int[] {1, 2}) {
            LlamaConfig gqaCfg = LlamaTestSupport.config(61, 32, 48, 2, 4, kvHeads);
            LlamaConfig mhaCfg = LlamaTestSupport.config(61, 32, 48, 2, 4, 4);
            try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
                LlamaForCausalLM gqa = LlamaTestSupport.randomModel(gqaCfg, params, 11 + kvHeads);
                LlamaForCausalLM mha = new LlamaForCausalLM(mhaCfg);
                WeightMap src = gqa.weightMap("");
                int groups = gqaCfg.numKeyValueGroups();
                int hd = gqaCfg.headDim();
                for (WeightMap.Entry e : mha.weightMap("").entries().values()) {
                    NDArray w = src.parameter(e.key()).getArray();
                    if (e.key().endsWith("k_proj.weight") || e.key().endsWith("v_proj.weight")) {
                        assertEquals(new Shape((long) kvHeads * hd, 32), w.getShape());
                        // [kv*hd, H] -> [kv, 1, hd, H] -> [kv, groups, hd, H] -> [heads*hd, H]
                        w = w.reshape(kvHeads, 1, hd, 32).broadcast(kvHeads, groups, hd, 32).reshape(4L * hd, 32);
                    } else {
                        w = w.duplicate();
                    }
                    e.parameter().setArray(w);
                }
                NDArray ids = m.create(new long[] {0, 0, 5, 9, 13, 60, 2, 7, 1, 3, 4, 5, 6, 7, 8, 9}, new Shape(2, 8));
                NDArray mask = m.create(new long[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, new Shape(2, 8));
                LmInput in = LmInput.ofIds(ids).withAttentionMask(mask).withHiddenStates(true);
                CausalLmOutput a = gqa.forward(in, LogitsSelection.all());
                CausalLmOutput b = mha.forward(in, LogitsSelection.all());
                double d = Parity.maxAbsDiff(b.logits(), a.logits());
                System.out.printf("[llama gqa] kv heads %d: logits max|diff| vs repeated-kv MHA %.3e%n", kvHeads, d);
                Parity.assertClose("GQA logits (kv " + kvHeads + ")", b.logits(), a.logits(), 1e-5);
                for (int i = 0; i < a.hiddenStates().size(); i++) {
                    Parity.assertClose("GQA hidden " + i, b.hiddenStates().get(i), a.hiddenStates().get(i), 1e-5);
                }
                assertTrue(Parity.maxAbsDiff(b.logits(), b.logits().mul(0)) > 0.1, "non-trivial logits");

                // incremental decoding with the smaller GQA cache equals full recomputation
                try (KvCache cache = gqa.newKvCache(m, 2, 8)) {
                    assertEquals(new Shape(2, kvHeads, 8, hd), cache.keys(0).getShape());
                    ParameterStore ps = new ParameterStore(m, false);
                    StepOutput s = gqa.prefillIds(ps, ids.get(new NDIndex(":, 0:5")), mask.get(new NDIndex(":, 0:5")),
                            cache);
                    for (int pos = 4; pos < 8; pos++) {
                        if (pos > 4) {
                            s = gqa.step(ps, ids.get(new NDIndex(":, {}", pos)), mask.get(new NDIndex(":, 0:{}", pos + 1)),
                                    cache);
                        }
                        Parity.assertClose("GQA cached logits at " + pos, a.logits().get(new NDIndex(":, {}, :", pos)),
                                s.logits(), 1e-5);
                        Parity.assertClose("GQA cached hidden at " + pos,
                                a.lastHiddenState().get(new NDIndex(":, {}, :", pos)), s.hidden(), 1e-5);
                    }
                }
            }
        }
    }
}
