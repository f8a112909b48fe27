package ai.legion.models.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongPredicate;

/**
 * Batched decoding for any {@link CausalLm} from prompts given as embeddings (LEGION splices the image
 * tokens in first), capturing, for every generated token the {@code capture} predicate selects, the
 * post-norm last-layer hidden state of the position that produced it. LEGION captures {@code [SEG]}: the
 * state upstream selects from its full recomputation with {@code cat(zeros(N-1), ids[1:] == SEG)}
 * (LEGION {@code model/Legion.py::LegionForCls._create_seg_token_mask}).
 *
 * <p>Prompts of different lengths are left-padded; position ids then count real tokens only, so each
 * sequence gets the same result as when decoded alone. Sequences stop independently at EOS. Token
 * choice happens on the host (greedy argmax or seeded top-k/top-p sampling, HF {@code generate}'s
 * warper order). Each step runs in its own sub-manager; results are created in the manager of the prompts.
 */
public final class Generator {

    /** Receives each sequence's text as it grows (for streaming). */
    @FunctionalInterface
    public interface TokenListener {
        /** Called after each step with the sequence index and its new token. */
        void onToken(int sequence, long token);
    }

    /**
     * One generated sequence.
     *
     * @param tokens the generated ids (EOS included when produced)
     * @param captured {@code [K, H]} states that produced each captured token, in order (K may be 0)
     * @param stoppedAtEos whether EOS ended it
     */
    public record Sequence(long[] tokens, NDArray captured, boolean stoppedAtEos) {
        /** Number of generated tokens. */
        public int length() {
            return tokens.length;
        }
    }

    private final CausalLm llm;
    private final long eosId;
    private final long padId;
    private final LongPredicate capture;

    /**
     * @param llm the language model
     * @param eosId stop token
     * @param padId token fed to sequences that already stopped
     * @param capture which generated tokens get their producing state kept (LEGION: {@code id == [SEG]})
     */
    public Generator(CausalLm llm, long eosId, long padId, LongPredicate capture) {
        this.llm = llm;
        this.eosId = eosId;
        this.padId = padId;
        this.capture = capture;
    }

    /**
     * Generates for each prompt.
     *
     * @param promptEmbeds per sequence {@code [T_i, H]} (same device and dtype)
     * @param options decoding settings
     * @param listener optional per-token callback (may be null)
     */
    public List<Sequence> generate(List<NDArray> promptEmbeds, GenerationOptions options, TokenListener listener) {
        if (promptEmbeds.isEmpty()) {
            return List.of();
        }
        NDManager out = promptEmbeds.get(0).getManager();
        int b = promptEmbeds.size();
        long hidden = llm.hiddenSize();
        int[] lens = new int[b];
        int maxLen = 0;
        for (int i = 0; i < b; i++) {
            Shape s = promptEmbeds.get(i).getShape();
            if (s.dimension() != 2 || s.get(1) != hidden || s.get(0) == 0) {
                throw new IllegalArgumentException("Generator: prompt " + i + " must be [T, " + hidden + "] with T > 0, got "
                        + s);
            }
            lens[i] = (int) s.get(0);
            maxLen = Math.max(maxLen, lens[i]);
        }
        int maxNew = options.maxNewTokens();
        long[][] tokens = new long[b][maxNew];
        int[] count = new int[b];
        boolean[] done = new boolean[b];
        List<List<NDArray>> kept = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            kept.add(new ArrayList<>());
        }
        Random rng = new Random(options.seed());
        try (NDManager work = out.newSubManager()) {
            // attention mask over [left padding | prompt | generated], one column added per step
            boolean[][] mask = new boolean[b][maxLen + maxNew];
            for (int i = 0; i < b; i++) {
                Arrays.fill(mask[i], maxLen - lens[i], maxLen, true);
            }
            KvCache cache = options.useKvCache() ? llm.newKvCache(work, b, maxLen + maxNew) : null;
            NDArray prompt = padLeft(work, promptEmbeds, lens, maxLen, hidden);
            List<NDArray> fed = new ArrayList<>(); // without a cache: embeddings of the tokens generated so far
            long[] feed = null; // the tokens chosen at the previous step (pad for stopped sequences)
            int length = maxLen;
            for (int step = 0; step < maxNew; step++) {
                try (NDManager s = work.newSubManager()) {
                    ParameterStore ps = new ParameterStore(s, false);
                    LmInput in;
                    if (step > 0 && cache != null) {
                        in = LmInput.ofIds(s.create(feed, new Shape(b, 1)));
                    } else {
                        NDArray x = step == 0 ? prompt : prompt.concat(NDArrays.concat(new NDList(fed), 1), 1);
                        x.tempAttach(s);
                        in = LmInput.ofEmbeds(x);
                    }
                    long t = step > 0 && cache != null ? 1 : length;
                    CausalLmOutput o = llm.forward(ps, in.withAttentionMask(maskArray(s, mask, length))
                            .withPositionIds(positions(s, mask, length, t)).withCache(cache), LogitsSelection.last(1), false);
                    NDArray logits = o.logits().reshape(b, -1).toType(DataType.FLOAT32, false);
                    NDArray states = o.lastHiddenState().get(new NDIndex(":, -1, :"));
                    boolean running = false;
                    long[] chosen = new long[b];
                    for (int i = 0; i < b; i++) {
                        chosen[i] = padId;
                        if (done[i]) {
                            continue;
                        }
                        float[] l = logits.get(i).toFloatArray();
                        if (options.processor() != null) {
                            options.processor().process(i, count[i], Arrays.copyOf(tokens[i], count[i]), l);
                        }
                        long next = options.sampling() ? sample(l, options, rng) : argmax(l);
                        chosen[i] = next;
                        tokens[i][count[i]++] = next;
                        if (capture.test(next)) { // the state at this position produced the token
                            NDArray h = states.get(i).duplicate();
                            h.attach(out);
                            kept.get(i).add(h);
                        }
                        if (listener != null) {
                            listener.onToken(i, next);
                        }
                        done[i] = next == eosId || count[i] == maxNew;
                        running |= !done[i];
                    }
                    if (!running) {
                        break;
                    }
                    for (int i = 0; i < b; i++) {
                        mask[i][length] = true; // stopped sequences keep attending; their outputs are ignored
                    }
                    length++;
                    feed = chosen;
                    if (cache == null) {
                        NDArray e = llm.embed(ps, s.create(chosen, new Shape(b, 1)), false);
                        e.attach(work);
                        fed.add(e);
                    }
                }
            }
        }
        List<Sequence> result = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            List<NDArray> k = kept.get(i);
            NDArray h = k.isEmpty() ? out.zeros(new Shape(0, hidden), promptEmbeds.get(0).getDataType())
                    : NDArrays.stack(new NDList(k));
            k.forEach(NDArray::close);
            long[] t = Arrays.copyOf(tokens[i], count[i]);
            result.add(new Sequence(t, h, t.length > 0 && t[t.length - 1] == eosId));
        }
        return result;
    }

    private static NDArray padLeft(NDManager m, List<NDArray> prompts, int[] lens, int maxLen, long hidden) {
        List<NDArray> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            NDArray p = prompts.get(i);
            rows.add(lens[i] == maxLen ? p
                    : m.zeros(new Shape(maxLen - lens[i], hidden), p.getDataType(), p.getDevice()).concat(p, 0));
        }
        NDArray stacked = NDArrays.stack(new NDList(rows), 0); // created in the prompts' manager
        stacked.attach(m);
        return stacked;
    }

    private static NDArray maskArray(NDManager m, boolean[][] mask, int length) {
        boolean[] flat = new boolean[mask.length * length];
        for (int i = 0; i < mask.length; i++) {
            System.arraycopy(mask[i], 0, flat, i * length, length);
        }
        return m.create(flat, new Shape(mask.length, length));
    }

    /** Position ids of the last {@code t} columns: real tokens counted from 0, padding at 0 (HF generate). */
    private static NDArray positions(NDManager m, boolean[][] mask, int length, long t) {
        long[] flat = new long[(int) (mask.length * t)];
        for (int i = 0; i < mask.length; i++) {
            long p = -1;
            for (int j = 0; j < length; j++) {
                if (mask[i][j]) {
                    p++;
                }
                if (j >= length - t) {
                    flat[(int) (i * t + j - (length - t))] = Math.max(p, 0);
                }
            }
        }
        return m.create(flat, new Shape(mask.length, t));
    }

    /** First index of the maximum (torch.argmax / HF greedy). */
    static long argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Temperature, top-k, then top-p (HF's warper order), then one draw. */
    static long sample(float[] logits, GenerationOptions o, Random rng) {
        int v = logits.length;
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, c) -> Float.compare(logits[c], logits[a]));
        int keep = o.topK() > 0 ? Math.min(o.topK(), v) : v;
        double max = logits[order[0]] / o.temperature();
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] / o.temperature() - max);
            sum += p[i];
        }
        double cum = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            cum += p[i] / sum;
            if (cum >= o.topP()) {
                cut = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < cut; i++) {
            total += p[i];
        }
        double r = rng.nextDouble() * total;
        for (int i = 0; i < cut; i++) {
            r -= p[i];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[cut - 1];
    }
}
