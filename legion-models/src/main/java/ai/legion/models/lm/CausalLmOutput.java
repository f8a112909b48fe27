package ai.legion.models.lm;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Outputs of a {@link CausalLm} forward.
 *
 * @param logits {@code [B, T', vocab]} for the selected positions ({@link LogitsSelection}), or null
 * @param lastHiddenState post-final-norm states {@code [B, T, hidden]}
 * @param hiddenStates null unless requested; n_layers + 1 entries as HF {@code output_hidden_states}: the
 *     embeddings, the outputs of layers 0..n-2, and last the post-norm output
 */
public record CausalLmOutput(NDArray logits, NDArray lastHiddenState, List<NDArray> hiddenStates) {}
