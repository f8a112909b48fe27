package ai.legion.models.lm;

import ai.djl.ndarray.NDArray;

/**
 * Inputs of a {@link CausalLm} forward. Exactly one of {@code inputIds} and {@code inputsEmbeds}
 * is set.
 *
 * @param inputIds token ids {@code [B, T]} (int64 or int32), or null
 * @param inputsEmbeds embeddings {@code [B, T, hidden]} (e.g. with image features spliced in), or null
 * @param attentionMask {@code [B, past + T]}, 1 = attend, 0 = padding; null = all ones
 * @param positionIds {@code [B, T]} or {@code [1, T]}; null = {@code arange(past, past + T)} as a plain
 *     4.28 {@code LlamaModel.forward} uses, even with left padding (the {@link Generator} passes
 *     positions that skip left padding)
 * @param cache KV cache to read past positions from and append these to, or null
 * @param outputHiddenStates whether to return all hidden states
 */
public record LmInput(NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, NDArray positionIds,
        KvCache cache, boolean outputHiddenStates) {

    /** Exactly one of ids and embeddings. */
    public LmInput {
        if ((inputIds == null) == (inputsEmbeds == null)) {
            throw new IllegalArgumentException("CausalLm: give exactly one of input ids and inputs embeds");
        }
    }

    /** Token ids {@code [B, T]}. */
    public static LmInput ofIds(NDArray inputIds) {
        return new LmInput(inputIds, null, null, null, null, false);
    }

    /** Embeddings {@code [B, T, hidden]}. */
    public static LmInput ofEmbeds(NDArray inputsEmbeds) {
        return new LmInput(null, inputsEmbeds, null, null, null, false);
    }

    /** With an attention mask {@code [B, past + T]}. */
    public LmInput withAttentionMask(NDArray mask) {
        return new LmInput(inputIds, inputsEmbeds, mask, positionIds, cache, outputHiddenStates);
    }

    /** With explicit position ids. */
    public LmInput withPositionIds(NDArray ids) {
        return new LmInput(inputIds, inputsEmbeds, attentionMask, ids, cache, outputHiddenStates);
    }

    /** With a KV cache. */
    public LmInput withCache(KvCache kvCache) {
        return new LmInput(inputIds, inputsEmbeds, attentionMask, positionIds, kvCache, outputHiddenStates);
    }

    /** Whether to collect all hidden states. */
    public LmInput withHiddenStates(boolean output) {
        return new LmInput(inputIds, inputsEmbeds, attentionMask, positionIds, cache, output);
    }
}
