package ai.legion.models;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A batch for {@link LegionModel#forward}: preprocessed images and, per sample, the token ids of a whole
 * conversation (teacher forcing), as upstream {@code LegionForCls.model_forward} takes them.
 *
 * @param clipPixels CLIP-preprocessed images {@code [B, 3, S, S]}
 * @param samPixels SAM-preprocessed (resized, normalized, padded) images {@code [B, 3, T, T]}
 * @param inputIds per sample the token ids with exactly one {@code -200} image placeholder (unpadded)
 * @param labels per sample the training labels aligned with {@code inputIds} ({@code -100} = not supervised),
 *     or null: with labels the forward computes logits only at the positions that predict a supervised token
 * @param resizedHw per sample {@code (h', w')} after the grounding model's resize, before padding
 * @param originalHw per sample {@code (H, W)}: the resolution masks are brought to
 */
public record LegionInput(NDArray clipPixels, NDArray samPixels, List<long[]> inputIds, List<long[]> labels,
        List<int[]> resizedHw, List<int[]> originalHw) {

    /** Checks that every part has the batch size; copies the lists. */
    public LegionInput {
        long b = clipPixels.getShape().get(0);
        if (samPixels.getShape().get(0) != b || inputIds.size() != b || resizedHw.size() != b || originalHw.size() != b
                || labels != null && labels.size() != b) {
            throw new IllegalArgumentException("LegionInput: batch sizes differ: clip " + b + ", sam "
                    + samPixels.getShape().get(0) + ", ids " + inputIds.size() + ", labels "
                    + (labels == null ? "none" : labels.size()) + ", resized " + resizedHw.size() + ", original "
                    + originalHw.size());
        }
        for (int i = 0; labels != null && i < b; i++) {
            if (labels.get(i).length != inputIds.get(i).length) {
                throw new IllegalArgumentException("LegionInput: sample " + i + " has " + inputIds.get(i).length
                        + " ids but " + labels.get(i).length + " labels");
            }
        }
        inputIds = List.copyOf(inputIds);
        labels = labels == null ? null : Collections.unmodifiableList(new ArrayList<>(labels));
        resizedHw = List.copyOf(resizedHw);
        originalHw = List.copyOf(originalHw);
    }

    /** A batch without labels (logits at every position). */
    public LegionInput(NDArray clipPixels, NDArray samPixels, List<long[]> inputIds, List<int[]> resizedHw,
            List<int[]> originalHw) {
        this(clipPixels, samPixels, inputIds, null, resizedHw, originalHw);
    }

    /** Batch size. */
    public int size() {
        return inputIds.size();
    }
}
