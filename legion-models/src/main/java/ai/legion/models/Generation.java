package ai.legion.models;

import ai.djl.ndarray.NDArray;

/**
 * One image's result of {@link LegionModel#generate}: the answer and a mask per {@code [SEG]} it contains.
 *
 * @param tokens the generated ids (EOS included when produced)
 * @param stoppedAtEos whether EOS ended it
 * @param masks mask logits at the original resolution {@code [K, H, W]}, one per generated {@code [SEG]} in order
 *     (K may be 0)
 * @param clsLogits detection head logits {@code [2]} (index 1 = real), or null without a head
 */
public record Generation(long[] tokens, boolean stoppedAtEos, NDArray masks, float[] clsLogits) {}
