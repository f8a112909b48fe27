package ai.legion.refine;

import ai.legion.core.image.PillowResize;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import java.util.Objects;

/** Mask dilation and compositing for the inpainting loop (Eq. 6). */
public final class MaskOps {

    /** Upstream's dilation kernel side ({@code np.ones((5, 5))} in {@code inpainter.py}). */
    public static final int DEFAULT_KERNEL = 5;
    /** Upstream's dilation iterations ({@code cv2.dilate(..., iterations=5)}). */
    public static final int DEFAULT_ITERATIONS = 5;

    private MaskOps() {}

    /**
     * {@code cv2.dilate(mask, np.ones((k, k)), iterations=n)}: a pixel is set when any pixel of the
     * {@code k x k} window around it (anchor at {@code k / 2}, as OpenCV's default anchor) was set, repeated
     * {@code n} times; pixels outside the image do not count (OpenCV's default border for dilation). For
     * upstream's 5x5 and 5 iterations this is a 21x21 square. Runs in O(width x height) for any size.
     *
     * @param kernel the kernel side, &ge; 1
     * @param iterations &ge; 0 (0 returns the mask unchanged)
     */
    public static BinaryMask dilate(BinaryMask mask, int kernel, int iterations) {
        Objects.requireNonNull(mask, "mask");
        if (kernel < 1) {
            throw new IllegalArgumentException("dilation kernel must be >= 1, got " + kernel);
        }
        if (iterations < 0) {
            throw new IllegalArgumentException("dilation iterations must be >= 0, got " + iterations);
        }
        if (iterations == 0 || kernel == 1 || mask.isEmpty()) {
            return mask;
        }
        int anchor = kernel / 2;
        // dst(x) = max over src(x + d), d in [-anchor, kernel - 1 - anchor]; n iterations add the offsets up
        long lo = -(long) anchor * iterations;
        long hi = (long) (kernel - 1 - anchor) * iterations;
        int w = mask.width();
        int h = mask.height();
        boolean[] src = mask.toBooleans();
        boolean[] rows = new boolean[src.length];
        int[] prefix = new int[Math.max(w, h) + 1];
        for (int y = 0; y < h; y++) {
            int base = y * w;
            for (int x = 0; x < w; x++) {
                prefix[x + 1] = prefix[x] + (src[base + x] ? 1 : 0);
            }
            for (int x = 0; x < w; x++) {
                rows[base + x] = anyIn(prefix, x, lo, hi, w);
            }
        }
        boolean[] out = new boolean[src.length];
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                prefix[y + 1] = prefix[y] + (rows[y * w + x] ? 1 : 0);
            }
            for (int y = 0; y < h; y++) {
                out[y * w + x] = anyIn(prefix, y, lo, hi, h);
            }
        }
        return BinaryMask.fromBooleans(out, h, w);
    }

    private static boolean anyIn(int[] prefix, int i, long lo, long hi, int n) {
        int from = (int) Math.max(0, i + lo);
        int to = (int) Math.min(n, i + hi + 1);
        return to > from && prefix[to] - prefix[from] > 0;
    }

    /**
     * Eq. 6 for one region: {@code base + mask * (edited - base)}, i.e. the edited pixel where the mask is
     * set and the base pixel, bit for bit, everywhere else.
     *
     * @throws IllegalArgumentException when the three sizes differ
     */
    public static RgbImage composite(RgbImage base, RgbImage edited, BinaryMask mask) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(edited, "edited");
        Objects.requireNonNull(mask, "mask");
        if (edited.width() != base.width() || edited.height() != base.height()) {
            throw new IllegalArgumentException("edited image is " + edited.width() + "x" + edited.height()
                    + ", base is " + base.width() + "x" + base.height() + " (resize with fitTo first)");
        }
        if (mask.width() != base.width() || mask.height() != base.height()) {
            throw new IllegalArgumentException("mask is " + mask.width() + "x" + mask.height() + ", image is "
                    + base.width() + "x" + base.height());
        }
        byte[] out = base.rgb().clone();
        byte[] e = edited.rgb();
        int w = base.width();
        for (int y = 0; y < base.height(); y++) {
            for (int x = 0; x < w; x++) {
                if (mask.get(x, y)) {
                    int i = (y * w + x) * 3;
                    out[i] = e[i];
                    out[i + 1] = e[i + 1];
                    out[i + 2] = e[i + 2];
                }
            }
        }
        return new RgbImage(w, base.height(), out);
    }

    /**
     * The image at {@code width x height}: itself when it already has that size, else resized with Pillow's
     * bicubic filter (diffusers' servers often return 1024x1024 or multiples of 8; upstream's inpainter keeps that
     * size, its resize back is commented out, but compositing needs the original size).
     */
    public static RgbImage fitTo(RgbImage image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        return PillowResize.resize(image, width, height, PillowResize.Filter.BICUBIC);
    }
}
