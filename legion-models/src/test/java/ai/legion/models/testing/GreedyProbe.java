package ai.legion.models.testing;

import ai.djl.ndarray.NDArray;
import ai.legion.models.lm.CausalLm;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.lm.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy decoding through the one {@link Generator}, recording what the upstream fixtures hold: each
 * step's top-2 logits and ids (seen through a logits processor that changes nothing) and the state that
 * produced every token.
 */
public final class GreedyProbe {

    private GreedyProbe() {}

    /**
     * @param tokens generated ids
     * @param top2Ids per step the two most likely ids
     * @param top2Logits per step their logits
     * @param producing {@code [n, H]} the post-norm state that produced each token (row 0 = last prompt position)
     * @param stoppedAtEos whether EOS ended the run
     */
    public record Result(long[] tokens, long[][] top2Ids, float[][] top2Logits, NDArray producing, boolean stoppedAtEos) {}

    /** Decodes greedily from prompt embeddings {@code [T, H]}. */
    public static Result run(CausalLm lm, NDArray promptEmbeds, int maxNewTokens, long eos, long pad) {
        List<long[]> ids = new ArrayList<>();
        List<float[]> logits = new ArrayList<>();
        GenerationOptions o = GenerationOptions.DEFAULT.withMaxNewTokens(maxNewTokens).withProcessor((seq, step, gen, l) -> {
            int a = -1;
            int b = -1;
            for (int i = 0; i < l.length; i++) {
                if (a < 0 || l[i] > l[a]) {
                    b = a;
                    a = i;
                } else if (b < 0 || l[i] > l[b]) {
                    b = i;
                }
            }
            ids.add(new long[] {a, b});
            logits.add(new float[] {l[a], l[b]});
        });
        Generator.Sequence s = new Generator(lm, eos, pad, t -> true).generate(List.of(promptEmbeds), o, null).get(0);
        return new Result(s.tokens(), ids.toArray(new long[0][]), logits.toArray(new float[0][]), s.captured(),
                s.stoppedAtEos());
    }
}
