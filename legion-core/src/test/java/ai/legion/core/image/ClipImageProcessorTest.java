package ai.legion.core.image;

import static ai.legion.core.image.ImageFixtures.differingSamples;
import static ai.legion.core.image.ImageFixtures.u8Image;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ClipImageProcessorTest {

    private static final ImageLoader LOADER = new ImageLoader();

    @Test
    void clipVisionFixtureStepByStep() throws Exception {
        Path dir = Fixtures.path("parity/clip_vision");
        ClipImageProcessor proc = ClipImageProcessor.fromFile(dir.resolve("preprocessor_config.json"));
        try (SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"))) {
            RgbImage decoded = LOADER.load(dir.resolve("preprocess_image.png"));
            RgbImage expectedDecoded = u8Image(io, "preprocess_image_u8");
            assertEquals(expectedDecoded, decoded, "PNG decode");

            RgbImage resized = proc.resize(decoded);
            RgbImage expectedResized = u8Image(io, "preprocess_resized_u8");
            int diff = differingSamples(expectedResized, resized);
            System.out.printf("clip_vision resize %dx%d -> %dx%d: %d of %d samples differ%n", decoded.width(),
                    decoded.height(), resized.width(), resized.height(), diff, resized.rgb().length);
            assertEquals(0, diff, "Pillow bicubic resize must be bit-exact");

            RgbImage cropped = proc.centerCrop(resized);
            assertEquals(u8Image(io, "preprocess_cropped_u8"), cropped, "center crop");

            ClipImageProcessor.Result r = proc.process(decoded);
            float[] expected = Fixtures.floats(io, "preprocess_pixel_values");
            long[] shape = io.info("preprocess_pixel_values").shape();
            assertArrayEquals(shape, r.batchShape());
            double maxErr = Fixtures.maxAbsDiff(expected, r.pixelValues());
            System.out.printf("clip_vision pixel_values max |diff| = %.3g%n", maxErr);
            assertTrue(maxErr <= 1e-6, "max abs error " + maxErr);
            assertArrayEquals(r.pixelValues(), proc.preprocess(decoded));
        }
    }

    @Test
    void legionTinyClipPixelValues() throws Exception {
        Path dir = Fixtures.path("parity/legion_tiny");
        Path cfg = dir.resolve("clip/preprocessor_config.json");
        Assumptions.assumeTrue(Files.exists(cfg), "legion_tiny/clip is optional in a fixture root");
        ClipImageProcessor proc = ClipImageProcessor.fromFile(cfg);
        try (SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"))) {
            RgbImage decoded = LOADER.load(dir.resolve("image.png"));
            assertEquals(u8Image(io, "image_u8"), decoded, "PNG decode");
            ClipImageProcessor.Result r = proc.process(decoded);
            assertArrayEquals(io.info("clip_pixel_values").shape(), r.batchShape());
            double maxErr = Fixtures.maxAbsDiff(Fixtures.floats(io, "clip_pixel_values"), r.pixelValues());
            System.out.printf("legion_tiny clip_pixel_values max |diff| = %.3g%n", maxErr);
            assertTrue(maxErr <= 1e-6, "max abs error " + maxErr);
        }
    }

    @Test
    void resizeOutputSizeFollowsHf() {
        // short side S, long side int(S*long/short), orientation kept; unchanged when short == S
        assertArrayEquals(new int[] {336, 448}, ClipImageProcessor.resizeOutputSize(480, 640, 336));
        assertArrayEquals(new int[] {448, 336}, ClipImageProcessor.resizeOutputSize(640, 480, 336));
        assertArrayEquals(new int[] {336, 336}, ClipImageProcessor.resizeOutputSize(100, 100, 336));
        assertArrayEquals(new int[] {336, 597}, ClipImageProcessor.resizeOutputSize(1080, 1920, 336)); // 597.33
        assertArrayEquals(new int[] {336, 1000}, ClipImageProcessor.resizeOutputSize(336, 1000, 336));
        // 7*10/3 = 23.333 -> 23 (floor), 7*11/3 = 25.67 -> 25
        assertArrayEquals(new int[] {7, 23}, ClipImageProcessor.resizeOutputSize(3, 10, 7));
        assertArrayEquals(new int[] {25, 7}, ClipImageProcessor.resizeOutputSize(11, 3, 7));
        assertThrows(IllegalArgumentException.class, () -> ClipImageProcessor.resizeOutputSize(0, 5, 7));
    }

    private static RgbImage ramp(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                rgb[p] = (byte) (10 + x);
                rgb[p + 1] = (byte) (100 + y);
                rgb[p + 2] = (byte) (x * 7 + y * 3);
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void centerCropInside() {
        RgbImage img = ramp(9, 6);
        RgbImage c = ClipImageProcessor.centerCrop(img, 3, 4); // top (6-3)//2 = 1, left (9-4)//2 = 2
        assertEquals(4, c.width());
        assertEquals(3, c.height());
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(img.get(x + 2, y + 1, ch), c.get(x, y, ch));
                }
            }
        }
    }

    /** Reference of HF's pad branch written with a canvas, straight from the Python. */
    private static RgbImage hfPadCrop(RgbImage img, int ch, int cw) {
        int h = img.height();
        int w = img.width();
        int top = Math.floorDiv(h - ch, 2);
        int bottom = top + ch;
        int left = Math.floorDiv(w - cw, 2);
        int right = left + cw;
        int nh = Math.max(ch, h);
        int nw = Math.max(cw, w);
        int[][][] canvas = new int[nh][nw][3];
        int tp = (nh - h) / 2;
        int lp = (nw - w) / 2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    canvas[y + tp][x + lp][c] = img.get(x, y, c);
                }
            }
        }
        top += tp;
        bottom += tp;
        left += lp;
        right += lp;
        int y0 = Math.max(0, top);
        int y1 = Math.min(nh, bottom);
        int x0 = Math.max(0, left);
        int x1 = Math.min(nw, right);
        byte[] out = new byte[(y1 - y0) * (x1 - x0) * 3];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                for (int c = 0; c < 3; c++) {
                    out[((y - y0) * (x1 - x0) + (x - x0)) * 3 + c] = (byte) canvas[y][x][c];
                }
            }
        }
        return new RgbImage(x1 - x0, y1 - y0, out);
    }

    @Test
    void centerCropPadsLikeHf() {
        RgbImage img = ramp(5, 4);
        // even differences: a full crop with a zero border
        RgbImage c = ClipImageProcessor.centerCrop(img, 8, 7);
        assertEquals(7, c.width());
        assertEquals(8, c.height());
        assertEquals(0, c.get(0, 0, 0));
        assertEquals(img.get(0, 0, 1), c.get(1, 2, 1)); // pads (8-4)//2 = 2 rows, (7-5)//2 = 1 column
        assertEquals(hfPadCrop(img, 8, 7), c);
        // odd differences: upstream's window is one row / column short
        RgbImage odd = ClipImageProcessor.centerCrop(img, 5, 8);
        assertEquals(4, odd.height(), "h=4, H=5: top=-1, pad 0 -> rows [0,4)");
        assertEquals(7, odd.width(), "w=5, W=8: left=-2, pad 1 -> cols [0,7)");
        assertEquals(hfPadCrop(img, 5, 8), odd);
        for (int ch = 1; ch <= 9; ch++) {
            for (int cw = 1; cw <= 9; cw++) {
                assertEquals(hfPadCrop(img, ch, cw), ClipImageProcessor.centerCrop(img, ch, cw), ch + "x" + cw);
            }
        }
    }

    @Test
    void flagsAndFilters() throws Exception {
        RgbImage img = ramp(12, 8);
        // no resize, no crop, no normalize: x/255 (float64 -> float32), CHW
        ClipImageProcessorConfig raw = new ClipImageProcessorConfig(false, new ClipImageProcessorConfig.Size(4), 3,
                false, new ClipImageProcessorConfig.CropSize(4, 4), true, 1.0 / 255.0, false,
                ClipImageProcessorConfig.OPENAI_CLIP_MEAN, ClipImageProcessorConfig.OPENAI_CLIP_STD, true);
        ClipImageProcessor.Result r = new ClipImageProcessor(raw).process(img);
        assertArrayEquals(new long[] {3, 8, 12}, r.shape());
        int n = 8 * 12;
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 12; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals((float) (img.get(x, y, c) * (1.0 / 255.0)), r.pixelValues()[c * n + y * 12 + x]);
                }
            }
        }
        // bilinear (2) resize goes through PillowResize with that filter
        ClipImageProcessorConfig bil = new ClipImageProcessorConfig(true, new ClipImageProcessorConfig.Size(4), 2,
                false, new ClipImageProcessorConfig.CropSize(4, 4), false, 1.0 / 255.0, false,
                List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), true);
        ClipImageProcessor p = new ClipImageProcessor(bil);
        assertEquals(PillowResize.Filter.BILINEAR, p.filter());
        RgbImage expected = PillowResize.resize(img, 6, 4, PillowResize.Filter.BILINEAR);
        ClipImageProcessor.Result rb = p.process(img);
        assertArrayEquals(new long[] {3, 4, 6}, rb.shape());
        assertEquals(expected.get(5, 3, 2), (int) rb.pixelValues()[2 * 24 + 3 * 6 + 5]);
        // invalid configs are rejected
        ClipImageProcessorConfig bad = new ClipImageProcessorConfig(true, new ClipImageProcessorConfig.Size(4), 9,
                true, new ClipImageProcessorConfig.CropSize(4, 4), true, 1.0 / 255.0, true,
                ClipImageProcessorConfig.OPENAI_CLIP_MEAN, ClipImageProcessorConfig.OPENAI_CLIP_STD, true);
        assertThrows(IllegalArgumentException.class, () -> new ClipImageProcessor(bad));
    }
}
