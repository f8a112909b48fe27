package ai.legion.data.perturb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GaussianNoiseTest {

    private static RgbImage constant(int w, int h, int value) {
        byte[] rgb = new byte[w * h * 3];
        Arrays.fill(rgb, (byte) value);
        return new RgbImage(w, h, rgb);
    }

    @Test
    void sameSeedSameBytesOtherSeedDiffers() {
        RgbImage img = constant(64, 48, 128);
        GaussianNoise n = new GaussianNoise(0.1);
        RgbImage a = n.apply(img, 7L);
        RgbImage b = n.apply(img, 7L);
        RgbImage c = n.apply(img, 8L);
        assertEquals(a, b);
        assertFalse(a.equals(c));
        assertEquals(128, img.get(0, 0, 0), "input untouched");
    }

    @Test
    void statisticsOnMidGray() {
        // x = 128, σ = 0.1 -> x' = trunc(128 + 25.5·g): the difference has std ≈ 25.5 and mean ≈ −0.5
        // (truncation), clamping being negligible 5 σ away
        RgbImage img = constant(256, 256, 128);
        RgbImage out = new GaussianNoise(0.1).apply(img, 12345L);
        byte[] o = out.rgb();
        double sum = 0;
        double sq = 0;
        for (byte v : o) {
            double d = (v & 0xFF) - 128;
            sum += d;
            sq += d * d;
        }
        int n = o.length;
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        assertEquals(-0.5, mean, 0.25, "mean of x' - x");
        assertEquals(Math.sqrt(25.5 * 25.5 + 1.0 / 12), std, 0.4, "std of x' - x");
    }

    @Test
    void meanOptionShiftsByLevels() {
        RgbImage img = constant(128, 128, 100);
        RgbImage out = new GaussianNoise(0.02, 20).apply(img, 3L); // +20 levels, σ 5.1 levels
        double sum = 0;
        for (byte v : out.rgb()) {
            sum += (v & 0xFF) - 100;
        }
        assertEquals(19.5, sum / out.rgb().length, 0.2);
    }

    @Test
    void zeroSigmaIsIdentityAndClampingHolds() {
        byte[] rgb = new byte[256 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i / 3);
        }
        RgbImage ramp = new RgbImage(256, 1, rgb);
        assertEquals(ramp, new GaussianNoise(0.0).apply(ramp, 99L));
        // a huge σ saturates: every value is 0 or 255 (P(|g| < 1e-6) is negligible)
        RgbImage sat = new GaussianNoise(1e6).apply(ramp, 5L);
        for (byte v : sat.rgb()) {
            int u = v & 0xFF;
            assertTrue(u == 0 || u == 255, "saturated value " + u);
        }
        // a large positive mean pins everything at 255
        byte[] all255 = new byte[rgb.length];
        Arrays.fill(all255, (byte) 255);
        assertArrayEquals(all255, new GaussianNoise(0.0, 300).apply(ramp, 1L).rgb());
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new GaussianNoise(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new GaussianNoise(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new GaussianNoise(0.1, Double.POSITIVE_INFINITY));
    }
}
