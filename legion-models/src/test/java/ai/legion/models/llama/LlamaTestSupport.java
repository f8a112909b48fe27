package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.nn.WeightMap;
import java.util.SplittableRandom;

/** Shared helpers of the LLaMA tests: random tiny models and valid-position selection. */
final class LlamaTestSupport {

    private LlamaTestSupport() {}

    /** A small config (no fixture needed). */
    static LlamaConfig config(int vocab, int hidden, int inter, int layers, int heads, int kvHeads) {
        return new LlamaConfig(vocab, hidden, inter, layers, heads, kvHeads, "silu", 128, 1e-5, 10000.0, false,
                1, 2, 0);
    }

    /** Fills every parameter with N(0, 1/fan_in) values (norm weights 1 + N(0, 0.2²)) from a fixed seed. */
    static void randomize(WeightMap map, NDManager manager, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (WeightMap.Entry e : map.entries().values()) {
            Shape s = e.shape();
            float[] v = new float[(int) s.size()];
            boolean norm = s.dimension() == 1;
            double std = norm ? 0.2 : 1.0 / Math.sqrt(s.get(s.dimension() - 1));
            if (e.key().contains("embed_tokens")) {
                std = 1.0;
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm ? 1.0 : 0.0) + std * gaussian(r));
            }
            e.parameter().setArray(manager.create(v, s));
        }
    }

    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A random model. */
    static LlamaForCausalLM randomModel(LlamaConfig cfg, NDManager manager, long seed) {
        LlamaForCausalLM m = new LlamaForCausalLM(cfg);
        randomize(m.weightMap(""), manager, seed);
        return m;
    }

    /** Rows {@code x[b, t]} of {@code x [B, T, ...]} where {@code mask[b*T + t] != 0}, stacked to {@code [N, ...]}. */
    static NDArray validRows(NDArray x, long[] mask, long tLen) {
        NDList rows = new NDList();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) {
                rows.add(x.get(i / tLen, i % tLen));
            }
        }
        return NDArrays.stack(rows);
    }

    /** Logsumexp over the last axis. */
    static NDArray logsumexp(NDArray logits) {
        NDArray max = logits.max(new int[] {-1}, true);
        return logits.sub(max).exp().sum(new int[] {-1}).log().add(max.squeeze(-1));
    }
}
