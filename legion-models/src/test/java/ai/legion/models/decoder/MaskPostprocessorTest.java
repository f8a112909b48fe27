package ai.legion.models.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.models.testing.Parity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/**
 * Mask post-processing: the resampling must be PyTorch's bilinear with {@code align_corners=False}
 * and no antialiasing, checked here against that formula for upscaling and downscaling (the parity
 * fixtures only upscale; DJL's own bilinear interpolation antialiases downscales), plus binarization
 * and the union.
 */
class MaskPostprocessorTest {

    /** PyTorch's {@code upsample_bilinear2d} (align_corners=False, size given) for one plane. */
    private static double[][] torchBilinear(float[][] x, int oh, int ow) {
        int ih = x.length;
        int iw = x[0].length;
        double[][] y = new double[oh][ow];
        for (int i = 0; i < oh; i++) {
            double sy = Math.max((i + 0.5) * ((double) ih / oh) - 0.5, 0);
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, ih - 1);
            double ly = sy - y0;
            for (int j = 0; j < ow; j++) {
                double sx = Math.max((j + 0.5) * ((double) iw / ow) - 0.5, 0);
                int x0 = (int) sx;
                int x1 = Math.min(x0 + 1, iw - 1);
                double lx = sx - x0;
                y[i][j] = (1 - ly) * ((1 - lx) * x[y0][x0] + lx * x[y0][x1]) + ly * ((1 - lx) * x[y1][x0] + lx * x[y1][x1]);
            }
        }
        return y;
    }

    private static float[][] randomPlane(Random r, int h, int w) {
        float[][] p = new float[h][w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                p[i][j] = (float) r.nextGaussian();
            }
        }
        return p;
    }

    private static float[] flat(float[][] p) {
        float[] f = new float[p.length * p[0].length];
        for (int i = 0; i < p.length; i++) {
            System.arraycopy(p[i], 0, f, i * p[0].length, p[0].length);
        }
        return f;
    }

    @Test
    void postprocessIsBilinearAlignCornersFalseWithoutAntialias() {
        Random r = new Random(11);
        int h = 5;
        int w = 7;
        int img = 13;
        int[] resized = {13, 9};
        int[] original = {4, 17}; // a downscale in h (no antialias) and an upscale in w
        float[][] plane = randomPlane(r, h, w);
        double[][] up = torchBilinear(plane, img, img);
        float[][] crop = new float[resized[0]][resized[1]];
        for (int i = 0; i < resized[0]; i++) {
            for (int j = 0; j < resized[1]; j++) {
                crop[i][j] = (float) up[i][j];
            }
        }
        double[][] expected = torchBilinear(crop, original[0], original[1]);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray low = m.create(flat(plane), new Shape(1, 1, h, w));
            NDArray upscaled = MaskPostprocessor.upscale(low, img);
            assertEquals(new Shape(1, 1, img, img), upscaled.getShape());
            float[] u = upscaled.toFloatArray();
            for (int i = 0; i < img; i++) {
                for (int j = 0; j < img; j++) {
                    assertEquals(up[i][j], u[i * img + j], 1e-5, "upscale at " + i + "," + j);
                }
            }
            NDArray out = MaskPostprocessor.postprocess(low, img, resized, original);
            assertEquals(new Shape(1, 1, original[0], original[1]), out.getShape());
            assertEquals(DataType.FLOAT32, out.getDataType());
            float[] o = out.toFloatArray();
            for (int i = 0; i < original[0]; i++) {
                for (int j = 0; j < original[1]; j++) {
                    assertEquals(expected[i][j], o[i * original[1] + j], 1e-5, "postprocess at " + i + "," + j);
                }
            }
            // float16 logits are post-processed in float32, like upstream Sam.postprocess_masks under bf16
            NDArray half = MaskPostprocessor.postprocess(low.toType(DataType.FLOAT16, false), img, resized, original);
            assertEquals(DataType.FLOAT32, half.getDataType());
        }
    }

    @Test
    void resamplingMatchesLibtorchUpsampleBilinear2d(@TempDir Path dir) throws Exception {
        // (in h, in w) -> (out h, out w): non-integer downscales, mixed, upscales
        int[][] cases = {{37, 53, 10, 13}, {13, 9, 4, 17}, {16, 16, 64, 64}, {48, 64, 67, 90}, {64, 48, 21, 47}};
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                try (TorchBilinearReference torch = TorchBilinearReference.create(Files.createTempDirectory(dir, "ts"), c[2],
                        c[3])) {
                    NDArray x = m.randomNormal(0, 3, new Shape(2, 1, c[0], c[1]), DataType.FLOAT32);
                    NDArray expected = torch.resize(x);
                    assertEquals(new Shape(2, 1, c[2], c[3]), expected.getShape());
                    double d = Parity.maxAbsDiff(expected, MaskPostprocessor.bilinear(x, c[2], c[3]));
                    System.out.printf("[decoder bilinear] %dx%d -> %dx%d vs libtorch: max|diff| = %.3e%n", c[0], c[1], c[2],
                            c[3], d);
                    assertTrue(d <= 1e-5, "bilinear vs libtorch " + Arrays.toString(c) + ": " + d);
                }
            }
            // the whole postprocess chain, with a final downscale (an original smaller than the encoder input)
            int img = 64;
            int[] resized = {48, 64};
            int[] original = {37, 50};
            NDArray low = m.randomNormal(0, 3, new Shape(3, 1, 16, 16), DataType.FLOAT32);
            try (TorchBilinearReference up = TorchBilinearReference.create(Files.createTempDirectory(dir, "up"), img, img);
                    TorchBilinearReference down = TorchBilinearReference.create(Files.createTempDirectory(dir, "down"),
                            original[0], original[1])) {
                NDArray expected = down.resize(up.resize(low).get(":, :, 0:{}, 0:{}", resized[0], resized[1]));
                NDArray ours = MaskPostprocessor.postprocess(low, img, resized, original);
                double d = Parity.maxAbsDiff(expected, ours);
                System.out.printf("[decoder bilinear] postprocess 16x16 -> %d -> %dx%d -> %dx%d vs libtorch: max|diff| = %.3e%n",
                        img, resized[0], resized[1], original[0], original[1], d);
                assertTrue(d <= 1e-5, "postprocess vs libtorch: " + d);
                Parity.assertSameInts("binary", MaskPostprocessor.binary(expected), MaskPostprocessor.binary(ours));
            }
        }
    }

    @Test
    void binaryAndUnion() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(new float[] {-1, 0, 2, -3, /* mask 2 */ 0.5f, -0.1f, -2, 0}, new Shape(2, 1, 2, 2));
            NDArray bin = MaskPostprocessor.binary(logits);
            assertEquals(DataType.BOOLEAN, bin.getDataType());
            assertArrayEquals(new boolean[] {false, false, true, false, true, false, false, false}, bin.toBooleanArray());
            NDArray union = MaskPostprocessor.union(bin);
            assertEquals(new Shape(2, 2), union.getShape());
            assertArrayEquals(new boolean[] {true, false, true, false}, union.toBooleanArray());
            assertArrayEquals(union.toBooleanArray(), MaskPostprocessor.union(bin.squeeze(1)).toBooleanArray(), "[K, H, W] input");
            NDArray empty = MaskPostprocessor.union(m.zeros(new Shape(0, 1, 3, 5), DataType.BOOLEAN));
            assertEquals(new Shape(3, 5), empty.getShape());
            assertTrue(!empty.any().getBoolean(), "no mask, empty union");
        }
    }

    @Test
    void emptyBatchAndBadInputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray none = MaskPostprocessor.postprocess(m.zeros(new Shape(0, 1, 4, 4)), 16, new int[] {12, 16},
                    new int[] {30, 40});
            assertEquals(new Shape(0, 1, 30, 40), none.getShape());
            NDArray low = m.zeros(new Shape(1, 1, 4, 4));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> MaskPostprocessor.postprocess(m.zeros(new Shape(1, 4, 4)), 16, new int[] {12, 16}, new int[] {3, 4}));
            assertTrue(ex.getMessage().startsWith("MaskPostprocessor:"), ex.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> MaskPostprocessor.postprocess(low, 16, new int[] {17, 16}, new int[] {3, 4}));
            assertThrows(IllegalArgumentException.class,
                    () -> MaskPostprocessor.postprocess(low, 16, new int[] {12}, new int[] {3, 4}));
            assertThrows(IllegalArgumentException.class,
                    () -> MaskPostprocessor.postprocess(low, 16, new int[] {12, 16}, new int[] {0, 4}));
            assertThrows(IllegalArgumentException.class, () -> MaskPostprocessor.union(m.zeros(new Shape(4, 4))));
            assertThrows(IllegalArgumentException.class, () -> MaskPostprocessor.union(m.zeros(new Shape(2, 3, 4, 4))));
        }
    }
}
