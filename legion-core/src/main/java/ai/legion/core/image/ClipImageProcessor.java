package ai.legion.core.image;

import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ConfigException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * HF transformers 4.28 {@code models/clip/image_processing_clip.py::CLIPImageProcessor.preprocess} for one RGB uint8
 * image, the CLIP input of LEGION:
 *
 * <ol>
 *   <li>{@code do_resize}: shortest edge → {@code size.shortest_edge} = S, long edge
 *       {@code int(S·long/short)} (floor; unchanged when the short edge already is S), with Pillow's
 *       filter {@code resample} ({@link PillowResize}, bicubic by default) on uint8;
 *   <li>{@code do_center_crop}: {@code top = (h − H) // 2}, {@code left = (w − W) // 2} (floor division);
 *       a dimension smaller than the crop is zero-padded first, exactly as
 *       {@code image_transforms.center_crop} does it (see {@link #centerCrop(RgbImage, int, int)});
 *   <li>{@code do_rescale}: {@code uint8 · rescale_factor} in float64, cast to float32;
 *   <li>{@code do_normalize}: {@code (x − mean) / std} in float32 (mean/std cast to float32);
 *   <li>channels first: {@code [3, H, W]} (the model input is this with a batch dimension of 1).
 * </ol>
 *
 * {@code do_convert_rgb} is a no-op: {@link RgbImage} is always RGB. Immutable and thread-safe.
 */
public final class ClipImageProcessor {

    /**
     * A preprocessed image.
     *
     * @param pixelValues float32 {@code [3, height, width]}, channel-major (R plane, G plane, B plane)
     * @param height rows
     * @param width columns
     */
    public record Result(float[] pixelValues, int height, int width) {

        /** Checks the array length against the shape. */
        public Result {
            Objects.requireNonNull(pixelValues, "pixelValues");
            if (height <= 0 || width <= 0 || pixelValues.length != 3L * height * width) {
                throw new IllegalArgumentException("pixelValues has " + pixelValues.length + " values, expected 3x"
                        + height + "x" + width);
            }
        }

        /** {@code [3, H, W]}. */
        public long[] shape() {
            return new long[] {3, height, width};
        }

        /** {@code [1, 3, H, W]}, the {@code pixel_values} shape of a batch of one. */
        public long[] batchShape() {
            return new long[] {1, 3, height, width};
        }
    }

    private final ClipImageProcessorConfig config;
    private final PillowResize.Filter filter;
    private final float[][] lut;

    /**
     * @throws IllegalArgumentException if the config does not validate (sizes, filter code, mean/std)
     */
    public ClipImageProcessor(ClipImageProcessorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        try {
            config.validate();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("invalid CLIP image processor config: " + e.getMessage(), e);
        }
        this.filter = PillowResize.Filter.fromPil(config.resample());
        this.lut = buildLut(config);
    }

    /**
     * Reads {@code preprocessor_config.json}.
     *
     * @throws ConfigException naming the file and field when it cannot be read or is invalid
     */
    public static ClipImageProcessor fromFile(Path preprocessorConfig) throws ConfigException {
        return new ClipImageProcessor(ClipImageProcessorConfig.read(preprocessorConfig));
    }

    /** The configuration. */
    public ClipImageProcessorConfig config() {
        return config;
    }

    /** The resampling filter ({@code resample}). */
    public PillowResize.Filter filter() {
        return filter;
    }

    /**
     * {@code get_resize_output_image_size(image, size=S, default_to_square=False)}: {@code (h', w')}
     * with the short edge S and the long edge {@code int(S·long/short)}; the input size itself when the
     * short edge already equals S.
     */
    public static int[] resizeOutputSize(int height, int width, int shortestEdge) {
        if (height <= 0 || width <= 0 || shortestEdge <= 0) {
            throw new IllegalArgumentException("sizes must be positive: " + height + "x" + width + ", S=" + shortestEdge);
        }
        boolean portrait = width <= height;
        int shortSide = portrait ? width : height;
        int longSide = portrait ? height : width;
        if (shortSide == shortestEdge) {
            return new int[] {height, width};
        }
        // Python: int(S * long / short) — exact integer product, true division in double, truncation
        int newLong = (int) ((double) ((long) shortestEdge * longSide) / shortSide);
        return portrait ? new int[] {newLong, shortestEdge} : new int[] {shortestEdge, newLong};
    }

    /** Step 1: shortest edge → {@code size.shortest_edge} with the configured Pillow filter. */
    public RgbImage resize(RgbImage image) {
        int[] hw = resizeOutputSize(image.height(), image.width(), config.size().shortestEdge());
        return PillowResize.resize(image, hw[1], hw[0], filter);
    }

    /** Step 2 with the configured {@code crop_size}. */
    public RgbImage centerCrop(RgbImage image) {
        return centerCrop(image, config.cropSize().height(), config.cropSize().width());
    }

    /**
     * transformers 4.28 {@code image_transforms.center_crop}: when the crop lies inside the image,
     * {@code image[top:top+H, left:left+W]} with {@code top = (h − H) // 2}, {@code left = (w − W) // 2}.
     * Otherwise the image is first centred on a zero canvas of {@code max(H, h) × max(W, w)} (offsets
     * {@code (new − old) // 2}) and the crop window, shifted by the same offsets, is clipped to that
     * canvas. Like upstream, when the canvas and the crop differ by an odd amount the clipped window
     * can be one row/column smaller than {@code H×W} (e.g. h = 41, H = 42 gives 41 rows).
     */
    public static RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        if (cropHeight <= 0 || cropWidth <= 0) {
            throw new IllegalArgumentException("crop size " + cropHeight + "x" + cropWidth + " must be positive");
        }
        int h = image.height();
        int w = image.width();
        int top = Math.floorDiv(h - cropHeight, 2);
        int bottom = top + cropHeight;
        int left = Math.floorDiv(w - cropWidth, 2);
        int right = left + cropWidth;
        if (top >= 0 && bottom <= h && left >= 0 && right <= w) {
            return image.crop(left, top, cropWidth, cropHeight);
        }
        int newH = Math.max(cropHeight, h);
        int newW = Math.max(cropWidth, w);
        int topPad = Math.floorDiv(newH - h, 2);
        int leftPad = Math.floorDiv(newW - w, 2);
        top += topPad;
        bottom += topPad;
        left += leftPad;
        right += leftPad;
        int y0 = Math.max(0, top);
        int y1 = Math.min(newH, bottom);
        int x0 = Math.max(0, left);
        int x1 = Math.min(newW, right);
        int outH = y1 - y0;
        int outW = x1 - x0;
        byte[] src = image.rgb();
        byte[] out = new byte[outH * outW * 3];
        // output pixel (x, y) is canvas (x0 + x, y0 + y) = image (x0 + x − leftPad, y0 + y − topPad) or zero
        for (int y = 0; y < outH; y++) {
            int sy = y0 + y - topPad;
            if (sy < 0 || sy >= h) {
                continue;
            }
            int sxStart = Math.max(0, x0 - leftPad);
            int sxEnd = Math.min(w, x1 - leftPad);
            if (sxEnd <= sxStart) {
                continue;
            }
            int dx = sxStart + leftPad - x0;
            System.arraycopy(src, (sy * w + sxStart) * 3, out, (y * outW + dx) * 3, (sxEnd - sxStart) * 3);
        }
        return new RgbImage(outW, outH, out);
    }

    /** Steps 1–5: the float32 {@code [3, H, W]} values (see {@link #process}). */
    public float[] preprocess(RgbImage image) {
        return process(image).pixelValues();
    }

    /** Steps 1–5 with the resulting shape. */
    public Result process(RgbImage image) {
        Objects.requireNonNull(image, "image");
        RgbImage img = image;
        if (config.doResize()) {
            img = resize(img);
        }
        if (config.doCenterCrop()) {
            img = centerCrop(img);
        }
        return new Result(toChw(img, lut), img.height(), img.width());
    }

    /** HWC uint8 → CHW float through a per-channel table of the 256 possible values. */
    static float[] toChw(RgbImage img, float[][] lut) {
        int n = img.width() * img.height();
        byte[] src = img.rgb();
        float[] out = new float[3 * n];
        float[] l0 = lut[0];
        float[] l1 = lut[1];
        float[] l2 = lut[2];
        for (int i = 0, p = 0; i < n; i++, p += 3) {
            out[i] = l0[src[p] & 0xFF];
            out[n + i] = l1[src[p + 1] & 0xFF];
            out[2 * n + i] = l2[src[p + 2] & 0xFF];
        }
        return out;
    }

    private static float[][] buildLut(ClipImageProcessorConfig c) {
        float[] mean = c.imageMeanFloats();
        float[] std = c.imageStdFloats();
        float[][] lut = new float[3][256];
        for (int ch = 0; ch < 3; ch++) {
            for (int u = 0; u < 256; u++) {
                // numpy: uint8 array * python float -> float64, then .astype(float32)
                float v = c.doRescale() ? (float) (u * c.rescaleFactor()) : (float) u;
                if (c.doNormalize()) {
                    v = (v - mean[ch]) / std[ch]; // float32 arithmetic, like numpy on float32 arrays
                }
                lut[ch][u] = v;
            }
        }
        return lut;
    }
}
