package ai.legion.eval.metrics;

import ai.legion.core.report.BinaryMask;

/**
 * Per-image localization metrics exactly as upstream LEGION computes them: functions of a
 * binary prediction and a binary ground truth, each in {@code [0, 1]} (the paper reports ×100).
 *
 * <p>Sources: {@code calculate_miou}, {@code calculate_miou_without_background} and {@code calculate_f1}
 * of {@code evaluate_ours.py} (commit cd7df24, the script behind Table 2), {@code calculate_iou} of
 * {@code eval/utils.py}, and GLaMM/LISA's training validation for gIoU. Every formula is evaluated in
 * double precision in upstream's operation order, so results agree with the Python to the last bits.
 *
 * <p>A prediction whose size differs from the ground truth's is first resized to the ground truth with
 * {@link MaskResize#nearest} (OpenCV {@code INTER_NEAREST}, the nearest rule upstream's eval code uses).
 */
public final class LocalizationMetrics {

    /** Upstream's epsilon in the per-class IoU of {@code calculate_miou}: {@code I / (U + 1e-6)}. */
    public static final double MIOU_EPS = 1e-6;
    /** GLaMM/LISA's epsilon in the per-mask IoU of gIoU: {@code I / (U + 1e-5)}. */
    public static final double GIOU_EPS = 1e-5;

    private LocalizationMetrics() {}

    /**
     * LEGION's per-image mIoU: the mean of the background and the foreground IoU, each
     * {@code I / (U + 1e-6)}. An empty prediction on an empty ground truth scores 0.5 (background IoU
     * ≈ 1, foreground IoU 0/(0 + 1e-6) = 0), not 1.
     */
    public static double miou(BinaryMask prediction, BinaryMask groundTruth) {
        return miou(MaskCounts.of(prediction, groundTruth));
    }

    /** {@link #miou(BinaryMask, BinaryMask)} from counts. */
    public static double miou(MaskCounts c) {
        double background = (double) c.backgroundIntersection() / (c.backgroundUnion() + MIOU_EPS);
        double foreground = (double) c.intersection() / (c.union() + MIOU_EPS);
        // Python: sum([iou0, iou1]) / 2, i.e. (0 + iou0 + iou1) / 2
        return (background + foreground) / 2;
    }

    /** Foreground IoU with upstream's epsilon: {@code I / (U + 1e-6)} (0 when both masks are empty). */
    public static double miouWithoutBackground(BinaryMask prediction, BinaryMask groundTruth) {
        return miouWithoutBackground(MaskCounts.of(prediction, groundTruth));
    }

    /** {@link #miouWithoutBackground(BinaryMask, BinaryMask)} from counts. */
    public static double miouWithoutBackground(MaskCounts c) {
        return (double) c.intersection() / (c.union() + MIOU_EPS);
    }

    /** Plain foreground IoU {@code I / U}, 0 when the union is empty ({@code calculate_iou}). */
    public static double iou(BinaryMask prediction, BinaryMask groundTruth) {
        return iou(MaskCounts.of(prediction, groundTruth));
    }

    /** {@link #iou(BinaryMask, BinaryMask)} from counts. */
    public static double iou(MaskCounts c) {
        return c.union() == 0 ? 0.0 : (double) c.intersection() / c.union();
    }

    /**
     * Pixel F1 of the foreground ({@code calculate_f1}): {@code P = TP/(TP+FP)} and {@code R = TP/(TP+FN)}
     * (each 0 when its denominator is 0); F1 = 1 when TP = FP = FN = 0 (both masks empty), 0 when
     * P + R = 0, else {@code 2·(P·R)/(P+R)}.
     */
    public static double f1(BinaryMask prediction, BinaryMask groundTruth) {
        return f1(MaskCounts.of(prediction, groundTruth));
    }

    /** {@link #f1(BinaryMask, BinaryMask)} from counts. */
    public static double f1(MaskCounts c) {
        long tp = c.intersection();
        long fp = c.falsePositives();
        long fn = c.falseNegatives();
        double precision = tp + fp > 0 ? (double) tp / (tp + fp) : 0;
        double recall = tp + fn > 0 ? (double) tp / (tp + fn) : 0;
        if (tp == 0 && fp == 0 && fn == 0) {
            return 1.0;
        }
        if (precision + recall == 0) {
            return 0.0;
        }
        return 2 * (precision * recall) / (precision + recall);
    }

    /**
     * One image's gIoU term (GLaMM/LISA validation): {@code I / (U + 1e-5)}, and 1 when the union is
     * empty (their "no-object target" rule). gIoU is the mean of this over masks.
     */
    public static double giou(BinaryMask prediction, BinaryMask groundTruth) {
        return giou(MaskCounts.of(prediction, groundTruth));
    }

    /** {@link #giou(BinaryMask, BinaryMask)} from counts. */
    public static double giou(MaskCounts c) {
        double v = (double) c.intersection() / (c.union() + GIOU_EPS);
        return c.union() == 0 ? v + 1.0 : v;
    }
}
