package ai.legion.models.lm;

/**
 * How explanations are generated.
 *
 * <p>The default is upstream's: greedy ({@code temperature 0}), at most 512 new tokens, stop at EOS,
 * with a KV cache (upstream recomputes the whole sequence every step; the ids are the same).
 *
 * @param maxNewTokens at most this many generated tokens per sequence (EOS included)
 * @param temperature 0 for greedy decoding; otherwise logits are divided by it before sampling
 * @param topK keep only the k most likely tokens when sampling (0 = no limit)
 * @param topP keep the smallest set of tokens whose probability reaches p when sampling (1 = no limit)
 * @param seed seed of the sampler (results are reproducible for a given seed)
 * @param useKvCache whether to decode with a KV cache (false re-runs the whole sequence each step, as upstream)
 * @param processor optional adjustment of the logits before a token is chosen (e.g. bans or forced tokens); may be null
 */
public record GenerationOptions(int maxNewTokens, float temperature, int topK, float topP, long seed, boolean useKvCache,
        LogitsProcessor processor) {

    /** Upstream's inference setting. */
    public static final GenerationOptions DEFAULT = new GenerationOptions(512, 0f, 0, 1f, 0L, true, null);

    public GenerationOptions {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("maxNewTokens must be positive, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    /** Whether tokens are sampled (temperature > 0) rather than chosen greedily. */
    public boolean sampling() {
        return temperature > 0;
    }

    public GenerationOptions withMaxNewTokens(int n) {
        return new GenerationOptions(n, temperature, topK, topP, seed, useKvCache, processor);
    }

    /** Sampling with a temperature, top-k, top-p and a seed. */
    public GenerationOptions withSampling(float temperature, int topK, float topP, long seed) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, useKvCache, processor);
    }

    public GenerationOptions withKvCache(boolean use) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, use, processor);
    }

    public GenerationOptions withProcessor(LogitsProcessor p) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, useKvCache, p);
    }

    /** Adjusts next-token logits in place before the choice (HF's {@code LogitsProcessor}). */
    @FunctionalInterface
    public interface LogitsProcessor {
        /**
         * @param sequence index of the sequence in the batch
         * @param step 0 for the first generated token
         * @param generated the tokens generated so far for this sequence
         * @param logits the vocabulary logits, modified in place
         */
        void process(int sequence, int step, long[] generated, float[] logits);
    }
}
