package ai.legion.eval.metrics;

import ai.legion.core.report.BinaryMask;
import java.util.Objects;

/**
 * Nearest-neighbour resizing of binary masks with OpenCV's {@code cv2.resize(..., interpolation=INTER_NEAREST)}
 * rule, the only nearest resize in upstream LEGION's evaluation code ({@code eval/utils.py::generate_mask}
 * and {@code generate_loki_mask} pass the ground truth through it; the prediction already comes out of
 * the model at the original image size, so upstream never resizes it).
 *
 * <p>Rule ({@code resizeNN} in OpenCV's {@code imgproc/src/resize.cpp}): with {@code fx = dstW / srcW}
 * and {@code ifx = 1 / fx} in double precision, destination column {@code x} reads source column
 * {@code min(floor(x * ifx), srcW - 1)}; rows likewise. This is a top-left-aligned floor rule, not
 * Pillow's centre-aligned {@code NEAREST} ({@code floor((x + 0.5) * srcW / dstW)}), so the two
 * disagree on where each source pixel lands.
 */
public final class MaskResize {

    private MaskResize() {}

    /**
     * Resizes {@code mask} to {@code height x width} with the OpenCV {@code INTER_NEAREST} rule; the mask
     * itself is returned when it already has that size.
     *
     * @throws IllegalArgumentException if a target dimension is not positive
     */
    public static BinaryMask nearest(BinaryMask mask, int height, int width) {
        Objects.requireNonNull(mask, "mask");
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("MaskResize: target size must be positive, got h=" + height + " w=" + width);
        }
        int sw = mask.width();
        int sh = mask.height();
        if (sw == width && sh == height) {
            return mask;
        }
        int[] srcX = sourceIndices(sw, width);
        int[] srcY = sourceIndices(sh, height);
        boolean[] src = mask.toBooleans();
        boolean[] out = new boolean[height * width];
        for (int y = 0; y < height; y++) {
            int rowIn = srcY[y] * sw;
            int rowOut = y * width;
            for (int x = 0; x < width; x++) {
                out[rowOut + x] = src[rowIn + srcX[x]];
            }
        }
        return BinaryMask.fromBooleans(out, height, width);
    }

    /** Resizes {@code prediction} to the size of {@code groundTruth} (identity when they already agree). */
    public static BinaryMask toSizeOf(BinaryMask prediction, BinaryMask groundTruth) {
        Objects.requireNonNull(groundTruth, "groundTruth");
        return nearest(prediction, groundTruth.height(), groundTruth.width());
    }

    /**
     * OpenCV's source index for every destination index along one axis.
     *
     * @param src source length
     * @param dst destination length
     */
    static int[] sourceIndices(int src, int dst) {
        // computed exactly as OpenCV does (scale first, then its reciprocal) so that products landing on an
        // integer floor identically
        double f = (double) dst / src;
        double inv = 1. / f;
        int[] idx = new int[dst];
        for (int i = 0; i < dst; i++) {
            idx[i] = Math.min((int) Math.floor(i * inv), src - 1);
        }
        return idx;
    }
}
