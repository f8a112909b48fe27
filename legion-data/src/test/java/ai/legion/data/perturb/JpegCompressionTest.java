package ai.legion.data.perturb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JpegCompressionTest {

    /** Smooth test image: gradients and low-frequency waves. */
    static RgbImage smooth(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                rgb[i] = (byte) (40 + 170.0 * x / (w - 1));
                rgb[i + 1] = (byte) (128 + 80 * Math.sin(2 * Math.PI * x / w) * Math.cos(2 * Math.PI * y / h));
                rgb[i + 2] = (byte) (30 + 190.0 * y / (h - 1));
            }
        }
        return new RgbImage(w, h, rgb);
    }

    static double psnr(RgbImage a, RgbImage b) {
        double se = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            double d = (a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF);
            se += d * d;
        }
        double mse = se / a.rgb().length;
        return 10 * Math.log10(255.0 * 255.0 / mse);
    }

    @Test
    void highQualityIsCloseAndLowerQualityIsWorse() {
        RgbImage img = smooth(160, 120);
        int[] qualities = {100, 90, 75, 50, 35, 20, 10};
        List<Double> values = new ArrayList<>();
        for (int q : qualities) {
            RgbImage out = new JpegCompression(q).apply(img, 0L);
            assertEquals(img.width(), out.width());
            assertEquals(img.height(), out.height());
            values.add(psnr(img, out));
        }
        assertTrue(values.get(0) > 40.0, "PSNR at q=100: " + values.get(0));
        for (int i = 1; i < values.size(); i++) {
            assertTrue(values.get(i) < values.get(i - 1), "PSNR not decreasing at q=" + qualities[i] + ": " + values);
        }
    }

    @Test
    void deterministic() {
        RgbImage img = smooth(50, 37);
        assertEquals(new JpegCompression(35).apply(img, 1L), new JpegCompression(35).apply(img, 2L));
        assertArrayEquals(JpegCompression.encode(img, 35), JpegCompression.encode(img, 35));
    }

    @Test
    void libjpegQuantTables() {
        // q = 50: the Annex K tables themselves
        int[] l50 = JpegCompression.quantTable(50, false);
        assertEquals(16, l50[0]);
        assertEquals(99, l50[63]);
        assertEquals(17, JpegCompression.quantTable(50, true)[0]);
        // q = 30: scale = 5000/30 = 166 (integer division); 16·166 + 50 = 2706 -> 27; 99·166 + 50 -> 164
        int[] l30 = JpegCompression.quantTable(30, false);
        assertEquals(27, l30[0]);
        assertEquals(164, l30[63]);
        // q = 100: all ones; q = 1: clamped at 255 (force_baseline)
        for (int v : JpegCompression.quantTable(100, true)) {
            assertEquals(1, v);
        }
        for (int v : JpegCompression.quantTable(1, false)) {
            assertEquals(255, v);
        }
        // q = 75: scale 50; 11·50 + 50 = 600 -> 6
        assertEquals(6, JpegCompression.quantTable(75, false)[1]);
    }

    private static final int[] ZIGZAG = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53,
        60, 61, 54, 47, 55, 62, 63};

    @Test
    void encodedStreamHasLibjpegTablesAnd420() {
        byte[] jpeg = JpegCompression.encode(smooth(33, 17), 30);
        int[][] dqt = new int[2][];
        int[][] sampling = null;
        boolean baseline = false;
        int i = 2;
        assertEquals(0xFF, jpeg[0] & 0xFF);
        assertEquals(0xD8, jpeg[1] & 0xFF);
        while (i + 4 <= jpeg.length) {
            assertEquals(0xFF, jpeg[i] & 0xFF, "marker expected at " + i);
            int marker = jpeg[i + 1] & 0xFF;
            int len = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
            int p = i + 4;
            if (marker == 0xDB) {
                int end = i + 2 + len;
                while (p < end) {
                    int pq = (jpeg[p] & 0xFF) >> 4;
                    int id = jpeg[p] & 0x0F;
                    assertEquals(0, pq, "8-bit tables");
                    int[] natural = new int[64];
                    for (int k = 0; k < 64; k++) {
                        natural[ZIGZAG[k]] = jpeg[p + 1 + k] & 0xFF;
                    }
                    dqt[id] = natural;
                    p += 65;
                }
            } else if (marker == 0xC0) {
                baseline = true;
                int n = jpeg[p + 5] & 0xFF;
                assertEquals(3, n);
                sampling = new int[n][];
                for (int c = 0; c < n; c++) {
                    int hv = jpeg[p + 7 + 3 * c] & 0xFF;
                    sampling[c] = new int[] {hv >> 4, hv & 0x0F, jpeg[p + 8 + 3 * c] & 0xFF};
                }
            } else if (marker == 0xDA) {
                break;
            }
            i += 2 + len;
        }
        assertTrue(baseline, "baseline SOF0");
        assertArrayEquals(JpegCompression.quantTable(30, false), dqt[0]);
        assertArrayEquals(JpegCompression.quantTable(30, true), dqt[1]);
        assertArrayEquals(new int[] {2, 2, 0}, sampling[0], "luma H2V2, table 0");
        assertArrayEquals(new int[] {1, 1, 1}, sampling[1], "Cb H1V1, table 1");
        assertArrayEquals(new int[] {1, 1, 1}, sampling[2], "Cr H1V1, table 1");
    }

    @Test
    void rejectsBadQuality() {
        assertThrows(IllegalArgumentException.class, () -> new JpegCompression(0));
        assertThrows(IllegalArgumentException.class, () -> new JpegCompression(101));
        assertThrows(IllegalArgumentException.class, () -> JpegCompression.quantTable(-5, false));
    }

    @Test
    void tinyImagesRoundTrip() {
        RgbImage one = new RgbImage(1, 1, new byte[] {(byte) 200, 10, 90});
        RgbImage out = new JpegCompression(95).apply(one, 0L);
        assertEquals(1, out.width());
        assertEquals(1, out.height());
        assertTrue(Math.abs(out.get(0, 0, 0) - 200) <= 6, "R " + out.get(0, 0, 0));
    }
}
