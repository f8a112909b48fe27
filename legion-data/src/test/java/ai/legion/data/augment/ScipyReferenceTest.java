package ai.legion.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.legion.core.image.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bit-exactness against SciPy 1.17.1 {@code gaussian_filter} outputs in {@code src/test/resources/augment}. */
class ScipyReferenceTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ScipyReferenceTest.class.getResourceAsStream("/augment/" + name)) {
            assertNotNull(in, "missing test resource augment/" + name);
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.3", "0.7", "1.0", "1.618", "2.5", "3.0"})
    void blurEqualsScipy(String sigma) throws IOException {
        RgbImage img = new RgbImage(37, 23, resource("input_37x23.rgb"));
        RgbImage out = ScipyGaussianFilter.blur(img, Double.parseDouble(sigma));
        assertArrayEquals(resource("scipy_sigma" + sigma + ".rgb"), out.rgb(), "sigma " + sigma);
    }
}
