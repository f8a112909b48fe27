package ai.legion.data.perturb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.legion.core.image.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bit-exactness against OpenCV 4.14 / libjpeg-turbo / Pillow outputs stored in
 * {@code src/test/resources/perturb} (see the README there for how they were made).
 */
class UpstreamReferenceTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = UpstreamReferenceTest.class.getResourceAsStream("/perturb/" + name)) {
            assertNotNull(in, "missing test resource perturb/" + name);
            return in.readAllBytes();
        }
    }

    static RgbImage image(String name) throws IOException {
        return new RgbImage(37, 23, resource(name));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5, 7, 9, 15})
    void blurEqualsOpenCv(int k) throws IOException {
        RgbImage out = new GaussianBlur(k).apply(image("input_37x23.rgb"), 0L);
        assertArrayEquals(resource("opencv_blur_k" + k + ".rgb"), out.rgb(), "k=" + k);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 75, 50, 35, 20, 10})
    void jpegRoundTripEqualsLibjpegTurbo(int q) throws IOException {
        RgbImage out = new JpegCompression(q).apply(image("input_37x23.rgb"), 0L);
        assertArrayEquals(resource("libjpeg_q" + q + ".rgb"), out.rgb(), "q=" + q);
    }

    @ParameterizedTest
    @ValueSource(ints = {50, 20})
    void jpegScanDataEqualsOpenCvEncoder(int q) throws IOException {
        byte[] ours = JpegCompression.encode(image("input_37x23.rgb"), q);
        byte[] theirs = resource("opencv_q" + q + ".jpg");
        // headers differ (JFIF density, table order); the entropy-coded scan must not
        assertArrayEquals(fromSos(theirs), fromSos(ours), "q=" + q);
        assertEquals(theirs.length, ours.length, "total length");
    }

    private static byte[] fromSos(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                return Arrays.copyOfRange(jpeg, i, jpeg.length);
            }
        }
        throw new AssertionError("no SOS marker");
    }
}
