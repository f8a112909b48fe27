package ai.legion.core.report;

import java.util.Random;

/** Test helpers that build masks without going through the code under test's factories' logic twice. */
final class Masks {

    private Masks() {}

    /** A mask from rows of '0'/'1' (or '.'/'#'), top to bottom. */
    static BinaryMask ascii(String... rows) {
        int h = rows.length;
        int w = rows[0].length();
        boolean[] b = new boolean[h * w];
        for (int y = 0; y < h; y++) {
            if (rows[y].length() != w) {
                throw new IllegalArgumentException("ragged row " + y);
            }
            for (int x = 0; x < w; x++) {
                char c = rows[y].charAt(x);
                b[y * w + x] = c == '1' || c == '#';
            }
        }
        return BinaryMask.fromBooleans(b, h, w);
    }

    /** An {@code h x w} mask with the union of rectangles {x0, y0, x1, y1} (end-exclusive) set. */
    static BinaryMask rects(int h, int w, int[]... rects) {
        boolean[] b = new boolean[h * w];
        for (int[] r : rects) {
            for (int y = r[1]; y < r[3]; y++) {
                for (int x = r[0]; x < r[2]; x++) {
                    b[y * w + x] = true;
                }
            }
        }
        return BinaryMask.fromBooleans(b, h, w);
    }

    /** A random mask where each pixel is set with probability {@code density}. */
    static BinaryMask random(Random rnd, int h, int w, double density) {
        boolean[] b = new boolean[h * w];
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextDouble() < density;
        }
        return BinaryMask.fromBooleans(b, h, w);
    }

    /** A random mask made of a few random rectangles (long runs). */
    static BinaryMask randomRects(Random rnd, int h, int w, int count) {
        int[][] rs = new int[count][];
        for (int k = 0; k < count; k++) {
            int x0 = rnd.nextInt(w);
            int y0 = rnd.nextInt(h);
            rs[k] = new int[] {x0, y0, x0 + 1 + rnd.nextInt(w - x0), y0 + 1 + rnd.nextInt(h - y0)};
        }
        return rects(h, w, rs);
    }
}
