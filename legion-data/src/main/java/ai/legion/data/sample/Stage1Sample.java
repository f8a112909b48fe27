package ai.legion.data.sample;

import ai.legion.core.report.BinaryMask;
import java.util.List;

/**
 * One stage-1 (localization + explanation) training sample, host-side, as upstream's dataset yields it.
 *
 * @param id the record id
 * @param clipPixels CLIP-preprocessed image, float32 {@code [3, S, S]} channel-major
 * @param clipSize S
 * @param samPixels SAM-preprocessed image (resized, normalized, zero-padded), float32 {@code [3, T, T]}
 * @param samSize T
 * @param resizedHw {@code (h', w')} of the image inside the SAM input
 * @param originalHw {@code (H, W)}: the resolution of the image and of the masks
 * @param inputIds the conversation's token ids with one {@code -200} image placeholder
 * @param labels {@code inputIds} where supervised (answer and {@code </s>}), else {@code -100}
 * @param masks one ground-truth mask per {@code [SEG]} in {@code inputIds}, in order
 * @param phrases the phrase of each mask
 */
public record Stage1Sample(String id, float[] clipPixels, int clipSize, float[] samPixels, int samSize, int[] resizedHw,
        int[] originalHw, long[] inputIds, long[] labels, List<BinaryMask> masks, List<String> phrases) {

    public Stage1Sample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException(id + ": " + inputIds.length + " ids but " + labels.length + " labels");
        }
        if (masks.size() != phrases.size()) {
            throw new IllegalArgumentException(id + ": " + masks.size() + " masks but " + phrases.size() + " phrases");
        }
        masks = List.copyOf(masks);
        phrases = List.copyOf(phrases);
    }
}
