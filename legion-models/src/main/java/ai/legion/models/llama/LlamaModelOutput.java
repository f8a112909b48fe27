package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Outputs of a {@link LlamaModel} forward.
 *
 * @param lastHiddenState post-final-norm states {@code [B, T, hidden]} (what {@code lm_head} and
 *     LEGION's [SEG] path consume)
 * @param hiddenStates null unless requested; else n_layers + 1 entries {@code [B, T, hidden]} as HF:
 *     the embeddings, the outputs of layers 0..n-2, and last the post-norm output (== lastHiddenState)
 */
public record LlamaModelOutput(NDArray lastHiddenState, List<NDArray> hiddenStates) {}
