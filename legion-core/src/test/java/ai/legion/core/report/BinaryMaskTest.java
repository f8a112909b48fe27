package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BinaryMaskTest {

    @Test
    void logitsAreThresholdedAtZero() {
        float[] logits = {-1f, 0f, 0.001f, Float.NaN, -0f, 3f};
        BinaryMask m = BinaryMask.fromLogits(logits, 2, 3);
        assertEquals(3, m.width());
        assertEquals(2, m.height());
        assertArrayEquals(new byte[] {0, 0, 1, 0, 0, 1}, m.toBytes());
        assertFalse(m.get(1, 0), "logit 0 is not > 0");
        assertTrue(m.get(2, 0));
        assertTrue(m.get(2, 1));
        assertEquals(2, m.area());
    }

    @Test
    void logitsPlaneAtOffset() {
        // [K=2, H=2, W=2]: the second plane starts at 4
        float[] logits = {1, 1, 1, 1, -1, 2, 2, -1};
        BinaryMask m = BinaryMask.fromLogits(logits, 4, 2, 2);
        assertArrayEquals(new byte[] {0, 1, 1, 0}, m.toBytes());
        assertThrows(IllegalArgumentException.class, () -> BinaryMask.fromLogits(logits, 5, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> BinaryMask.fromLogits(logits, 3, 3));
    }

    @Test
    void bytesAndBooleans() {
        byte[] b = {0, (byte) 255, 1, 0, -7, 0};
        BinaryMask m = BinaryMask.fromBytes(b, 3, 2);
        assertArrayEquals(new boolean[] {false, true, true, false, true, false}, m.toBooleans());
        assertEquals(m, BinaryMask.fromBooleans(m.toBooleans(), 3, 2));
        assertTrue(m.get(0, 1));
        assertTrue(m.get(0, 2));
        assertFalse(m.get(1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(2, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> BinaryMask.fromBytes(new byte[5], 3, 2));
        assertThrows(IllegalArgumentException.class, () -> BinaryMask.empty(0, 4));
        assertThrows(IllegalArgumentException.class, () -> BinaryMask.empty(65536, 65536));
    }

    @Test
    void copiesNeverAliasTheMask() {
        byte[] src = {1, 0, 0, 1};
        BinaryMask m = BinaryMask.fromBytes(src, 2, 2);
        src[1] = 1;
        assertEquals(2, m.area(), "the factory copied the input");
        byte[] out = m.toBytes();
        out[1] = 1;
        boolean[] bo = m.toBooleans();
        bo[2] = true;
        assertEquals(2, m.area());
        assertFalse(m.get(1, 0));
    }

    @Test
    void areaFractionAndBoundingBox() {
        BinaryMask m = Masks.ascii(
                "........",
                "..#.....",
                "....##..",
                "...#....",
                "........");
        assertEquals(4, m.area());
        assertEquals(4.0 / 40, m.areaFraction(), 0.0);
        assertEquals(new BoundingBox(2, 1, 4, 3), m.bbox().orElseThrow());
        assertTrue(BinaryMask.empty(3, 4).bbox().isEmpty());
        assertEquals(new BoundingBox(0, 0, 4, 3), BinaryMask.full(3, 4).bbox().orElseThrow());
        assertEquals(12, BinaryMask.full(3, 4).area());
        assertEquals(1.0, BinaryMask.full(3, 4).areaFraction(), 0.0);
    }

    @Test
    void fullMaskKeepsUnusedBitsClear() {
        // 7 x 9 = 63 bits: one word with its top bit unused
        BinaryMask full = BinaryMask.full(7, 9);
        assertEquals(63, full.area());
        assertTrue(full.not().isEmpty());
        assertEquals(full, BinaryMask.empty(7, 9).not());
        assertEquals(full, BinaryMask.fromBytes(filled(63), 7, 9));
        assertEquals(full.hashCode(), BinaryMask.fromBytes(filled(63), 7, 9).hashCode());
        BinaryMask big = BinaryMask.full(13, 11); // 143 bits over 3 words
        assertEquals(143, big.area());
        assertEquals(0, big.not().area());
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) 1);
        return b;
    }

    @Test
    void setOperationsAndIou() {
        BinaryMask a = Masks.ascii("##..", "##..", "....");
        BinaryMask b = Masks.ascii(".##.", ".##.", ".##.");
        assertEquals(2, a.intersectionArea(b));
        assertEquals(8, a.unionArea(b));
        assertEquals(2.0 / 8, a.iou(b), 0.0);
        assertEquals(a.iou(b), b.iou(a), 0.0);
        assertEquals(1.0, a.iou(a), 0.0);
        assertEquals(Masks.ascii("###.", "###.", ".##."), a.or(b));
        assertEquals(Masks.ascii(".#..", ".#..", "...."), a.and(b));
        assertEquals(Masks.ascii("#...", "#...", "...."), a.andNot(b));
        assertEquals(Masks.ascii("..##", "..##", "####"), a.not());
        BinaryMask e = BinaryMask.empty(3, 4);
        assertEquals(0.0, e.iou(e), 0.0, "empty vs empty: 0, as pycocotools");
        assertEquals(0.0, a.iou(e), 0.0);
        assertThrows(IllegalArgumentException.class, () -> a.iou(BinaryMask.empty(4, 3)));
    }

    @Test
    void unionOfManyMasks() {
        BinaryMask a = Masks.ascii("#..", "...");
        BinaryMask b = Masks.ascii("...", "..#");
        BinaryMask c = Masks.ascii("#..", ".#.");
        assertEquals(Masks.ascii("#..", ".##"), BinaryMask.union(a, b, c));
        assertEquals(a, BinaryMask.union(a));
        assertEquals(BinaryMask.empty(2, 3), BinaryMask.union(2, 3, List.of()));
        assertThrows(IllegalArgumentException.class, BinaryMask::union);
        assertThrows(IllegalArgumentException.class, () -> BinaryMask.union(a, BinaryMask.empty(3, 2)));
    }

    @Test
    void randomAgreementWithBooleanArrays() {
        Random rnd = new Random(11);
        for (int t = 0; t < 20; t++) {
            int h = 1 + rnd.nextInt(40);
            int w = 1 + rnd.nextInt(70);
            BinaryMask a = Masks.random(rnd, h, w, rnd.nextDouble());
            BinaryMask b = Masks.random(rnd, h, w, rnd.nextDouble());
            boolean[] x = a.toBooleans();
            boolean[] y = b.toBooleans();
            int inter = 0;
            int uni = 0;
            int minX = w;
            int minY = h;
            int maxX = -1;
            int maxY = -1;
            for (int i = 0; i < x.length; i++) {
                inter += x[i] && y[i] ? 1 : 0;
                uni += x[i] || y[i] ? 1 : 0;
                if (x[i]) {
                    minX = Math.min(minX, i % w);
                    maxX = Math.max(maxX, i % w);
                    minY = Math.min(minY, i / w);
                    maxY = Math.max(maxY, i / w);
                }
            }
            assertEquals(inter, a.intersectionArea(b));
            assertEquals(uni, a.unionArea(b));
            assertEquals(uni == 0 ? 0.0 : (double) inter / uni, a.iou(b), 0.0);
            if (maxX < 0) {
                assertTrue(a.bbox().isEmpty());
            } else {
                assertEquals(new BoundingBox(minX, minY, maxX - minX + 1, maxY - minY + 1), a.bbox().orElseThrow());
            }
        }
    }

    @Test
    void equalityIsBySizeAndPixels() {
        BinaryMask a = Masks.ascii("#.", ".#");
        assertEquals(a, Masks.ascii("#.", ".#"));
        assertNotEquals(a, Masks.ascii("#.", "##"));
        assertNotEquals(BinaryMask.empty(2, 3), BinaryMask.empty(3, 2));
        assertEquals("BinaryMask[2x2, area=2]", a.toString());
    }

    @Test
    void boundingBoxValidation() {
        BoundingBox b = new BoundingBox(3, 4, 5, 6);
        assertEquals(30, b.area());
        assertEquals(8, b.right());
        assertEquals(10, b.bottom());
        assertArrayEquals(new int[] {3, 4, 5, 6}, b.toArray());
        assertThrows(IllegalArgumentException.class, () -> new BoundingBox(0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new BoundingBox(-1, 0, 1, 1));
    }
}
