package ai.legion.models.lm;

import ai.djl.ndarray.NDArray;

/**
 * Result of a prefill or decode step of a {@link CausalLm}.
 *
 * @param logits next-token logits at the last position {@code [B, vocab]}
 * @param hidden post-final-norm state of the last position {@code [B, hidden]} (the state that
 *     produces the next token: LEGION keeps it when that token is [SEG])
 * @param allHidden post-final-norm states of every position of this call {@code [B, T, hidden]}
 */
public record StepOutput(NDArray logits, NDArray hidden, NDArray allHidden) {}
