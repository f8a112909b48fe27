package ai.legion.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.legion.core.io.SafetensorsFile;
import ai.legion.core.io.TensorInfo;
import ai.legion.testing.Fixtures;

/** Reads uint8 HWC fixture tensors as {@link RgbImage}s (shape from the file) and compares images. */
final class ImageFixtures {

    private ImageFixtures() {}

    /** A U8 {@code [H, W, 3]} tensor as an image. */
    static RgbImage u8Image(SafetensorsFile file, String key) throws Exception {
        TensorInfo info = file.info(key);
        long[] shape = info.shape();
        assertEquals(3, shape.length, key + " rank");
        assertEquals(3, shape[2], key + " channels");
        long[] v = Fixtures.longs(file, key);
        byte[] rgb = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            rgb[i] = (byte) v[i];
        }
        return new RgbImage((int) shape[1], (int) shape[0], rgb);
    }

    /** Number of samples that differ, after checking the sizes agree. */
    static int differingSamples(RgbImage expected, RgbImage actual) {
        assertEquals(expected.width(), actual.width(), "width");
        assertEquals(expected.height(), actual.height(), "height");
        int n = 0;
        for (int i = 0; i < expected.rgb().length; i++) {
            if (expected.rgb()[i] != actual.rgb()[i]) {
                n++;
            }
        }
        return n;
    }

    /** Largest |expected − actual| over the samples. */
    static int maxSampleDiff(RgbImage expected, RgbImage actual) {
        assertEquals(expected.width(), actual.width(), "width");
        assertEquals(expected.height(), actual.height(), "height");
        int m = 0;
        for (int i = 0; i < expected.rgb().length; i++) {
            m = Math.max(m, Math.abs((expected.rgb()[i] & 0xFF) - (actual.rgb()[i] & 0xFF)));
        }
        return m;
    }
}
