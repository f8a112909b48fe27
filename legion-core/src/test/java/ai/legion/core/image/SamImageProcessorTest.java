package ai.legion.core.image;

import static ai.legion.core.image.ImageFixtures.differingSamples;
import static ai.legion.core.image.ImageFixtures.u8Image;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.SamConfig;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SamImageProcessorTest {

    private static final ImageLoader LOADER = new ImageLoader();

    private static long[] hw(int[] v) {
        return new long[] {v[0], v[1]};
    }

    @Test
    void samFixture() throws Exception {
        Path dir = Fixtures.path("parity/sam");
        SamImageProcessor proc = SamImageProcessor.of(SamConfig.read(dir.resolve("config.json")));
        try (SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"))) {
            RgbImage decoded = LOADER.load(dir.resolve("image.png"));
            assertEquals(u8Image(io, "image_u8"), decoded, "PNG decode");
            assertArrayEquals(Fixtures.longs(io, "original_hw"), hw(decoded.hw()));

            RgbImage resized = proc.resizeLongestSide(decoded);
            int diff = differingSamples(u8Image(io, "resized_u8"), resized);
            System.out.printf("sam resize %dx%d -> %dx%d (bilinear): %d of %d samples differ%n", decoded.width(),
                    decoded.height(), resized.width(), resized.height(), diff, resized.rgb().length);
            assertEquals(0, diff, "Pillow bilinear resize must be bit-exact");

            SamImageProcessor.Result r = proc.preprocess(decoded);
            assertArrayEquals(Fixtures.longs(io, "resize_hw"), hw(r.resizedHw()));
            assertArrayEquals(Fixtures.longs(io, "original_hw"), hw(r.originalHw()));
            long[] shape = io.info("preprocessed").shape();
            assertEquals(1, shape[0]);
            assertArrayEquals(new long[] {shape[1], shape[2], shape[3]}, r.shape());
            double maxErr = Fixtures.maxAbsDiff(Fixtures.floats(io, "preprocessed"), r.pixelValues());
            System.out.printf("sam preprocessed max |diff| = %.3g%n", maxErr);
            assertTrue(maxErr <= 1e-5, "max abs error " + maxErr);
        }
    }

    @Test
    void legionTinySamPixelValues() throws Exception {
        Path dir = Fixtures.path("parity/legion_tiny");
        SamImageProcessor proc = SamImageProcessor.of(SamConfig.read(Fixtures.path("parity/sam/config.json")));
        try (SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"))) {
            RgbImage decoded = LOADER.load(dir.resolve("image.png"));
            assertEquals(u8Image(io, "image_u8"), decoded, "PNG decode");
            SamImageProcessor.Result r = proc.preprocess(decoded);
            assertArrayEquals(Fixtures.longs(io, "resize_hw"), hw(r.resizedHw()));
            assertArrayEquals(Fixtures.longs(io, "original_hw"), hw(r.originalHw()));
            double maxErr = Fixtures.maxAbsDiff(Fixtures.floats(io, "sam_pixel_values"), r.pixelValues());
            System.out.printf("legion_tiny sam_pixel_values max |diff| = %.3g%n", maxErr);
            assertTrue(maxErr <= 1e-5, "max abs error " + maxErr);
        }
    }

    @Test
    void preprocessShapeRoundsHalfUp() {
        assertArrayEquals(new int[] {768, 1024}, SamImageProcessor.preprocessShape(480, 640, 1024));
        assertArrayEquals(new int[] {1024, 576}, SamImageProcessor.preprocessShape(1920, 1080, 1024));
        assertArrayEquals(new int[] {1024, 1024}, SamImageProcessor.preprocessShape(7, 7, 1024));
        // 67x90 -> 64: 67*64/90 = 47.64 -> 48
        assertArrayEquals(new int[] {48, 64}, SamImageProcessor.preprocessShape(67, 90, 64));
        // exact halves round up: 3 * 64/128 = 1.5 -> 2; 1 * 64/128 = 0.5 -> 1; 3 * 64/8 = 24 stays 24
        assertArrayEquals(new int[] {2, 64}, SamImageProcessor.preprocessShape(3, 128, 64));
        assertArrayEquals(new int[] {24, 64}, SamImageProcessor.preprocessShape(3, 8, 64));
        assertArrayEquals(new int[] {1, 64}, SamImageProcessor.preprocessShape(1, 128, 64));
        assertThrows(IllegalArgumentException.class, () -> SamImageProcessor.preprocessShape(1, 1000, 64));
    }

    @Test
    void normalizesThenPadsWithZeros() {
        float[] mean = {123.675f, 116.28f, 103.53f};
        float[] std = {58.395f, 57.12f, 57.375f};
        SamImageProcessor proc = new SamImageProcessor(16, mean, std);
        byte[] rgb = new byte[8 * 5 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 37);
        }
        RgbImage img = new RgbImage(8, 5, rgb); // 8 wide, 5 high -> 16 x 10
        SamImageProcessor.Result r = proc.preprocess(img);
        assertArrayEquals(new int[] {10, 16}, r.resizedHw());
        RgbImage resized = PillowResize.resize(img, 16, 10, PillowResize.Filter.BILINEAR);
        float[] v = r.pixelValues();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    float expected = y < 10 ? ((float) resized.get(x, y, c) - mean[c]) / std[c] : 0f;
                    assertEquals(expected, v[c * 256 + y * 16 + x], c + "," + y + "," + x);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new SamImageProcessor(0, mean, std));
        assertThrows(IllegalArgumentException.class, () -> new SamImageProcessor(16, mean, new float[] {1, 0, 1}));
    }
}
