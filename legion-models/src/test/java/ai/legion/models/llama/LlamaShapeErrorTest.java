package ai.legion.models.llama;

import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.lm.Generator;
import ai.legion.models.lm.KvCache;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LlamaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad inputs fail with IllegalArgumentException naming the block, the expectation and what was given. */
class LlamaShapeErrorTest {

    static void fails(String block, String fragment, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(block), ex.getMessage());
        assertTrue(ex.getMessage().contains(fragment), ex.getMessage());
    }

    @Test
    void badShapesAreReported() {
        LlamaConfig cfg = LlamaTestSupport.config(30, 16, 24, 1, 4, 2);
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM model = LlamaTestSupport.randomModel(cfg, params, 1);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = m.create(new long[] {1, 2, 3}).reshape(1, 3);
            fails("LlamaModel", "[B, T]", () -> model.forward(LmInput.ofIds(ids.reshape(1, 1, 3)), LogitsSelection.all()));
            fails("LlamaModel", "[0, 30)", () -> model.forward(LmInput.ofIds(m.create(new long[] {1, -200}).reshape(1, 2)),
                    LogitsSelection.all()));
            fails("LlamaModel", "[B, T, 16]", () -> model.forward(LmInput.ofEmbeds(m.zeros(new Shape(1, 3, 15))),
                    LogitsSelection.all()));
            fails("LlamaModel", "[1, 3]", () -> model.forward(LmInput.ofIds(ids).withAttentionMask(m.ones(new Shape(1, 4))),
                    LogitsSelection.all()));
            fails("LlamaModel", "position ids", () -> model.forward(LmInput.ofIds(ids)
                    .withPositionIds(m.arange(0, 4, 1, DataType.INT64).reshape(1, 4)), LogitsSelection.all()));
            fails("CausalLm", "last 4", () -> model.forward(LmInput.ofIds(ids), LogitsSelection.last(4)));
            fails("CausalLm", "exactly one", () -> new LmInput(ids, m.zeros(new Shape(1, 3, 16)), null, null, null, false));
            LlamaDecoderLayer layer = model.model().layers().get(0);
            RotaryEmbedding.CosSin cs = layer.selfAttn().rotary().forward(LlamaMasks.defaultPositionIds(m, 0, 3),
                    DataType.FLOAT32);
            fails("LlamaAttention", "[B, T, 16]", () -> layer.selfAttn().forward(ps, m.zeros(new Shape(1, 3, 12)), cs, null,
                    null, false));
            fails("LlamaDecoderLayer", "[B, T, 16]", () -> layer.forward(ps, m.zeros(new Shape(3, 16)), cs, null, null,
                    false));
            fails("LlamaMlp", "[..., 16]", () -> new LlamaMlp(cfg).forward(ps, m.zeros(new Shape(2, 8)), false));
            fails("RmsNorm", "[..., 16]", () -> new RmsNorm(16, 1e-5).forward(ps, m.zeros(new Shape(2, 8)), false));
            fails("RotaryEmbedding", "[B, T]", () -> layer.selfAttn().rotary().forward(m.zeros(new Shape(3)), DataType.FLOAT32));
            try (KvCache cache = model.newKvCache(m, 1, 4)) {
                model.prefillIds(ids, null, cache);
                fails("KvCache", "capacity 4", () -> model.prefillIds(ids, null, cache));
                fails("KvCache", "batch 2", () -> model.step(m.create(new long[] {1, 2}), null, cache));
                fails("LlamaForCausalLM", "[B] or [B, 1]", () -> model.step(ids, null, cache));
            }
            Generator gen = new Generator(model, 2, 0, t -> false);
            fails("Generator", "[T, 16]", () -> gen.generate(java.util.List.of(m.zeros(new Shape(2, 3, 16))),
                    GenerationOptions.DEFAULT.withMaxNewTokens(2), null));
        }
    }
}
