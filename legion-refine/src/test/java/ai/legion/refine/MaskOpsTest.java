package ai.legion.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.refine.server.Pictures;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Dilation (OpenCV semantics) and compositing (Eq. 6). */
class MaskOpsTest {

    /** cv2.dilate by definition: n passes of a k x k window with anchor k/2, outside pixels ignored. */
    static BinaryMask naiveDilate(BinaryMask m, int k, int n) {
        int w = m.width();
        int h = m.height();
        boolean[] cur = m.toBooleans();
        int a = k / 2;
        for (int it = 0; it < n; it++) {
            boolean[] next = new boolean[cur.length];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean any = false;
                    for (int dy = 0; dy < k && !any; dy++) {
                        for (int dx = 0; dx < k && !any; dx++) {
                            int sx = x + dx - a;
                            int sy = y + dy - a;
                            any = sx >= 0 && sy >= 0 && sx < w && sy < h && cur[sy * w + sx];
                        }
                    }
                    next[y * w + x] = any;
                }
            }
            cur = next;
        }
        return BinaryMask.fromBooleans(cur, h, w);
    }

    @Test
    void upstreamsDilationTurnsAPixelIntoA21x21Square() {
        boolean[] b = new boolean[50 * 40];
        b[20 * 50 + 25] = true;
        BinaryMask d = MaskOps.dilate(BinaryMask.fromBooleans(b, 40, 50), 5, 5);
        assertEquals(21 * 21, d.area());
        assertEquals(15, d.bbox().orElseThrow().x());
        assertEquals(10, d.bbox().orElseThrow().y());
    }

    @Test
    void equalsTheIteratedDefinitionForRandomMasksKernelsAndBorders() {
        Random rnd = new Random(11);
        int[][] cases = {{5, 5}, {3, 2}, {4, 3}, {2, 1}, {1, 4}, {6, 2}};
        for (int[] c : cases) {
            for (int trial = 0; trial < 3; trial++) {
                int w = 7 + rnd.nextInt(30);
                int h = 5 + rnd.nextInt(25);
                boolean[] b = new boolean[w * h];
                for (int i = 0; i < b.length; i++) {
                    b[i] = rnd.nextInt(40) == 0;
                }
                b[0] = true; // a corner pixel: the border must not add anything
                BinaryMask m = BinaryMask.fromBooleans(b, h, w);
                assertEquals(naiveDilate(m, c[0], c[1]), MaskOps.dilate(m, c[0], c[1]),
                        "kernel " + c[0] + " x" + c[1] + " on " + w + "x" + h);
            }
        }
        BinaryMask empty = BinaryMask.empty(3, 3);
        assertSame(empty, MaskOps.dilate(empty, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> MaskOps.dilate(empty, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> MaskOps.dilate(empty, 3, -1));
    }

    @Test
    void compositeChangesOnlyMaskedPixelsBitForBit() {
        RgbImage base = Pictures.pattern(33, 21, 1);
        RgbImage edited = Pictures.invert(base);
        boolean[] b = new boolean[33 * 21];
        for (int i = 0; i < b.length; i += 7) {
            b[i] = true;
        }
        BinaryMask mask = BinaryMask.fromBooleans(b, 21, 33);
        RgbImage out = MaskOps.composite(base, edited, mask);
        for (int y = 0; y < 21; y++) {
            for (int x = 0; x < 33; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(mask.get(x, y) ? edited.get(x, y, c) : base.get(x, y, c), out.get(x, y, c));
                }
            }
        }
        assertEquals(base, MaskOps.composite(base, edited, BinaryMask.empty(21, 33)));
        assertEquals(edited, MaskOps.composite(base, edited, BinaryMask.full(21, 33)));
        assertThrows(IllegalArgumentException.class, () -> MaskOps.composite(base, Pictures.pattern(32, 21, 1), mask));
    }

    @Test
    void fitToResizesOnlyWhenNeeded() {
        RgbImage img = Pictures.pattern(16, 8, 2);
        assertSame(img, MaskOps.fitTo(img, 16, 8));
        RgbImage big = MaskOps.fitTo(img, 32, 16);
        assertEquals(32, big.width());
        assertNotEquals(img.width(), big.width());
    }
}
