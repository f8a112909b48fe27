package ai.legion.models.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.StateDictBlock;

/**
 * A decoder-only language model as LEGION drives it (HF's {@code *ForCausalLM}): the token embedding, one
 * forward over ids or embeddings (optionally with a {@link KvCache}), and {@code lm_head} on chosen positions.
 * LEGION reads the post-final-norm states of the positions that produce {@code [SEG]}, so the forward returns
 * them next to the logits.
 *
 * <p>Implementations are DJL blocks whose parameters carry the upstream state-dict names under the
 * prefix they are mapped at ({@code model.}, {@code lm_head.} for the LLaVA family). A new backbone is one
 * class implementing this plus one registration in {@code ai.legion.models.loading.Architectures}.
 */
public interface CausalLm extends Block, StateDictBlock {

    /** Width of the hidden states (and of the embeddings the image tokens are projected to). */
    int hiddenSize();

    /** Rows of the embedding matrix and of {@code lm_head}. */
    int vocabSize();

    /** The activation dtype (that of the loaded embedding matrix). */
    DataType dataType();

    /**
     * {@code embed_tokens(ids)}.
     *
     * @param ids token ids {@code [B, T]} (int64 or int32)
     * @return {@code [B, T, hidden]} in {@link #dataType()}
     */
    NDArray embed(ParameterStore ps, NDArray ids, boolean training);

    /**
     * The forward pass.
     *
     * @param in ids or embeddings, attention mask, positions, cache
     * @param logits which positions get logits
     * @return logits {@code [B, T', vocab]} (or null), post-norm states {@code [B, T, hidden]}, optional hidden states
     */
    CausalLmOutput forward(ParameterStore ps, LmInput in, LogitsSelection logits, boolean training);

    /**
     * {@code lm_head} on post-norm states.
     *
     * @param hidden {@code [..., hidden]}
     * @return {@code [..., vocab]}
     */
    NDArray lmHead(ParameterStore ps, NDArray hidden, boolean training);

    /**
     * A KV cache for this model in its dtype.
     *
     * @param manager owns the cache (on the model's device)
     * @param batch B
     * @param maxLength capacity in positions (prompt + new tokens)
     */
    KvCache newKvCache(NDManager manager, long batch, int maxLength);
}
