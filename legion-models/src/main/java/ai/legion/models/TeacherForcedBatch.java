package ai.legion.models;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Inputs of a teacher-forced LEGION forward (training and validation).
 *
 * @param clipPixels CLIP-preprocessed images {@code [B, 3, S, S]}
 * @param samPixels SAM-preprocessed (resized, normalized, padded) images {@code [B, 3, T, T]}
 * @param inputIds per sample the token ids with exactly one {@code -200} image placeholder (unpadded)
 * @param resizedHw per sample {@code (h', w')} after ResizeLongestSide, before padding
 * @param originalHw per sample {@code (H, W)}: the resolution predicted masks are brought to
 */
public record TeacherForcedBatch(NDArray clipPixels, NDArray samPixels, List<long[]> inputIds, List<int[]> resizedHw,
        List<int[]> originalHw) {

    public TeacherForcedBatch {
        long b = clipPixels.getShape().get(0);
        if (samPixels.getShape().get(0) != b || inputIds.size() != b || resizedHw.size() != b || originalHw.size() != b) {
            throw new IllegalArgumentException("TeacherForcedBatch: batch sizes differ: clip " + b + ", sam "
                    + samPixels.getShape().get(0) + ", ids " + inputIds.size() + ", resized " + resizedHw.size()
                    + ", original " + originalHw.size());
        }
        inputIds = List.copyOf(inputIds);
        resizedHw = List.copyOf(resizedHw);
        originalHw = List.copyOf(originalHw);
    }

    /** Batch size. */
    public int size() {
        return inputIds.size();
    }
}
