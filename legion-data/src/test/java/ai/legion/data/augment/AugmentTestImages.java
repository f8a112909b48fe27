package ai.legion.data.augment;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;

/** Synthetic images and masks for the augmentation tests. */
final class AugmentTestImages {

    private AugmentTestImages() {}

    /** Pixel (x, y) has R = x, G = y, B = (x·7 + y·13) & 255: positions are readable from colours. */
    static RgbImage labeled(int w, int h) {
        if (w > 256 || h > 256) {
            throw new IllegalArgumentException("labels hold 8 bits");
        }
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                rgb[i] = (byte) x;
                rgb[i + 1] = (byte) y;
                rgb[i + 2] = (byte) (x * 7 + y * 13);
            }
        }
        return new RgbImage(w, h, rgb);
    }

    /** A mask with exactly the listed pixels set ({x0, y0, x1, y1, …}). */
    static BinaryMask pixels(int w, int h, int... xy) {
        boolean[] v = new boolean[w * h];
        for (int i = 0; i < xy.length; i += 2) {
            v[xy[i + 1] * w + xy[i]] = true;
        }
        return BinaryMask.fromBooleans(v, h, w);
    }

    /** A filled rectangle [x0, x1) × [y0, y1). */
    static BinaryMask rect(int w, int h, int x0, int y0, int x1, int y1) {
        boolean[] v = new boolean[w * h];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                v[y * w + x] = true;
            }
        }
        return BinaryMask.fromBooleans(v, h, w);
    }

    /** A pseudo-random mask. */
    static BinaryMask random(int w, int h, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        boolean[] v = new boolean[w * h];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(3) == 0;
        }
        return BinaryMask.fromBooleans(v, h, w);
    }
}
