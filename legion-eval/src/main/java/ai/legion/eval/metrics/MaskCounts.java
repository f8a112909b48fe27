package ai.legion.eval.metrics;

import ai.legion.core.report.BinaryMask;
import java.util.Objects;

/**
 * The pixel counts every localization metric is a function of, for one (prediction, ground truth) pair
 * of equal size. Keeping only counts lets an {@link LocalizationAccumulator} hold thousands of images
 * without their masks.
 *
 * @param intersection foreground pixels set in both masks (TP)
 * @param union foreground pixels set in either mask
 * @param predictionArea pixels set in the prediction (TP + FP)
 * @param groundTruthArea pixels set in the ground truth (TP + FN)
 * @param pixels pixels of the (ground-truth sized) image
 */
public record MaskCounts(long intersection, long union, long predictionArea, long groundTruthArea, long pixels) {

    /** Checks that the counts can come from two masks of {@code pixels} pixels. */
    public MaskCounts {
        if (intersection < 0 || pixels <= 0 || intersection > Math.min(predictionArea, groundTruthArea)
                || union != predictionArea + groundTruthArea - intersection || union > pixels) {
            throw new IllegalArgumentException("MaskCounts: inconsistent counts intersection=" + intersection + " union="
                    + union + " prediction=" + predictionArea + " groundTruth=" + groundTruthArea + " pixels=" + pixels);
        }
    }

    /**
     * Counts a prediction against a ground truth. A prediction of another size is first resized to the
     * ground truth's size with {@link MaskResize#nearest} (OpenCV {@code INTER_NEAREST}).
     */
    public static MaskCounts of(BinaryMask prediction, BinaryMask groundTruth) {
        Objects.requireNonNull(prediction, "prediction");
        Objects.requireNonNull(groundTruth, "groundTruth");
        BinaryMask p = MaskResize.toSizeOf(prediction, groundTruth);
        long i = p.intersectionArea(groundTruth);
        long pa = p.area();
        long ga = groundTruth.area();
        return new MaskCounts(i, pa + ga - i, pa, ga, groundTruth.pixelCount());
    }

    /** False positives: predicted pixels outside the ground truth. */
    public long falsePositives() {
        return predictionArea - intersection;
    }

    /** False negatives: ground-truth pixels the prediction misses. */
    public long falseNegatives() {
        return groundTruthArea - intersection;
    }

    /** Background intersection: pixels set in neither mask. */
    public long backgroundIntersection() {
        return pixels - union;
    }

    /** Background union: pixels not set in both masks. */
    public long backgroundUnion() {
        return pixels - intersection;
    }
}
