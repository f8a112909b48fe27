package ai.legion.data.augment;

import static ai.legion.data.augment.AugmentTestImages.random;
import static ai.legion.data.augment.AugmentTestImages.rect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.data.perturb.JpegCompression;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PhotometricAugmentationTest {

    private static RgbImage noise(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void photometricAugmentationsLeaveMasksUntouched() {
        int w = 48;
        int h = 32;
        List<BinaryMask> masks = List.of(random(w, h, 3), rect(w, h, 4, 4, 20, 10));
        Sample s = new Sample(noise(w, h, 1), masks);
        for (Augmentation a : List.of(new BlurAugment(1.0, 0.5, 3.0), new JpegAugment(1.0, 30, 100),
                Augmentations.blurJpeg(1.0))) {
            Sample out = a.apply(s, 5L);
            assertEquals(masks, out.masks(), a.name());
            assertNotEquals(s.image(), out.image(), a.name() + " changed the image");
        }
        assertSame(s, new BlurAugment(0.0, 0, 3).apply(s, 5L));
        assertSame(s, new JpegAugment(0.0, 30, 100).apply(s, 5L));
    }

    @Test
    void jpegAugmentUsesDrawnQuality() {
        RgbImage img = noise(24, 16, 2);
        Sample s = Sample.of(img);
        Sample out = new JpegAugment(1.0, 42, 42).apply(s, 1L);
        assertEquals(JpegCompression.roundTrip(img, 42), out.image());
        // deterministic by seed; the drawn qualities cover the range
        assertEquals(new JpegAugment(1.0, 30, 100).apply(s, 9L), new JpegAugment(1.0, 30, 100).apply(s, 9L));
        assertThrows(IllegalArgumentException.class, () -> new JpegAugment(1.0, 0, 50));
        assertThrows(IllegalArgumentException.class, () -> new JpegAugment(1.0, 60, 50));
        assertThrows(IllegalArgumentException.class, () -> new JpegAugment(1.5, 30, 100));
    }

    @Test
    void scipyKernel() {
        // σ = 1: radius int(4.5) = 4, weights exp(−x²/2) normalized
        double[] k = ScipyGaussianFilter.kernel(1.0);
        assertEquals(9, k.length);
        double norm = 0;
        for (int x = -4; x <= 4; x++) {
            norm += Math.exp(-0.5 * x * x);
        }
        for (int x = -4; x <= 4; x++) {
            assertEquals(Math.exp(-0.5 * x * x) / norm, k[x + 4], 1e-15);
        }
        assertEquals(1 + 2 * 12, ScipyGaussianFilter.kernel(3.0).length); // int(12.5) = 12
        assertEquals(3, ScipyGaussianFilter.kernel(0.3).length); // int(1.7) = 1
        assertEquals(1, ScipyGaussianFilter.kernel(0.1).length); // int(0.9) = 0: the identity
        double sum = 0;
        for (double v : ScipyGaussianFilter.kernel(2.2)) {
            sum += v;
        }
        assertEquals(1.0, sum, 1e-14);
    }

    @Test
    void scipyPairwiseSumMatchesNumpyBlocking() {
        double[] a = new double[20];
        for (int i = 0; i < a.length; i++) {
            a[i] = 1.0 / (i + 1);
        }
        // n = 20: r[j] = a[j] + a[8 + j]; combined in a tree; then a[16..19] added in order
        double[] r = new double[8];
        for (int j = 0; j < 8; j++) {
            r[j] = a[j] + a[8 + j];
        }
        double expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (int i = 16; i < 20; i++) {
            expected += a[i];
        }
        assertEquals(expected, ScipyGaussianFilter.pairwiseSum(a, 0, 20));
        assertEquals(((((0.0 + a[0]) + a[1]) + a[2])), ScipyGaussianFilter.pairwiseSum(a, 0, 3));
    }

    @Test
    void scipyReflectMode() {
        // d c b a | a b c d | d c b a
        assertEquals(0, ScipyGaussianFilter.reflect(-1, 4));
        assertEquals(3, ScipyGaussianFilter.reflect(-4, 4));
        assertEquals(3, ScipyGaussianFilter.reflect(-5, 4));
        assertEquals(3, ScipyGaussianFilter.reflect(4, 4));
        assertEquals(0, ScipyGaussianFilter.reflect(7, 4));
        assertEquals(0, ScipyGaussianFilter.reflect(8, 4));
        assertEquals(0, ScipyGaussianFilter.reflect(5, 1));
    }

    @Test
    void scipyBlurHandComputedWithIntermediateTruncation() {
        // σ = 0.4: r = int(2.1) = 2, w = exp(−x²/0.32)/Σ
        double[] k = ScipyGaussianFilter.kernel(0.4);
        assertEquals(5, k.length);
        // 3x3 image, single impulse 200 at the centre of channel 0
        byte[] rgb = new byte[27];
        rgb[(1 * 3 + 1) * 3] = (byte) 200;
        RgbImage out = ScipyGaussianFilter.blur(new RgbImage(3, 3, rgb), 0.4);
        // vertical pass: column 1 = [200·k1, 200·k0, 200·k1] (reflect: taps at ±2 hit rows 1 and 1 again:
        // row 0's taps −2,−1,0,1,2 -> rows 1,0,0,1,2; the centre row 1 appears at offsets −1 and +1... )
        int[] col = new int[3];
        for (int y = 0; y < 3; y++) {
            double s = 0;
            for (int t = -2; t <= 2; t++) {
                int sy = ScipyGaussianFilter.reflect(y + t, 3);
                s += (sy == 1 ? 200 : 0) * k[t + 2];
            }
            col[y] = (int) s; // uint8 intermediate
        }
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                double s = 0;
                for (int t = -2; t <= 2; t++) {
                    int sx = ScipyGaussianFilter.reflect(x + t, 3);
                    s += (sx == 1 ? col[y] : 0) * k[t + 2];
                }
                assertEquals((int) s, out.get(x, y, 0), "at " + x + "," + y);
                assertEquals(0, out.get(x, y, 1));
            }
        }
        assertTrue(out.get(1, 1, 0) < 200 && out.get(1, 1, 0) > 100);
    }

    @Test
    void scipyBlurOfConstantAndTinySigma() {
        byte[] rgb = new byte[20 * 10 * 3];
        java.util.Arrays.fill(rgb, (byte) 173);
        RgbImage c = new RgbImage(20, 10, rgb);
        // the normalized weights sum to a hair under 1, so each of the two uint8 passes can truncate one
        // level away (SciPy does the same: 173 -> 172.99999999999997 -> 172 -> 171.99999999999997 -> 171)
        RgbImage out = ScipyGaussianFilter.blur(c, 2.5);
        for (byte v : out.rgb()) {
            assertEquals(171, v & 0xFF);
        }
        RgbImage img = noise(10, 10, 4);
        assertSame(img, ScipyGaussianFilter.blur(img, 0.0));
        assertArrayEquals(img.rgb(), ScipyGaussianFilter.blur(img, 0.1).rgb(), "radius 0: identity");
        assertFalse(img.equals(ScipyGaussianFilter.blur(img, 1.0)));
        assertThrows(IllegalArgumentException.class, () -> ScipyGaussianFilter.blur(img, -1));
    }

    @Test
    void blurAugmentDrawsSigmaInRange() {
        RgbImage img = noise(30, 30, 6);
        Sample s = Sample.of(img);
        // σ fixed at 1.2 -> identical to the filter
        assertEquals(ScipyGaussianFilter.blur(img, 1.2), new BlurAugment(1.0, 1.2, 1.2).apply(s, 3L).image());
        assertEquals(new BlurAugment(1.0, 0, 3).apply(s, 8L), new BlurAugment(1.0, 0, 3).apply(s, 8L));
        assertThrows(IllegalArgumentException.class, () -> new BlurAugment(0.5, -1, 3));
        assertThrows(IllegalArgumentException.class, () -> new BlurAugment(-0.1, 0, 3));
    }

    @Test
    void probabilityGatesPhotometricAugmentations() {
        Sample s = Sample.of(noise(8, 8, 7));
        BlurAugment blur = new BlurAugment(Augmentations.CNNSPOT_PROBABILITY, 0.5, 3.0);
        SplittableRandom rng = new SplittableRandom(99);
        int changed = 0;
        for (int i = 0; i < 2000; i++) {
            if (blur.apply(s, rng) != s) {
                changed++;
            }
        }
        assertEquals(200, changed, 45);
    }
}
