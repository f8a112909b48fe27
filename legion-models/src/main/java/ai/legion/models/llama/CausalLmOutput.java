package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Outputs of a {@link LlamaForCausalLM} forward.
 *
 * @param logits {@code [B, T', vocab]} for the selected positions ({@link LogitsSelection}), or null
 * @param lastHiddenState post-final-norm states {@code [B, T, hidden]}
 * @param hiddenStates null unless requested; n_layers + 1 entries as {@link LlamaModelOutput#hiddenStates()}
 */
public record CausalLmOutput(NDArray logits, NDArray lastHiddenState, List<NDArray> hiddenStates) {}
