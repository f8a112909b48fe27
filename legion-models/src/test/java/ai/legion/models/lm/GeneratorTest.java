package ai.legion.models.lm;

import static ai.legion.models.testing.Parity.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.io.Checkpoint;
import ai.legion.models.LegionModel;
import ai.legion.models.testing.Parity;
import ai.legion.models.testing.TinyLegion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    static LegionModel model;
    static Checkpoint io;
    static NDManager data;

    @BeforeAll
    static void load() throws Exception {
        model = TinyLegion.load();
        io = Parity.open("legion_tiny", "io.safetensors");
        data = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        data.close();
        io.close();
        model.close();
    }

    static long[] ids(String key) throws Exception {
        return Parity.tensor(data, io, key).toType(DataType.INT64, false).flatten().toLongArray();
    }

    Generator generator() {
        long seg = model.segTokenId();
        return new Generator(model.llm(), model.config().llama().eosTokenId(), model.config().llama().padTokenId(),
                t -> t == seg);
    }

    NDArray promptEmbeds(NDManager m, long[] prompt) throws Exception {
        ParameterStore ps = new ParameterStore(m, false);
        NDArray image = model.encodeImage(ps, Parity.tensor(m, io, "clip_pixel_values"), false).tokens().get(0);
        return model.spliceImage(ps, prompt, image, false);
    }

    @Test
    void greedyMatchesUpstreamWithAndWithoutTheCache() throws Exception {
        long[] expected = ids("gen_new_tokens");
        try (NDManager m = data.newSubManager()) {
            NDArray p = promptEmbeds(m, ids("prompt_input_ids"));
            for (boolean cache : new boolean[] {true, false}) {
                GenerationOptions o = GenerationOptions.DEFAULT.withMaxNewTokens(expected.length).withKvCache(cache);
                List<Generator.Sequence> r = generator().generate(List.of(p), o, null);
                assertArrayEquals(expected, r.get(0).tokens(), "cache " + cache);
            }
        }
    }

    /** A shorter prompt batched (left-padded) with the full one gives the same tokens as alone. */
    @Test
    void batchedPromptsOfDifferentLengthsEqualSerialRuns() throws Exception {
        long[] full = ids("prompt_input_ids");
        int image = 0;
        while (full[image] != -200) {
            image++;
        }
        long[] shorter = Arrays.copyOf(full, Math.max(image + 2, full.length - 4));
        GenerationOptions o = GenerationOptions.DEFAULT.withMaxNewTokens(8);
        try (NDManager m = data.newSubManager()) {
            NDArray a = promptEmbeds(m, full);
            NDArray b = promptEmbeds(m, shorter);
            List<Generator.Sequence> batch = generator().generate(List.of(a, b), o, null);
            long[] aloneA = generator().generate(List.of(a), o, null).get(0).tokens();
            long[] aloneB = generator().generate(List.of(b), o, null).get(0).tokens();
            assertArrayEquals(aloneA, batch.get(0).tokens());
            assertArrayEquals(aloneB, batch.get(1).tokens());
        }
    }

    /** Forced [SEG]s: the captured states equal a full teacher-forced recomputation at the producing positions. */
    @Test
    void segStatesEqualFullRecomputation() throws Exception {
        long seg = model.segTokenId();
        int[] forcedAt = {1, 4};
        GenerationOptions o = GenerationOptions.DEFAULT.withMaxNewTokens(6).withProcessor((i, step, gen, logits) -> {
            if (step == forcedAt[0] || step == forcedAt[1]) {
                Arrays.fill(logits, -1e9f);
                logits[(int) seg] = 0f;
            }
        });
        try (NDManager m = data.newSubManager()) {
            long[] prompt = ids("prompt_input_ids");
            NDArray p = promptEmbeds(m, prompt);
            for (boolean cache : new boolean[] {true, false}) {
                Generator.Sequence r = generator().generate(List.of(p), o.withKvCache(cache), null).get(0);
                assertEquals(seg, r.tokens()[forcedAt[0]]);
                assertEquals(seg, r.tokens()[forcedAt[1]]);
                assertEquals(2, r.captured().getShape().get(0));
                // full recomputation over prompt + generated tokens, upstream's selection
                long[] all = Arrays.copyOf(prompt, prompt.length + r.tokens().length);
                System.arraycopy(r.tokens(), 0, all, prompt.length, r.tokens().length);
                ParameterStore ps = new ParameterStore(m, false);
                NDArray image = model.encodeImage(ps, Parity.tensor(m, io, "clip_pixel_values"), false).tokens().get(0);
                NDArray embeds = model.spliceImage(ps, all, image, false).expandDims(0);
                CausalLmOutput full = model.llm().forward(ps, LmInput.ofEmbeds(embeds), LogitsSelection.none(), false);
                long[] pos = model.segPositions(all, model.numImageTokens());
                assertEquals(2, pos.length);
                NDArray expected = full.lastHiddenState().get(0).get(m.create(pos));
                assertClose("seg states (cache " + cache + ")", expected, r.captured(), 1e-4);
            }
        }
    }

    @Test
    void samplingIsReproducibleBySeedAndTheListenerSeesEveryToken() throws Exception {
        try (NDManager m = data.newSubManager()) {
            NDArray p = promptEmbeds(m, ids("prompt_input_ids"));
            GenerationOptions o = GenerationOptions.DEFAULT.withMaxNewTokens(12).withSampling(1.5f, 50, 0.95f, 42);
            List<Long> heard = new ArrayList<>();
            long[] a = generator().generate(List.of(p), o, (i, t) -> heard.add(t)).get(0).tokens();
            long[] b = generator().generate(List.of(p), o, null).get(0).tokens();
            assertArrayEquals(a, b);
            assertArrayEquals(a, heard.stream().mapToLong(Long::longValue).toArray());
            boolean differs = false;
            for (long seed = 1; seed < 6 && !differs; seed++) {
                differs = !Arrays.equals(a, generator().generate(List.of(p),
                        o.withSampling(1.5f, 50, 0.95f, seed), null).get(0).tokens());
            }
            assertTrue(differs, "other seeds give other samples");
            long[] greedy = generator().generate(List.of(p), GenerationOptions.DEFAULT.withMaxNewTokens(12), null).get(0)
                    .tokens();
            long[] topK1 = generator().generate(List.of(p), o.withSampling(1f, 1, 1f, 3), null).get(0).tokens();
            assertArrayEquals(greedy, topK1, "top-k 1 sampling is greedy");
            assertNotEquals(0, a.length);
        }
    }

    @Test
    void optionsRejectNonsense() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GenerationOptions.DEFAULT.withMaxNewTokens(0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GenerationOptions.DEFAULT.withSampling(-1f, 0, 1f, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GenerationOptions.DEFAULT.withSampling(1f, 0, 0f, 0));
    }
}
