package ai.legion.data.perturb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GaussianBlurTest {

    private static float[] dyadic(int denominator, int... numerators) {
        float[] k = new float[numerators.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) numerators[i] / denominator;
        }
        return k;
    }

    @Test
    void fixedKernelsMatchOpenCvTables() {
        assertArrayEquals(new float[] {1f}, GaussianBlur.kernel(1));
        assertArrayEquals(new float[] {0.25f, 0.5f, 0.25f}, GaussianBlur.kernel(3));
        assertArrayEquals(dyadic(16, 1, 4, 6, 4, 1), GaussianBlur.kernel(5));
        assertArrayEquals(new float[] {0.03125f, 0.109375f, 0.21875f, 0.28125f, 0.21875f, 0.109375f, 0.03125f},
                GaussianBlur.kernel(7));
        assertArrayEquals(dyadic(64, 2, 7, 14, 18, 14, 7, 2), GaussianBlur.kernel(7));
        // OpenCV >= 4.2 getGaussianKernelBitExact: 9-tap table instead of sigma 1.7
        assertArrayEquals(dyadic(256, 4, 13, 30, 51, 60, 51, 30, 13, 4), GaussianBlur.kernel(9));
    }

    @Test
    void sigmaRule() {
        assertEquals(0.8, GaussianBlur.sigmaFor(3), 1e-12);
        assertEquals(1.1, GaussianBlur.sigmaFor(5), 1e-12);
        assertEquals(1.4, GaussianBlur.sigmaFor(7), 1e-12);
        assertEquals(1.7, GaussianBlur.sigmaFor(9), 1e-12);
        assertEquals(2.6, GaussianBlur.sigmaFor(15), 1e-12);
    }

    @Test
    void computedKernelIsNormalizedSymmetricGaussian() {
        float[] k = GaussianBlur.kernel(15);
        assertEquals(15, k.length);
        double sigma = 2.6;
        double norm = 0;
        for (int i = -7; i <= 7; i++) {
            norm += Math.exp(-i * i / (2 * sigma * sigma));
        }
        double sum = 0;
        for (int i = 0; i < 15; i++) {
            assertEquals(k[i], k[14 - i], "symmetric at " + i);
            double x = i - 7;
            assertEquals(Math.exp(-x * x / (2 * sigma * sigma)) / norm, k[i], 1e-7, "tap " + i);
            sum += k[i];
        }
        assertEquals(1.0, sum, 1e-6);
        for (int i = 0; i < 7; i++) {
            assertTrue(k[i] < k[i + 1], "increasing towards the centre");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -3, 2, 4, 10})
    void rejectsEvenOrNonPositiveSizes(int k) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(k));
        assertTrue(e.getMessage().contains(Integer.toString(k)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GaussianBlur.kernel(k));
    }

    private static RgbImage gray(int w, int h, int... values) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            rgb[3 * i] = (byte) values[i];
            rgb[3 * i + 1] = (byte) values[i];
            rgb[3 * i + 2] = (byte) values[i];
        }
        return new RgbImage(w, h, rgb);
    }

    private static int[] channel(RgbImage img, int c) {
        int[] out = new int[img.pixelCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = img.rgb()[3 * i + c] & 0xFF;
        }
        return out;
    }

    @Test
    void singleRowUsesReflect101AndTruncates() {
        // height 1: OpenCV filters horizontally only. Row a b c d = 0 10 20 50, k = 5 ([1,4,6,4,1]/16),
        // REFLECT_101 padding c b | a b c d | c b = 20 10 | 0 10 20 50 | 20 10:
        // x0 = (20 + 4·10 + 6·0 + 4·10 + 20)/16 = 120/16 = 7.5   -> 7
        // x1 = (10 + 4·0 + 6·10 + 4·20 + 50)/16 = 200/16 = 12.5  -> 12
        // x2 = (0 + 4·10 + 6·20 + 4·50 + 20)/16 = 380/16 = 23.75 -> 23
        // x3 = (10 + 4·20 + 6·50 + 4·20 + 10)/16 = 480/16 = 30  -> 30
        RgbImage out = new GaussianBlur(5).apply(gray(4, 1, 0, 10, 20, 50), 0L);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(new int[] {7, 12, 23, 30}, channel(out, c));
        }
    }

    @Test
    void handComputed2dImpulse() {
        // 4x4, k = 3 ([1,2,1]/4). R: impulse 100 at (0,0); G: constant 77; B: 0.
        // Rows: row 0 [100,0,0,0] with REFLECT_101 (x=-1 -> 1) -> [50, 25, 0, 0]; other rows 0.
        // Columns: y0 = 0.25·row1 + 0.5·row0 + 0.25·row1 = [25, 12.5, 0, 0] -> [25, 12, 0, 0]
        //          y1 = 0.25·row0 + 0.5·row1 + 0.25·row2 = [12.5, 6.25, 0, 0] -> [12, 6, 0, 0]; y2, y3 = 0.
        byte[] rgb = new byte[16 * 3];
        for (int i = 0; i < 16; i++) {
            rgb[3 * i + 1] = 77;
        }
        rgb[0] = 100;
        RgbImage out = new GaussianBlur(3).apply(new RgbImage(4, 4, rgb), 0L);
        assertArrayEquals(new int[] {25, 12, 0, 0, 12, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, channel(out, 0));
        int[] g = new int[16];
        java.util.Arrays.fill(g, 77);
        assertArrayEquals(g, channel(out, 1));
        assertArrayEquals(new int[16], channel(out, 2));
    }

    @Test
    void reflect101Indices() {
        assertEquals(2, GaussianBlur.reflect101(-2, 4));
        assertEquals(1, GaussianBlur.reflect101(-1, 4));
        assertEquals(2, GaussianBlur.reflect101(4, 4));
        assertEquals(1, GaussianBlur.reflect101(5, 4));
        assertEquals(0, GaussianBlur.reflect101(-7, 1));
        // narrower than the radius: reflections repeat (…1 0 1 | 0 1 | 0 1 0…)
        assertEquals(1, GaussianBlur.reflect101(3, 2));
        assertEquals(0, GaussianBlur.reflect101(-4, 2));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 5, 7, 9})
    void constantImageStaysConstantForDyadicKernels(int k) {
        int[] v = new int[37 * 23];
        java.util.Arrays.fill(v, 200);
        RgbImage out = new GaussianBlur(k).apply(gray(37, 23, v), 0L);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(v, channel(out, c), "k=" + k);
        }
    }

    @Test
    void constantImageWithFloatKernelCanLoseALevelLikeOpenCv() {
        // k = 15: the float32 taps do not sum to exactly 1, so truncation can lose a level
        // (opencv/opencv#28603). cv2 4.14 on a 30x40 constant image gives 1->1, 77->77, 128->128,
        // 200->199, 254->253, 255->255.
        int[][] expected = {{1, 1}, {77, 77}, {128, 128}, {200, 199}, {254, 253}, {255, 255}};
        for (int[] e : expected) {
            int[] v = new int[30 * 40];
            java.util.Arrays.fill(v, e[0]);
            int[] out = channel(new GaussianBlur(15).apply(gray(30, 40, v), 0L), 0);
            for (int o : out) {
                assertEquals(e[1], o, "constant " + e[0]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5, 9, 15})
    void matchesDirect2dConvolution(int k) {
        // a naive double-precision 2-D convolution with the same kernel and borders
        SplittableRandom rnd = new SplittableRandom(42 + k);
        int w = 19;
        int h = 11; // smaller than the 15-tap kernel's reach: exercises repeated reflection
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) rnd.nextInt(256);
        }
        RgbImage img = new RgbImage(w, h, rgb);
        RgbImage out = new GaussianBlur(k).apply(img, 0L);
        float[] ker = GaussianBlur.kernel(k);
        int r = k / 2;
        int maxDiff = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int j = -r; j <= r; j++) {
                        for (int i = -r; i <= r; i++) {
                            int sx = GaussianBlur.reflect101(x + i, w);
                            int sy = GaussianBlur.reflect101(y + j, h);
                            s += (double) ker[j + r] * ker[i + r] * img.get(sx, sy, c);
                        }
                    }
                    int expected = (int) s;
                    int diff = Math.abs(expected - out.get(x, y, c));
                    if (k <= 9) {
                        // dyadic kernels: float32 arithmetic is exact, so the results agree exactly
                        assertEquals(expected, out.get(x, y, c), "k=" + k + " at " + x + "," + y + "," + c);
                    }
                    maxDiff = Math.max(maxDiff, diff);
                }
            }
        }
        assertTrue(maxDiff <= 1, "max difference " + maxDiff);
    }

    @Test
    void doesNotModifyInputAndIgnoresSeed() {
        RgbImage img = gray(5, 5, new int[] {
            0, 50, 100, 150, 200, 10, 60, 110, 160, 210, 20, 70, 120, 170, 220, 30, 80, 130, 180, 230,
            40, 90, 140, 190, 240});
        byte[] before = img.rgb().clone();
        RgbImage a = new GaussianBlur(5).apply(img, 1L);
        RgbImage b = new GaussianBlur(5).apply(img, 2L);
        assertArrayEquals(before, img.rgb());
        assertEquals(a, b);
    }
}
