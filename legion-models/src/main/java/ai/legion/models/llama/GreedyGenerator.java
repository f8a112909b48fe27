package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Minimal greedy decoding with a KV cache for one sequence (HF {@code greedy_search} with
 * {@code num_beams=1}, no logits processors): prefill the prompt, then feed each argmax token, stop
 * at EOS (which is kept) or after {@code maxNewTokens}. Argmax is taken on the host, as HF does per
 * step. Besides the ids it returns, per step, the top-2 logits and the post-norm last-layer hidden
 * state of the position that produced the token (LEGION's [SEG] state).
 *
 * <p>Each step runs in its own sub-manager of the prompt's manager, so memory stays flat; the result
 * arrays are created in the prompt's manager.
 */
public final class GreedyGenerator {

    /**
     * Generation result.
     *
     * @param tokens generated ids (EOS included if it was produced)
     * @param top2Logits per step {@code [top1, top2]} logits of the next-token distribution
     * @param top2Ids per step {@code [top1, top2]} ids ({@code top2Ids[k][0] == tokens[k]})
     * @param promptHidden post-norm states of the prompt positions {@code [T, hidden]}
     * @param stepHidden per generated token, the post-norm state of the position that produced it
     *     {@code [n, hidden]} (row 0 = last prompt position)
     * @param stoppedAtEos whether generation ended on EOS
     */
    public record Result(long[] tokens, float[][] top2Logits, long[][] top2Ids, NDArray promptHidden,
            NDArray stepHidden, boolean stoppedAtEos) {

        /** The prompt followed by the generated tokens (HF {@code sequences} for batch 1). */
        public long[] sequence(long[] prompt) {
            long[] out = Arrays.copyOf(prompt, prompt.length + tokens.length);
            System.arraycopy(tokens, 0, out, prompt.length, tokens.length);
            return out;
        }
    }

    private final LlamaForCausalLM model;

    /** @param model the language model */
    public GreedyGenerator(LlamaForCausalLM model) {
        this.model = model;
    }

    /**
     * Greedy decoding from token ids.
     *
     * @param promptIds {@code [1, T]} or {@code [T]}
     * @param maxNewTokens at most this many tokens (positive)
     * @param eosTokenId stop token
     */
    public Result generate(NDArray promptIds, int maxNewTokens, long eosTokenId) {
        NDArray p = promptIds.getShape().dimension() == 1 ? promptIds.expandDims(0) : promptIds;
        if (p.getShape().dimension() != 2 || p.getShape().get(0) != 1) {
            throw new IllegalArgumentException("GreedyGenerator: expected prompt ids [1, T] or [T], got "
                    + promptIds.getShape());
        }
        return run(p, false, maxNewTokens, eosTokenId);
    }

    /**
     * Greedy decoding from prompt embeddings (e.g. with image features spliced in).
     *
     * @param promptEmbeds {@code [1, T, hidden]}
     */
    public Result generateFromEmbeds(NDArray promptEmbeds, int maxNewTokens, long eosTokenId) {
        if (promptEmbeds.getShape().dimension() != 3 || promptEmbeds.getShape().get(0) != 1) {
            throw new IllegalArgumentException("GreedyGenerator: expected prompt embeds [1, T, hidden], got "
                    + promptEmbeds.getShape());
        }
        return run(promptEmbeds, true, maxNewTokens, eosTokenId);
    }

    private Result run(NDArray prompt, boolean embeds, int maxNewTokens, long eos) {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("GreedyGenerator: maxNewTokens must be positive, got " + maxNewTokens);
        }
        NDManager out = prompt.getManager();
        long t = prompt.getShape().get(1);
        long[] tokens = new long[maxNewTokens];
        float[][] top2 = new float[maxNewTokens][];
        long[][] top2Ids = new long[maxNewTokens][];
        List<NDArray> kept = new ArrayList<>();
        NDArray promptHidden;
        int n = 0;
        boolean eosHit = false;
        try (NDManager work = out.newSubManager();
                KvCache cache = model.newKvCache(work, 1, Math.toIntExact(t + maxNewTokens))) {
            try (NDManager step = work.newSubManager()) {
                prompt.tempAttach(step); // route the prefill's activations into the step scope
                ParameterStore ps = new ParameterStore(step, false);
                StepOutput s = embeds ? model.prefill(ps, prompt, null, cache) : model.prefillIds(ps, prompt, null, cache);
                promptHidden = keep(s.allHidden().squeeze(0), out);
                tokens[0] = record(s, 0, top2, top2Ids, kept, out);
            }
            n = 1;
            eosHit = tokens[0] == eos;
            while (!eosHit && n < maxNewTokens) {
                try (NDManager step = work.newSubManager()) {
                    ParameterStore ps = new ParameterStore(step, false);
                    NDArray id = step.create(new long[] {tokens[n - 1]}).reshape(1, 1);
                    StepOutput s = model.step(ps, id, null, cache);
                    tokens[n] = record(s, n, top2, top2Ids, kept, out);
                }
                eosHit = tokens[n] == eos;
                n++;
            }
        }
        NDArray stepHidden = NDArrays.stack(new NDList(kept));
        for (NDArray k : kept) {
            k.close();
        }
        return new Result(Arrays.copyOf(tokens, n), Arrays.copyOf(top2, n), Arrays.copyOf(top2Ids, n), promptHidden,
                stepHidden, eosHit);
    }

    private static long record(StepOutput s, int k, float[][] top2, long[][] top2Ids, List<NDArray> kept, NDManager out) {
        NDArray logits = s.logits().get(0); // [V]
        long next = logits.argMax().toType(DataType.INT64, false).getLong();
        NDList top = logits.topK(2, -1, true, true);
        top2[k] = top.get(0).toType(DataType.FLOAT32, false).toFloatArray();
        top2Ids[k] = top.get(1).toType(DataType.INT64, false).toLongArray();
        kept.add(keep(s.hidden().get(0), out));
        return next;
    }

    /** Copies an array out of a step scope into the result manager. */
    private static NDArray keep(NDArray x, NDManager out) {
        NDArray copy = x.duplicate();
        copy.attach(out);
        return copy;
    }
}
