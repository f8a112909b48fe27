package ai.legion.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.PillowResize.Filter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PillowResizeTest {

    // ---------------------------------------------------------------------------------------------
    // A slow double-precision reference of Pillow's algorithm, written from the description:
    // per output pixel a window [center - support, center + support] (support widened by the
    // downscale factor), weights kernel((i + 0.5 - center) / filterscale) normalized to sum 1,
    // horizontal pass first over uint8 with round-half-up and clipping, then the vertical pass;
    // a pass whose size is unchanged is skipped. No fixed point.

    private static double kernel(Filter f, double x) {
        double a = Math.abs(x);
        return switch (f) {
            case BILINEAR -> a < 1 ? 1 - a : 0;
            case BICUBIC -> a < 1 ? (1.5 * a - 2.5) * a * a + 1 : a < 2 ? ((-0.5 * a + 2.5) * a - 4) * a + 2 : 0;
            case BOX -> x > -0.5 && x <= 0.5 ? 1 : 0;
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    /** Resamples one axis: {@code get(i)} reads input sample i of the line. */
    private static int[] referenceLine(int[] in, int outSize, Filter f) {
        int inSize = in.length;
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(1.0, scale);
        double support = f.support() * filterscale;
        int[] out = new int[outSize];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int lo = Math.max(0, (int) Math.floor(center - support + 0.5));
            int hi = Math.min(inSize, (int) Math.floor(center + support + 0.5));
            double sum = 0;
            double wsum = 0;
            for (int i = lo; i < hi; i++) {
                double w = kernel(f, (i + 0.5 - center) / filterscale);
                sum += w * in[i];
                wsum += w;
            }
            double v = wsum != 0 ? sum / wsum : sum;
            out[o] = (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
        }
        return out;
    }

    private static RgbImage reference(RgbImage src, int outW, int outH, Filter f) {
        int w = src.width();
        int h = src.height();
        int[][][] cur = new int[h][w][3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    cur[y][x][c] = src.get(x, y, c);
                }
            }
        }
        if (outW != w) {
            int[][][] next = new int[h][outW][3];
            for (int y = 0; y < h; y++) {
                for (int c = 0; c < 3; c++) {
                    int[] line = new int[w];
                    for (int x = 0; x < w; x++) {
                        line[x] = cur[y][x][c];
                    }
                    int[] r = referenceLine(line, outW, f);
                    for (int x = 0; x < outW; x++) {
                        next[y][x][c] = r[x];
                    }
                }
            }
            cur = next;
            w = outW;
        }
        if (outH != h) {
            int[][][] next = new int[outH][w][3];
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int[] line = new int[h];
                    for (int y = 0; y < h; y++) {
                        line[y] = cur[y][x][c];
                    }
                    int[] r = referenceLine(line, outH, f);
                    for (int y = 0; y < outH; y++) {
                        next[y][x][c] = r[y];
                    }
                }
            }
            cur = next;
        }
        byte[] rgb = new byte[outW * outH * 3];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * outW + x) * 3 + c] = (byte) cur[y][x][c];
                }
            }
        }
        return new RgbImage(outW, outH, rgb);
    }

    private static RgbImage randomImage(Random rnd, int w, int h, int style) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int v = switch (style) {
                        case 0 -> rnd.nextInt(256); // noise
                        case 1 -> (x * 255 / Math.max(1, w - 1) + c * 60) % 256; // smooth ramps
                        default -> ((x / 3 + y / 2 + c) % 2) * 255; // hard edges: exercises clipping
                    };
                    rgb[p + c] = (byte) v;
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    private static int[] compare(RgbImage expected, RgbImage actual) {
        assertEquals(expected.width(), actual.width());
        assertEquals(expected.height(), actual.height());
        int max = 0;
        int differing = 0;
        for (int i = 0; i < expected.rgb().length; i++) {
            int d = Math.abs((expected.rgb()[i] & 0xFF) - (actual.rgb()[i] & 0xFF));
            max = Math.max(max, d);
            differing += d > 0 ? 1 : 0;
        }
        return new int[] {max, differing};
    }

    @Test
    void fixedPointIsWithinOneOfTheDoubleReference() {
        int[][] sizes = {
            {64, 48, 56, 42}, // the CLIP fixture shape
            {90, 67, 64, 48}, // the SAM fixture shape
            {5, 4, 37, 29}, // upscale
            {1, 1, 5, 7}, // 1-pixel source
            {1, 10, 1, 3}, // 1-pixel wide
            {7, 1, 3, 1}, // 1-pixel high
            {300, 200, 3, 2}, // large downscale factor (support 200 px)
            {1000, 3, 7, 3}, // huge horizontal factor, vertical unchanged
            {20, 10, 20, 5}, // vertical pass only
            {20, 10, 7, 10}, // horizontal pass only
            {33, 17, 65, 9}, // up one way, down the other
            {2, 2, 1, 1},
        };
        Random rnd = new Random(2024);
        long total = 0;
        long differing = 0;
        for (Filter f : new Filter[] {Filter.BICUBIC, Filter.BILINEAR, Filter.BOX}) {
            for (int[] s : sizes) {
                for (int style = 0; style < 3; style++) {
                    RgbImage src = randomImage(rnd, s[0], s[1], style);
                    RgbImage fast = PillowResize.resize(src, s[2], s[3], f);
                    int[] cmp = compare(reference(src, s[2], s[3], f), fast);
                    assertTrue(cmp[0] <= 1, f + " " + java.util.Arrays.toString(s) + " style " + style + ": max diff "
                            + cmp[0]);
                    total += fast.rgb().length;
                    differing += cmp[1];
                }
            }
        }
        System.out.printf("PillowResize vs double reference: %d of %d samples differ by 1%n", differing, total);
        assertTrue(differing * 100 < total, "fixed point should agree with the reference almost everywhere");
    }

    @Test
    void roundsHalfUpLikePillow() {
        // 2 -> 1 bilinear: support 2, weights 0.5 / 0.5 exactly (2^21 each in fixed point)
        byte[] a = {10, 10, 10, 20, 20, 20};
        assertArrayEquals(new byte[] {15, 15, 15}, PillowResize.resize(a, 2, 1, 3, 1, 1, Filter.BILINEAR));
        byte[] b = {10, 10, 10, 21, 21, 21};
        assertArrayEquals(new byte[] {16, 16, 16}, PillowResize.resize(b, 2, 1, 3, 1, 1, Filter.BILINEAR)); // 15.5 -> 16
        // constant images stay constant under every filter and size
        byte[] gray = new byte[7 * 5];
        java.util.Arrays.fill(gray, (byte) 200);
        for (Filter f : Filter.values()) {
            byte[] out = PillowResize.resize(gray, 7, 5, 1, 13, 2, f);
            for (byte v : out) {
                assertEquals(200, v & 0xFF, f.toString());
            }
        }
    }

    @Test
    void bicubicOvershootIsClipped() {
        // a hard 0/255 edge upscaled with bicubic overshoots below 0 and above 255 before clipping
        byte[] edge = {0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255};
        byte[] out = PillowResize.resize(edge, 8, 1, 1, 32, 1, Filter.BICUBIC);
        int min = 255;
        int max = 0;
        for (byte v : out) {
            min = Math.min(min, v & 0xFF);
            max = Math.max(max, v & 0xFF);
        }
        assertEquals(0, min);
        assertEquals(255, max);
    }

    @Test
    void unchangedSizeIsACopy() {
        RgbImage src = randomImage(new Random(1), 9, 4, 0);
        for (Filter f : Filter.values()) {
            RgbImage out = PillowResize.resize(src, 9, 4, f);
            assertEquals(src, out);
            assertNotSame(src.rgb(), out.rgb());
        }
    }

    @Test
    void nearestFollowsImagingScaleAffine() {
        byte[] line = {0, 1, 2, 3, 4, 5, 6, 7};
        // downscale by 2: source x = floor((x + 0.5) * 2) = 1, 3, 5, 7
        assertArrayEquals(new byte[] {1, 3, 5, 7}, PillowResize.resize(line, 8, 1, 1, 4, 1, Filter.NEAREST));
        // upscale by 2: floor((x + 0.5) / 2) = 0, 0, 1, 1, ...
        assertArrayEquals(new byte[] {0, 0, 1, 1, 2, 2}, PillowResize.resize(new byte[] {0, 1, 2}, 3, 1, 1, 6, 1,
                Filter.NEAREST));
        // 3 -> 2: floor(0.75) = 0, floor(2.25) = 2
        assertArrayEquals(new byte[] {9, 7}, PillowResize.resize(new byte[] {9, 8, 7}, 3, 1, 1, 2, 1, Filter.NEAREST));
    }

    @Test
    void filterCodesAndArguments() {
        assertEquals(Filter.NEAREST, Filter.fromPil(0));
        assertEquals(Filter.LANCZOS, Filter.fromPil(1));
        assertEquals(Filter.BILINEAR, Filter.fromPil(2));
        assertEquals(Filter.BICUBIC, Filter.fromPil(3));
        assertEquals(Filter.BOX, Filter.fromPil(4));
        assertEquals(Filter.HAMMING, Filter.fromPil(5));
        assertThrows(IllegalArgumentException.class, () -> Filter.fromPil(6));
        RgbImage img = RgbImage.blank(3, 3);
        assertThrows(IllegalArgumentException.class, () -> PillowResize.resize(img, 0, 3, Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> PillowResize.resize(new byte[5], 2, 1, 3, 1, 1, Filter.BOX));
        // kernel values at the sample points Pillow documents
        assertEquals(1.0, Filter.BICUBIC.kernel(0), 0);
        assertEquals(0.5625, Filter.BICUBIC.kernel(0.5), 1e-15);
        assertEquals(-0.0625, Filter.BICUBIC.kernel(1.5), 1e-15);
        assertEquals(0.0, Filter.BICUBIC.kernel(2.0), 0);
        assertEquals(0.75, Filter.BILINEAR.kernel(-0.25), 0);
        assertEquals(1.0, Filter.LANCZOS.kernel(0), 0);
        assertEquals(0.0, Filter.LANCZOS.kernel(3.0), 0);
    }

    @Test
    void singleChannelMatchesTheRgbPath() {
        RgbImage src = randomImage(new Random(5), 31, 23, 0);
        RgbImage out = PillowResize.resize(src, 12, 40, Filter.BICUBIC);
        byte[] red = new byte[31 * 23];
        for (int i = 0; i < red.length; i++) {
            red[i] = src.rgb()[i * 3];
        }
        byte[] r1 = PillowResize.resize(red, 31, 23, 1, 12, 40, Filter.BICUBIC);
        for (int i = 0; i < r1.length; i++) {
            assertEquals(out.rgb()[i * 3], r1[i]);
        }
    }
}
