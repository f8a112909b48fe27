package ai.legion.models;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Outputs of a teacher-forced LEGION forward.
 *
 * @param logits {@code [B, T', V]} over the expanded (image-spliced, right-padded) sequences
 * @param lastHidden post-norm last-layer states {@code [B, T', H]}
 * @param attentionMask {@code [B, T']} boolean, true at real positions
 * @param segPositions per sample the expanded positions whose states are used for the masks (the
 *     position before each {@code [SEG]}, upstream's off-by-one)
 * @param segEmbeddings per sample {@code text_hidden_fcs} of those states {@code [K_i, out_dim]}
 * @param lowResMasks per sample mask logits {@code [K_i, 1, 4g, 4g]}
 * @param masks per sample mask logits at the original resolution {@code [K_i, H_i, W_i]} (float32)
 */
public record TeacherForcedOutput(NDArray logits, NDArray lastHidden, NDArray attentionMask,
        List<long[]> segPositions, List<NDArray> segEmbeddings, List<NDArray> lowResMasks, List<NDArray> masks) {}
