package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;

/**
 * Inputs of a {@link LlamaModel} forward. Exactly one of {@code inputIds} and {@code inputsEmbeds}
 * is set.
 *
 * @param inputIds token ids {@code [B, T]} (int64 or int32), or null
 * @param inputsEmbeds embeddings {@code [B, T, hidden]} (e.g. with image features spliced in), or null
 * @param attentionMask {@code [B, past + T]}, 1 = attend, 0 = padding; null = all ones
 * @param positionIds {@code [B, T]} or {@code [1, T]}; null = {@code arange(past, past + T)} as a plain
 *     4.28 {@code LlamaModel.forward} uses, even with left padding (see {@link LlamaMasks#positionIdsFromMask}
 *     for the generation variant)
 * @param cache KV cache to read past positions from and append these to, or null
 * @param outputHiddenStates whether to return all hidden states
 */
public record LlamaInput(NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, NDArray positionIds,
        KvCache cache, boolean outputHiddenStates) {

    /** Exactly one of ids and embeddings. */
    public LlamaInput {
        if ((inputIds == null) == (inputsEmbeds == null)) {
            throw new IllegalArgumentException("LlamaModel: give exactly one of input ids and inputs embeds");
        }
    }

    /** Token ids {@code [B, T]}. */
    public static LlamaInput ofIds(NDArray inputIds) {
        return new LlamaInput(inputIds, null, null, null, null, false);
    }

    /** Embeddings {@code [B, T, hidden]}. */
    public static LlamaInput ofEmbeds(NDArray inputsEmbeds) {
        return new LlamaInput(null, inputsEmbeds, null, null, null, false);
    }

    /** With an attention mask {@code [B, past + T]}. */
    public LlamaInput withAttentionMask(NDArray mask) {
        return new LlamaInput(inputIds, inputsEmbeds, mask, positionIds, cache, outputHiddenStates);
    }

    /** With explicit position ids. */
    public LlamaInput withPositionIds(NDArray ids) {
        return new LlamaInput(inputIds, inputsEmbeds, attentionMask, ids, cache, outputHiddenStates);
    }

    /** With a KV cache. */
    public LlamaInput withCache(KvCache kvCache) {
        return new LlamaInput(inputIds, inputsEmbeds, attentionMask, positionIds, kvCache, outputHiddenStates);
    }

    /** Whether to collect all hidden states. */
    public LlamaInput withHiddenStates(boolean output) {
        return new LlamaInput(inputIds, inputsEmbeds, attentionMask, positionIds, cache, output);
    }
}
