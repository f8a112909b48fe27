package ai.legion.core.image;

import ai.legion.core.config.SamConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * SAM input preprocessing as LEGION runs it ({@code scripts/loc_exp/infer.py::inference}): segment-anything's
 * {@code ResizeLongestSide(T).apply_image} followed by LEGION's
 * {@code grounding_image_ecoder_preprocess}:
 *
 * <ol>
 *   <li>{@code scale = T / max(h, w)}, {@code h' = int(h·scale + 0.5)}, {@code w' = int(w·scale + 0.5)}
 *       (double arithmetic), resized with torchvision 0.14 {@code resize} of a PIL image, i.e. Pillow
 *       BILINEAR on uint8 (antialiased when shrinking; {@link PillowResize});
 *   <li>{@code (x − pixel_mean) / pixel_std} in float32 on the 0..255 scale;
 *   <li>zero padding at the bottom and right to {@code T × T}, <em>after</em> normalization (padded
 *       values are 0 in normalized space).
 * </ol>
 *
 * T is {@code image_encoder.img_size} (1024 for the real model). Immutable and thread-safe.
 */
public final class SamImageProcessor {

    /**
     * A preprocessed image.
     *
     * @param pixelValues float32 {@code [3, size, size]}, channel-major
     * @param size the square side T
     * @param resizedHeight h' (LEGION's {@code resize_list} entry; masks are cropped to it)
     * @param resizedWidth w'
     * @param originalHeight H of the input image (masks are resized back to it)
     * @param originalWidth W of the input image
     */
    public record Result(float[] pixelValues, int size, int resizedHeight, int resizedWidth, int originalHeight,
            int originalWidth) {

        /** Checks the array length and that the resized image fits the square. */
        public Result {
            Objects.requireNonNull(pixelValues, "pixelValues");
            if (size <= 0 || pixelValues.length != 3L * size * size) {
                throw new IllegalArgumentException("pixelValues has " + pixelValues.length + " values, expected 3x"
                        + size + "x" + size);
            }
            if (resizedHeight <= 0 || resizedWidth <= 0 || resizedHeight > size || resizedWidth > size
                    || originalHeight <= 0 || originalWidth <= 0) {
                throw new IllegalArgumentException("inconsistent sizes: resized " + resizedHeight + "x" + resizedWidth
                        + ", original " + originalHeight + "x" + originalWidth + ", square " + size);
            }
        }

        /** {@code (h', w')}. */
        public int[] resizedHw() {
            return new int[] {resizedHeight, resizedWidth};
        }

        /** {@code (H, W)}. */
        public int[] originalHw() {
            return new int[] {originalHeight, originalWidth};
        }

        /** {@code [3, T, T]}. */
        public long[] shape() {
            return new long[] {3, size, size};
        }
    }

    private final int targetSize;
    private final float[] mean;
    private final float[] std;

    /**
     * @param targetSize T, the square input side
     * @param pixelMean three per-channel means on the 0..255 scale (RGB)
     * @param pixelStd three positive per-channel stds on the 0..255 scale
     * @throws IllegalArgumentException on a non-positive size or bad mean/std
     */
    public SamImageProcessor(int targetSize, float[] pixelMean, float[] pixelStd) {
        if (targetSize <= 0) {
            throw new IllegalArgumentException("target size " + targetSize + " must be positive");
        }
        if (pixelMean == null || pixelMean.length != 3 || pixelStd == null || pixelStd.length != 3) {
            throw new IllegalArgumentException("pixel mean and std need 3 values (RGB)");
        }
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(pixelMean[c]) || !(pixelStd[c] > 0) || !Float.isFinite(pixelStd[c])) {
                throw new IllegalArgumentException("pixel mean must be finite and std positive and finite: mean "
                        + Arrays.toString(pixelMean) + ", std " + Arrays.toString(pixelStd));
            }
        }
        this.targetSize = targetSize;
        this.mean = pixelMean.clone();
        this.std = pixelStd.clone();
    }

    /**
     * T = {@code image_encoder.img_size}, mean/std = {@code pixel_mean}/{@code pixel_std} of the config.
     *
     * @throws IllegalArgumentException if the config does not have 3 input channels
     */
    public static SamImageProcessor of(SamConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.imageEncoder().inChans() != 3) {
            throw new IllegalArgumentException("SAM image_encoder.in_chans is " + config.imageEncoder().inChans()
                    + "; RGB preprocessing needs 3");
        }
        return new SamImageProcessor(config.imageEncoder().imgSize(), floats(config.pixelMean()),
                floats(config.pixelStd()));
    }

    private static float[] floats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue(); // torch.Tensor([...]) is float32
        }
        return out;
    }

    /** T. */
    public int targetSize() {
        return targetSize;
    }

    /**
     * {@code ResizeLongestSide.get_preprocess_shape(oldh, oldw, longSide)}: {@code (h', w')}.
     *
     * @throws IllegalArgumentException if a size is not positive or a side would become 0 (an image
     *     more than 2·T times longer than wide, which upstream cannot resize either)
     */
    public static int[] preprocessShape(int oldH, int oldW, int longSide) {
        if (oldH <= 0 || oldW <= 0 || longSide <= 0) {
            throw new IllegalArgumentException("sizes must be positive: " + oldH + "x" + oldW + ", T=" + longSide);
        }
        double scale = longSide * 1.0 / Math.max(oldH, oldW);
        double newH = oldH * scale;
        double newW = oldW * scale;
        int h = (int) (newH + 0.5);
        int w = (int) (newW + 0.5);
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("image " + oldW + "x" + oldH + " is too elongated: resizing its long side to "
                    + longSide + " makes the short side 0");
        }
        return new int[] {h, w};
    }

    /** Step 1: the uint8 image with its longest side T (Pillow bilinear). */
    public RgbImage resizeLongestSide(RgbImage image) {
        int[] hw = preprocessShape(image.height(), image.width(), targetSize);
        return PillowResize.resize(image, hw[1], hw[0], PillowResize.Filter.BILINEAR);
    }

    /** Steps 1–3. */
    public Result preprocess(RgbImage image) {
        Objects.requireNonNull(image, "image");
        RgbImage resized = resizeLongestSide(image);
        return new Result(normalizeAndPad(resized), targetSize, resized.height(), resized.width(), image.height(),
                image.width());
    }

    /**
     * Steps 2–3 on an already resized image: {@code (x − mean) / std} (float32), zero-padded to
     * {@code [3, T, T]}.
     *
     * @throws IllegalArgumentException if the image is larger than T in either direction
     */
    public float[] normalizeAndPad(RgbImage resized) {
        int h = resized.height();
        int w = resized.width();
        if (h > targetSize || w > targetSize) {
            throw new IllegalArgumentException("image " + w + "x" + h + " does not fit the " + targetSize + " square");
        }
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int u = 0; u < 256; u++) {
                lut[c][u] = ((float) u - mean[c]) / std[c]; // uint8 tensor − float32 tensor → float32
            }
        }
        int t = targetSize;
        int plane = t * t;
        float[] out = new float[3 * plane];
        byte[] src = resized.rgb();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                int o = y * t + x;
                out[o] = lut[0][src[p] & 0xFF];
                out[plane + o] = lut[1][src[p + 1] & 0xFF];
                out[2 * plane + o] = lut[2][src[p + 2] & 0xFF];
            }
        }
        return out;
    }
}
