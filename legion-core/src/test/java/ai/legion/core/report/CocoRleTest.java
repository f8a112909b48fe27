package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * COCO RLE against hand-derived runs/strings and against the output of pycocotools' own C functions
 * ({@code rleEncode}, {@code rleToString}, {@code rleToBbox} of maskApi.c, compiled and run on the same masks).
 */
class CocoRleTest {

    private static void assertCoco(BinaryMask m, int[] counts, String compressed, int[] bbox) {
        CocoRle rle = CocoRle.encode(m);
        assertEquals(m.height(), rle.height());
        assertEquals(m.width(), rle.width());
        assertArrayEquals(counts, rle.counts(), "counts");
        assertEquals(compressed, rle.toCompressedString(), "compressed string");
        assertEquals(m, rle.decode(), "decode");
        assertEquals(rle, CocoRle.fromCompressedString(compressed, m.height(), m.width()), "rleFrString");
        assertEquals(m.area(), rle.area());
        if (bbox == null) {
            assertTrue(m.bbox().isEmpty());
        } else {
            assertArrayEquals(bbox, m.bbox().orElseThrow().toArray(), "bbox");
        }
    }

    @Test
    void plusSignByHand() {
        // column-major pixels: col0 = 0,1,0  col1 = 1,1,1  col2 = 0,1,0 -> runs 1,1,1,3,1,1,1.
        // string: 1,1,1 as is ('1'); from index 3 minus counts[i-2]: 3-1=2 '2', 1-1=0 '0',
        // 1-3=-2 -> 5-bit group 30 (bit 4 set, rest is -1: stop) -> 48+30='N', 1-1=0 '0'
        BinaryMask m = Masks.ascii("010", "111", "010");
        assertCoco(m, new int[] {1, 1, 1, 3, 1, 1, 1}, "11120N0", new int[] {0, 0, 3, 3});
    }

    @Test
    void asymmetricMaskCatchesTransposition() {
        // pycocotools: counts 0 2 3 1 4 1 3 1 3 2, string "023O10O001", bbox 0 0 5 4
        BinaryMask m = Masks.ascii("10000", "11000", "00111", "00001");
        assertCoco(m, new int[] {0, 2, 3, 1, 4, 1, 3, 1, 3, 2}, "023O10O001", new int[] {0, 0, 5, 4});
    }

    @Test
    void longRunsRectangleByHand() {
        // h=100 w=120, x in [10,70) y in [20,60): zero-run 10*100+20 = 1020, then per column 40 ones and
        // 60 zeros (40 below + 20 above), 60 columns, then 40 + 49*100 = 4940 + 100 = 5040 trailing zeros.
        // 1020 = 0b11111_11100: groups 28 (bit 4 set, rest 31 != -1: more) 'l', 31 (rest 0 != -1: more) 'o', 0 '0'
        // 40: groups 8 (+32 more) 'X', 1 '1'; 60 (index 2: not a delta): 28|32 'l', 1 '1'; then deltas 0 ... 0;
        // last 5040-60 = 4980 = 0b100_11011_10100: 20|32 'd', 27|32 'k', 4 '4'
        BinaryMask m = Masks.rects(100, 120, new int[] {10, 20, 70, 60});
        int[] counts = new int[121];
        counts[0] = 1020;
        for (int k = 0; k < 60; k++) {
            counts[1 + 2 * k] = 40;
            if (k < 59) {
                counts[2 + 2 * k] = 60;
            }
        }
        counts[120] = 5040;
        String s = "lo0X1l1" + "0".repeat(117) + "dk4";
        assertCoco(m, counts, s, new int[] {10, 20, 60, 40});
    }

    @Test
    void wrappingRunsAndNegativeDeltasMatchPycocotools() {
        BinaryMask m = Masks.rects(64, 48, new int[] {0, 0, 48, 10}, new int[] {5, 30, 20, 60});
        // column-major: the top band starts every column (10 ones); a rectangle column continues with
        // 20 zeros, 30 ones, 4 zeros, any other with 54 zeros; the first run (zeros) is empty
        List<Integer> c = new ArrayList<>(List.of(0));
        for (int col = 0; col < 48; col++) {
            c.add(10);
            if (col >= 5 && col < 20) {
                c.addAll(List.of(20, 30, 4));
            } else {
                c.add(54);
            }
        }
        int[] counts = c.stream().mapToInt(Integer::intValue).toArray();
        // pycocotools' rleToString of these runs
        String s = "0:f1000000000nNd0@\\O`0" + "d0@\\O`0".repeat(13) + "d0@\\Ob1" + "0".repeat(54);
        assertEquals(174, s.length());
        assertCoco(m, counts, s, new int[] {0, 0, 48, 60});
    }

    @Test
    void severalRectanglesMatchPycocotools() {
        BinaryMask m = Masks.rects(37, 53, new int[] {3, 4, 9, 30}, new int[] {20, 2, 52, 5},
                new int[] {30, 25, 31, 36}, new int[] {0, 36, 53, 37});
        String s = "T11T1000POi02WONi02WONi02WONi02WONi02WONi02WOn0000000000000000000000nN2m0NSO2m0NSO2m0NSO2m0NSO2m0"
                + "NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2b09^OGm0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0"
                + "NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0NSO2m0N50";
        CocoRle rle = CocoRle.encode(m);
        assertEquals(s, rle.toCompressedString());
        assertEquals(182, rle.runCount());
        assertArrayEquals(new int[] {36, 1, 36, 1, 36, 1, 4, 26, 6, 1}, Arrays.copyOf(rle.counts(), 10));
        assertArrayEquals(new int[] {0, 2, 53, 35}, m.bbox().orElseThrow().toArray());
        assertEquals(m, CocoRle.fromCompressedString(s, 37, 53).decode());
    }

    @Test
    void emptyFullAndSinglePixel() {
        // empty: one zero-run of 63 = 0b1_11111 -> 31|32 'o', 1 '1'; full: a leading zero-run of 0
        assertCoco(BinaryMask.empty(7, 9), new int[] {63}, "o1", null);
        assertCoco(BinaryMask.full(7, 9), new int[] {0, 63}, "0o1", new int[] {0, 0, 9, 7});
        assertCoco(BinaryMask.full(1, 1), new int[] {0, 1}, "01", new int[] {0, 0, 1, 1});
        assertCoco(BinaryMask.empty(1, 1), new int[] {1}, "1", null);
    }

    @Test
    void countsAboveSixteenBitsMatchPycocotools() {
        // h=300 w=500, columns 400..449 full: runs 120000, 15000, 15000; pycocotools string "PVe3hd>hd>"
        BinaryMask m = Masks.rects(300, 500, new int[] {400, 0, 450, 300});
        assertCoco(m, new int[] {120000, 15000, 15000}, "PVe3hd>hd>", new int[] {400, 0, 50, 300});
    }

    @Test
    void hugeCountsUseSevenGroups() {
        int h = 1 << 15;
        int w = (1 << 16) - 1; // h*w just below 2^31
        int total = h * w;
        CocoRle rle = new CocoRle(h, w, new int[] {total - 5, 2, 3});
        String s = rle.toCompressedString();
        assertEquals(rle, CocoRle.fromCompressedString(s, h, w));
        // 2^31 - 2^15 - 5 needs 31 bits plus a clear sign bit: seven 5-bit groups
        assertEquals(7, countFirstGroups(s));
        CocoRle deltas = new CocoRle(h, w, new int[] {1, total - 3, 1, 1});
        assertEquals(deltas, CocoRle.fromCompressedString(deltas.toCompressedString(), h, w));
    }

    /** Characters of the first count: continuation characters have bit 5 set. */
    private static int countFirstGroups(String s) {
        int n = 0;
        while (((s.charAt(n) - 48) & 0x20) != 0) {
            n++;
        }
        return n + 1;
    }

    @Test
    void randomMasksRoundTrip() {
        Random rnd = new Random(7);
        int[][] sizes = {{1, 1}, {1, 37}, {41, 1}, {5, 64}, {64, 5}, {33, 65}, {128, 96}, {257, 3}};
        for (int[] hw : sizes) {
            for (double density : new double[] {0.0, 0.02, 0.5, 0.97, 1.0}) {
                BinaryMask m = Masks.random(rnd, hw[0], hw[1], density);
                checkRoundTrip(m);
            }
            if (hw[0] > 1 && hw[1] > 1) {
                checkRoundTrip(Masks.randomRects(rnd, hw[0], hw[1], 3));
            }
        }
    }

    private static void checkRoundTrip(BinaryMask m) {
        CocoRle rle = CocoRle.encode(m);
        int[] c = rle.counts();
        long sum = 0;
        for (int v : c) {
            sum += v;
        }
        assertEquals((long) m.pixelCount(), sum);
        if (m.get(0, 0)) {
            assertEquals(0, c[0], "a set first pixel gives an empty leading zero-run");
        } else {
            assertTrue(c[0] > 0, "leading zero-run");
        }
        for (int j = 1; j < c.length; j++) {
            assertTrue(c[j] > 0, "only the first run may be empty");
        }
        assertEquals(m, rle.decode());
        CocoRle back = CocoRle.fromCompressedString(rle.toCompressedString(), m.height(), m.width());
        assertEquals(rle, back);
        assertEquals(m, back.decode());
    }

    @Test
    void countsAreDefensivelyCopied() {
        int[] c = {0, 4};
        CocoRle rle = new CocoRle(2, 2, c);
        c[0] = 99;
        assertEquals(0, rle.counts()[0]);
        int[] out = rle.counts();
        out[1] = 0;
        assertEquals(4, rle.counts()[1]);
        assertNotSame(rle.counts(), rle.counts());
        assertEquals(List.of(0, 4), rle.countsList());
        assertEquals(List.of(2, 2), rle.size());
        assertThrows(UnsupportedOperationException.class, () -> rle.countsList().set(0, 1));
    }

    @Test
    void malformedInputIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CocoRle.fromCompressedString("11120N0", 3, 4));
        assertTrue(e.getMessage().contains("add up to 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CocoRle.fromCompressedString("11 20N0", 3, 3));
        assertTrue(e.getMessage().contains("' '"), e.getMessage());
        // 'X' = 40 has the continuation bit: the string ends inside a count
        e = assertThrows(IllegalArgumentException.class, () -> CocoRle.fromCompressedString("X", 3, 3));
        assertTrue(e.getMessage().contains("ends inside"), e.getMessage());
        // a negative first count ('N' = -2)
        assertThrows(IllegalArgumentException.class, () -> CocoRle.fromCompressedString("N", 3, 3));
        assertThrows(IllegalArgumentException.class, () -> CocoRle.fromCompressedString("", 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new CocoRle(2, 2, new int[] {5, -1}));
        assertThrows(IllegalArgumentException.class, () -> new CocoRle(0, 2, new int[] {}));
    }
}
