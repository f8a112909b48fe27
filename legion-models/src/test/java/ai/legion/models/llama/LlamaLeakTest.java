package ai.legion.models.llama;

import ai.legion.models.testing.GreedyProbe;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.KvCache;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.config.LoraConfig;
import ai.legion.models.lora.LoraAdapters;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Forward passes inside sub-managers leave nothing behind in the parameters' (or the cache's) manager. */
class LlamaLeakTest {

    @Test
    void forwardsInSubManagersDoNotGrowLongLivedManagers() {
        LlamaConfig cfg = LlamaTestSupport.config(40, 16, 24, 2, 4, 2);
        try (NDManager base = NDManager.newBaseManager(); NDManager params = NDManager.newBaseManager();
                NDManager cacheManager = NDManager.newBaseManager()) {
            LlamaForCausalLM model = LlamaTestSupport.randomModel(cfg, params, 3);
            LoraConfig lc = new LoraConfig("LORA", 2, 4, 0.1, LoraConfig.TargetModules.of(List.of("q_proj", "v_proj")),
                    "none", "CAUSAL_LM", false, null, false, null);
            LoraAdapters.apply(model, "", lc, LoraAdapters.NONE_EXCLUDED, 5, DataType.FLOAT32);
            int paramsBefore = params.getManagedArrays().size();

            for (int i = 0; i < 50; i++) {
                try (NDManager sub = base.newSubManager()) {
                    NDArray ids = sub.create(new long[] {0, 3, 4, 5, 1, 2, 3, 4}, new Shape(2, 4));
                    NDArray mask = sub.create(new long[] {0, 1, 1, 1, 1, 1, 1, 1}, new Shape(2, 4));
                    LmInput in = LmInput.ofIds(ids).withAttentionMask(mask).withHiddenStates(true);
                    // training mode too: LoRA dropout must not leak either
                    model.forward(new ParameterStore(sub, false), in, LogitsSelection.positions(1, 3), i % 2 == 0);
                    model.forward(in, LogitsSelection.all());
                }
            }
            assertEquals(paramsBefore, params.getManagedArrays().size(), "parameter manager grew");

            try (KvCache cache = model.newKvCache(cacheManager, 1, 60)) {
                int cacheBefore = cacheManager.getManagedArrays().size();
                try (NDManager sub = base.newSubManager()) {
                    model.prefillIds(sub.create(new long[] {1, 5, 6}).reshape(1, 3), null, cache);
                }
                for (int i = 0; i < 50; i++) {
                    try (NDManager sub = base.newSubManager()) {
                        model.step(sub.create(new long[] {(i * 7) % 40}), null, cache);
                    }
                }
                assertEquals(53, cache.length());
                assertEquals(cacheBefore, cacheManager.getManagedArrays().size(), "cache manager grew");
            }
            assertEquals(paramsBefore, params.getManagedArrays().size(), "parameter manager grew (cache)");

            try (NDManager callers = base.newSubManager()) {
                NDArray prompt = model.embed(new ParameterStore(callers, false), callers.create(new long[] {1, 7, 8, 9})
                        .reshape(1, 4), false).get(0);
                int before = callers.getManagedArrays().size();
                for (int i = 0; i < 10; i++) {
                    GreedyProbe.Result r = GreedyProbe.run(model, prompt, 6, 39, 0);
                    assertEquals(new Shape(r.tokens().length, 16), r.producing().getShape());
                    r.producing().close();
                }
                assertEquals(before, callers.getManagedArrays().size(), "generator left arrays in the caller's manager");
            }
            for (int i = 0; i < 20; i++) {
                LoraAdapters.mergeAll(model);
                LoraAdapters.unmergeAll(model);
            }
            assertEquals(paramsBefore, params.getManagedArrays().size(), "merge/unmerge grew the parameter manager");
        }
    }
}
