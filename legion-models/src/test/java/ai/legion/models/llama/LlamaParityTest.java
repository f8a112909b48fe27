package ai.legion.models.llama;

import ai.legion.models.lm.StepOutput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.CausalLmOutput;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.KvCache;
import static ai.legion.models.llama.LlamaTestSupport.logsumexp;
import static ai.legion.models.llama.LlamaTestSupport.validRows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.GreedyProbe;
import ai.legion.models.testing.Parity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Parity with HF transformers 4.28 LlamaForCausalLM on fixtures parity/llama (a, b, c). */
class LlamaParityTest {

    static final double HIDDEN_TOL = 1e-4;
    static final double LOGITS_TOL = 1e-3;

    static LlamaConfig cfg;
    static NDManager params;
    static LlamaForCausalLM model;
    static Checkpoint io;

    @BeforeAll
    static void load() throws Exception {
        cfg = LlamaConfig.read(Parity.folder("llama").resolve("config.json"));
        params = NDManager.newBaseManager();
        model = new LlamaForCausalLM(cfg);
        try (Checkpoint w = Parity.open("llama", "model.safetensors")) {
            WeightMap.LoadReport r = Parity.loadWeights(model, "", w, params, LlamaModel.IGNORABLE_KEYS);
            assertTrue(r.isComplete(), r.toString());
            // the ignored buffers must hold exactly the inverse frequencies the model computes
            float[] inv = model.model().layers().get(0).selfAttn().rotary().invFreq();
            for (String k : r.ignored()) {
                try (NDManager m = NDManager.newBaseManager()) {
                    assertArrayEquals(Parity.tensor(m, w, k).toFloatArray(), inv, 0f, k);
                }
            }
        }
        io = Parity.open("llama", "io.safetensors");
    }

    @AfterAll
    static void close() {
        io.close();
        params.close();
    }

    static void report(String what, double err) {
        System.out.printf("[llama parity] %-40s max|diff| %.3e%n", what, err);
    }

    static void close(String what, NDArray expected, NDArray actual, double tol) {
        report(what, Parity.maxAbsDiff(expected, actual));
        Parity.assertClose(what, expected, actual, tol);
    }

    @Test
    void inputIdsWithLeftPadding() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = Parity.tensor(m, io, "a_input_ids");
            NDArray mask = Parity.tensor(m, io, "a_attention_mask");
            long[] maskv = mask.toLongArray();
            long b = ids.getShape().get(0);
            long t = ids.getShape().get(1);
            CausalLmOutput out = model.forward(LmInput.ofIds(ids).withAttentionMask(mask).withHiddenStates(true),
                    LogitsSelection.all());
            assertEquals(new Shape(b, t, cfg.vocabSize()), out.logits().getShape());
            checkHiddenStates("a", out, maskv, t, m);
            checkLogits("a", out.logits(), maskv, t, m);
        }
    }

    /** Every stored {@code <p>_hidden_states.i} (n_layers + 1 of them) and the post-norm state, at valid positions. */
    static void checkHiddenStates(String p, CausalLmOutput out, long[] maskv, long t, NDManager m) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; io.contains(p + "_hidden_states." + i); i++) {
            keys.add(p + "_hidden_states." + i);
        }
        assertEquals(cfg.numHiddenLayers() + 1, keys.size(), "stored hidden states");
        assertEquals(keys.size(), out.hiddenStates().size());
        for (int i = 0; i < keys.size(); i++) {
            NDArray e = Parity.tensor(m, io, keys.get(i));
            close(keys.get(i) + " (valid)", validRows(e, maskv, t), validRows(out.hiddenStates().get(i), maskv, t),
                    HIDDEN_TOL);
            // the pad-row clamp is reproduced too, so pad rows match as well
            close(keys.get(i) + " (all rows)", e, out.hiddenStates().get(i), HIDDEN_TOL);
        }
        NDArray post = Parity.tensor(m, io, p + "_last_hidden_post_norm");
        close(p + "_last_hidden_post_norm (valid)", validRows(post, maskv, t), validRows(out.lastHiddenState(), maskv, t),
                HIDDEN_TOL);
    }

    /** {@code <p>_logits_last3}, {@code _argmax}, {@code _logsumexp} at valid positions. */
    static void checkLogits(String p, NDArray logits, long[] maskv, long t, NDManager m) throws Exception {
        NDArray last3 = Parity.tensor(m, io, p + "_logits_last3");
        long n = last3.getShape().get(1);
        long b = logits.getShape().get(0);
        NDArray mine = logits.get(new NDIndex(":, {}:, :", t - n));
        long[] mask3 = new long[(int) (b * n)];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < n; j++) {
                mask3[(int) (i * n + j)] = maskv[(int) (i * t + t - n + j)];
            }
        }
        close(p + "_logits_last3 (valid)", validRows(last3, mask3, n), validRows(mine, mask3, n), LOGITS_TOL);

        long[] argmax = Parity.tensor(m, io, p + "_logits_argmax").toLongArray();
        long[] myArgmax = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
        int compared = 0;
        for (int i = 0; i < argmax.length; i++) {
            if (maskv[i] != 0) {
                assertEquals(argmax[i], myArgmax[i], p + "_logits_argmax at flat position " + i);
                compared++;
            }
        }
        assertTrue(compared > 0);
        NDArray lse = Parity.tensor(m, io, p + "_logits_logsumexp");
        NDArray myLse = logsumexp(logits);
        close(p + "_logits_logsumexp (valid)", select(lse, maskv), select(myLse, maskv), LOGITS_TOL);
    }

    static NDArray select(NDArray x, long[] mask) {
        float[] v = x.toFloatArray();
        List<Float> out = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            if (mask[i] != 0) {
                out.add(v[i]);
            }
        }
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return x.getManager().create(f);
    }

    @Test
    void inputsEmbeds() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Parity.tensor(m, io, "b_inputs_embeds");
            long b = x.getShape().get(0);
            long t = x.getShape().get(1);
            CausalLmOutput out = model.forward(LmInput.ofEmbeds(x), LogitsSelection.all());
            long[] ones = new long[(int) (b * t)];
            java.util.Arrays.fill(ones, 1);
            close("b_last_hidden_post_norm", Parity.tensor(m, io, "b_last_hidden_post_norm"), out.lastHiddenState(),
                    HIDDEN_TOL);
            checkLogits("b", out.logits(), ones, t, m);
            // the logits selection gives the same rows as the full computation (up to matmul blocking)
            CausalLmOutput last = model.forward(LmInput.ofEmbeds(x), LogitsSelection.last(3));
            Parity.assertClose("last(3) selection", out.logits().get(new NDIndex(":, {}:, :", t - 3)), last.logits(), 1e-5);
            CausalLmOutput picked = model.forward(LmInput.ofEmbeds(x), LogitsSelection.positions(0, t - 1));
            Parity.assertClose("positions selection", NDArrays.concat(new NDList(
                    out.logits().get(new NDIndex(":, 0:1, :")), out.logits().get(new NDIndex(":, {}:, :", t - 1))), 1),
                    picked.logits(), 1e-5);
            assertEquals(null, model.forward(LmInput.ofEmbeds(x), LogitsSelection.none()).logits());
        }
    }

    @Test
    void greedyGenerationWithKvCache() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray prompt = Parity.tensor(m, io, "c_prompt_ids");
            long[] newTokens = Parity.tensor(m, io, "c_new_tokens").toLongArray();
            long[] sequences = Parity.tensor(m, io, "c_sequences").toLongArray();
            int n = newTokens.length;
            int t = (int) prompt.getShape().get(1);
            GreedyProbe.Result r = GreedyProbe.run(model, model.embed(new ParameterStore(m, false), prompt, false).get(0), n,
                    cfg.eosTokenId(), cfg.padTokenId());
            assertArrayEquals(newTokens, r.tokens(), "c_new_tokens");
            long[] seq = java.util.Arrays.copyOf(prompt.toLongArray(), t + n);
            System.arraycopy(r.tokens(), 0, seq, t, n);
            assertArrayEquals(sequences, seq, "c_sequences");
            long[][] topIds = reshape(Parity.tensor(m, io, "c_step_top2_ids").toLongArray(), n);
            NDArray top2 = Parity.tensor(m, io, "c_step_top2_logits");
            float[] flat = new float[n * 2];
            for (int k = 0; k < n; k++) {
                assertArrayEquals(topIds[k], r.top2Ids()[k], "c_step_top2_ids step " + k);
                flat[2 * k] = r.top2Logits()[k][0];
                flat[2 * k + 1] = r.top2Logits()[k][1];
            }
            close("c_step_top2_logits", top2, m.create(flat, top2.getShape()), LOGITS_TOL);
            NDArray hs = Parity.tensor(m, io, "c_step_hidden_post_norm").squeeze(0); // [t + n - 1, H]
            NDArray promptHidden = model.forward(LmInput.ofIds(prompt), LogitsSelection.none()).lastHiddenState().get(0);
            close("c_step_hidden_post_norm (prompt rows)", hs.get(new NDIndex("0:{}", t)), promptHidden, HIDDEN_TOL);
            close("c_step_hidden_post_norm (producing rows)", hs.get(new NDIndex("{}:", t - 1)), r.producing(),
                    HIDDEN_TOL);
            assertFalse(r.stoppedAtEos() && newTokens[n - 1] != cfg.eosTokenId());
        }
    }

    @Test
    void incrementalDecodingEqualsFullRecomputation() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] seq = Parity.tensor(m, io, "c_sequences").toLongArray();
            int t = (int) Parity.tensor(m, io, "c_prompt_ids").getShape().get(1);
            int total = seq.length - 1; // the last token is never fed
            NDArray fullIds = m.create(java.util.Arrays.copyOf(seq, total)).reshape(1, total);
            CausalLmOutput full = model.forward(LmInput.ofIds(fullIds), LogitsSelection.all());
            try (KvCache cache = model.newKvCache(m, 1, total)) {
                NDArray promptIds = fullIds.get(new NDIndex(":, 0:{}", t));
                StepOutput s = model.prefillIds(promptIds, null, cache);
                double worstLogits = 0;
                double worstHidden = Parity.maxAbsDiff(full.lastHiddenState().get(new NDIndex(":, 0:{}, :", t)),
                        s.allHidden());
                for (int pos = t - 1; pos < total; pos++) {
                    if (pos > t - 1) {
                        s = model.step(m.create(new long[] {seq[pos]}), null, cache);
                    }
                    assertEquals(pos + 1, cache.length());
                    NDArray fl = full.logits().get(new NDIndex("0, {}, :", pos));
                    worstLogits = Math.max(worstLogits, Parity.maxAbsDiff(fl, s.logits().get(0)));
                    worstHidden = Math.max(worstHidden, Parity.maxAbsDiff(
                            full.lastHiddenState().get(new NDIndex("0, {}, :", pos)), s.hidden().get(0)));
                    assertEquals(seq[pos + 1], s.logits().get(0).argMax().getLong(), "greedy token at " + pos);
                }
                report("cached vs full logits", worstLogits);
                report("cached vs full post-norm states", worstHidden);
                assertTrue(worstLogits <= 1e-4, "cached logits differ by " + worstLogits);
                assertTrue(worstHidden <= 1e-5, "cached hidden states differ by " + worstHidden);
            }
        }
    }

    @Test
    void paddedBatchDecodingMatchesUnpaddedRows() throws Exception {
        // left-padded batch with explicit position ids (cumsum(mask)-1, as HF generation does) + cache
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = Parity.tensor(m, io, "a_input_ids");
            NDArray mask = Parity.tensor(m, io, "a_attention_mask");
            long t = ids.getShape().get(1);
            long[] maskv = mask.toLongArray();
            int row = maskv[0] == 0 ? 0 : 1; // the padded row
            int pad = 0;
            while (maskv[(int) (row * t) + pad] == 0) {
                pad++;
            }
            NDArray real = ids.get(new NDIndex("{}:{}, {}:", row, row + 1, pad));
            CausalLmOutput alone = model.forward(LmInput.ofIds(real), LogitsSelection.last(1));
            try (KvCache cache = model.newKvCache(m, ids.getShape().get(0), (int) t + 1)) {
                NDArray pos = LlamaMasks.positionIdsFromMask(mask);
                CausalLmOutput batch = model.forward(LmInput.ofIds(ids).withAttentionMask(mask).withPositionIds(pos)
                        .withCache(cache), LogitsSelection.last(1));
                close("padded row with cumsum positions vs unpadded", alone.logits().get(0),
                        batch.logits().get(row), 1e-4);
                // one cached step with the mask extended by a 1
                NDArray next = batch.logits().argMax(-1).toType(DataType.INT64, false); // [B, 1]
                NDArray mask2 = mask.concat(m.ones(new Shape(mask.getShape().get(0), 1), mask.getDataType()), 1);
                NDArray pos2 = LlamaMasks.positionIdsFromMask(mask2).get(new NDIndex(":, {}:", t));
                CausalLmOutput step = model.forward(LmInput.ofIds(next).withAttentionMask(mask2).withPositionIds(pos2)
                        .withCache(cache), LogitsSelection.last(1));
                NDArray realNext = real.concat(next.get(new NDIndex("{}:{}", row, row + 1)), 1);
                CausalLmOutput alone2 = model.forward(LmInput.ofIds(realNext), LogitsSelection.last(1));
                close("padded cached step vs unpadded", alone2.logits().get(0), step.logits().get(row), 1e-4);
            }
        }
    }

    @Test
    void float16WeightsRunEndToEnd() throws Exception {
        // the GPU inference setting: every weight fp16, RMSNorm and softmax internally fp32
        try (NDManager half = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM h16 = new LlamaForCausalLM(cfg);
            try (Checkpoint w = Parity.open("llama", "model.safetensors")) {
                h16.weightMap("").load(w, half, ai.legion.core.io.NDArrayLoader.FloatPolicy.FLOAT16,
                        LlamaModel.IGNORABLE_KEYS, true);
            }
            assertEquals(DataType.FLOAT16, h16.dataType());
            NDArray ids = Parity.tensor(m, io, "a_input_ids");
            NDArray mask = Parity.tensor(m, io, "a_attention_mask");
            long[] maskv = mask.toLongArray();
            long t = ids.getShape().get(1);
            CausalLmOutput out = h16.forward(LmInput.ofIds(ids).withAttentionMask(mask), LogitsSelection.all());
            assertEquals(DataType.FLOAT16, out.logits().getDataType());
            NDArray post = Parity.tensor(m, io, "a_last_hidden_post_norm");
            double dh = Parity.maxAbsDiff(validRows(post, maskv, t),
                    validRows(out.lastHiddenState(), maskv, t).toType(DataType.FLOAT32, false));
            NDArray last3 = Parity.tensor(m, io, "a_logits_last3");
            double dl = Parity.maxAbsDiff(last3.get(new NDIndex("-1, -1, :")),
                    out.logits().get(new NDIndex("-1, {}, :", t - 1)).toType(DataType.FLOAT32, false));
            report("fp16 model: post-norm state (valid)", dh);
            report("fp16 model: last logits", dl);
            assertTrue(dh < 0.1 && dl < 0.5, "fp16 drifts too far: hidden " + dh + ", logits " + dl);
            NDArray prompt = Parity.tensor(m, io, "c_prompt_ids");
            GreedyProbe.Result r = GreedyProbe.run(h16, h16.embed(new ParameterStore(m, false), prompt, false).get(0), 3,
                    cfg.eosTokenId(), cfg.padTokenId());
            assertEquals(DataType.FLOAT16, r.producing().getDataType());
            float[] top2 = Parity.tensor(m, io, "c_step_top2_logits").toFloatArray();
            if (top2[0] - top2[1] > 0.2) { // only where the fp32 margin dwarfs fp16 rounding
                assertEquals(Parity.tensor(m, io, "c_new_tokens").toLongArray()[0], r.tokens()[0], "fp16 first token");
            }
        }
    }

    static long[][] reshape(long[] flat, int rows) {
        int cols = flat.length / rows;
        long[][] out = new long[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }
}
