package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Ops;
import java.util.Arrays;

/**
 * SAM's {@code postprocess_masks} ({@code modeling/sam.py::Sam.postprocess_masks}) and LEGION's mask
 * binarization / union: low-resolution logits → bilinear to the padded encoder input → crop the
 * padding → bilinear to the original image, all in float32 with {@code align_corners=False} and no
 * antialiasing (plain {@code F.interpolate}); then {@code logits > 0} and an OR over the {@code K} masks.
 *
 * <p>The resampling is implemented here rather than with {@code NDArrayEx.interpolation}: in DJL
 * 0.36 the PyTorch engine maps its mode ints 0/1/2/3 to nearest/bilinear/area/bicubic, always passes
 * {@code align_corners=false}, and its native {@code torchNNInterpolate} sets
 * {@code antialias(true)} for bilinear and bicubic. Antialiasing does not change an upscale but it
 * does change a downscale (the second step whenever the original image is larger than the encoder
 * input), where upstream samples plainly. The separable two-tap form below reproduces PyTorch's CPU
 * {@code upsample_bilinear2d}: the same float32 source indices and weights, width first, then height.
 */
public final class MaskPostprocessor {

    private MaskPostprocessor() {}

    /**
     * {@code F.interpolate(x, (size, size), mode="bilinear", align_corners=False)} in float32.
     *
     * @param lowRes {@code [K, C, h, w]}
     * @return {@code [K, C, size, size]} float32
     */
    public static NDArray upscale(NDArray lowRes, int imgSize) {
        checkRank4(lowRes);
        if (imgSize <= 0) {
            throw new IllegalArgumentException("MaskPostprocessor: img_size must be positive, got " + imgSize);
        }
        return bilinear(Ops.cast(lowRes, DataType.FLOAT32), imgSize, imgSize);
    }

    /**
     * Upstream {@code Sam.postprocess_masks(masks, input_size, original_size)}.
     *
     * @param lowRes {@code [K, C, h, w]} mask logits ({@code C = 1} in LEGION)
     * @param imgSize the encoder input size ({@code image_encoder.img_size}, 1024)
     * @param resizedHw {@code (h', w')} of the image after ResizeLongestSide, before padding
     * @param originalHw {@code (H, W)} of the original image
     * @return logits {@code [K, C, H, W]} in float32
     * @throws IllegalArgumentException on a wrong rank or sizes outside {@code 1..imgSize}
     */
    public static NDArray postprocess(NDArray lowRes, int imgSize, int[] resizedHw, int[] originalHw) {
        checkRank4(lowRes);
        if (resizedHw == null || resizedHw.length != 2 || resizedHw[0] <= 0 || resizedHw[1] <= 0
                || resizedHw[0] > imgSize || resizedHw[1] > imgSize) {
            throw new IllegalArgumentException("MaskPostprocessor: resized size must be 2 values in 1.." + imgSize + ", got "
                    + Arrays.toString(resizedHw));
        }
        if (originalHw == null || originalHw.length != 2 || originalHw[0] <= 0 || originalHw[1] <= 0) {
            throw new IllegalArgumentException("MaskPostprocessor: original size must be 2 positive values, got "
                    + Arrays.toString(originalHw));
        }
        NDArray up = upscale(lowRes, imgSize);
        NDArray cropped = up.get(":, :, 0:{}, 0:{}", resizedHw[0], resizedHw[1]);
        return bilinear(cropped, originalHw[0], originalHw[1]);
    }

    /**
     * Binary masks: {@code logits > 0} (probability above 0.5).
     *
     * @param logits any shape
     * @return boolean array of the same shape
     */
    public static NDArray binary(NDArray logits) {
        return logits.gt(0f);
    }

    /**
     * LEGION's union mask {@code torch.any(masks, dim=0)}: a pixel is set if any of the {@code K}
     * masks sets it (non-zero counts as set); {@code K = 0} gives an all-false mask.
     *
     * @param masks {@code [K, 1, H, W]} or {@code [K, H, W]}
     * @return boolean {@code [H, W]}
     */
    public static NDArray union(NDArray masks) {
        Shape s = masks.getShape();
        NDArray m;
        if (s.dimension() == 4 && s.get(1) == 1) {
            m = masks.reshape(s.get(0), s.get(2), s.get(3));
        } else if (s.dimension() == 3) {
            m = masks;
        } else {
            throw new IllegalArgumentException("MaskPostprocessor: expected masks [K, 1, H, W] or [K, H, W], got "
                    + Checks.shape(masks));
        }
        // a sum over an empty K is 0 everywhere, so K = 0 needs no special case
        return m.neq(0).toType(DataType.INT32, false).sum(new int[] {0}).gt(0);
    }

    /**
     * {@code F.interpolate(x, (h, w), mode="bilinear", align_corners=False)} (no antialiasing).
     *
     * @param x {@code [K, C, H, W]} float32
     * @return {@code [K, C, h, w]}
     */
    static NDArray bilinear(NDArray x, int h, int w) {
        Shape s = x.getShape();
        if (s.size() == 0) {
            // nothing to resample (K = 0)
            return x.getManager().zeros(new Shape(s.get(0), s.get(1), h, w), DataType.FLOAT32);
        }
        // PyTorch's nested kernel interpolates along each row (width) first, then between rows (height)
        return resampleAxis(resampleAxis(x, 3, w), 2, h);
    }

    /**
     * Linear resampling of one axis ({@code 2} = height, {@code 3} = width) with PyTorch's
     * {@code align_corners=False} source index {@code max(scale·(i+0.5) − 0.5, 0)},
     * {@code scale = in/out}, taps {@code i0 = floor(src)}, {@code i1 = min(i0+1, in−1)} and weights
     * {@code 1−λ, λ} computed in float32 like its CPU kernel.
     */
    private static NDArray resampleAxis(NDArray x, int axis, int outSize) {
        int inSize = Math.toIntExact(x.getShape().get(axis));
        if (inSize == outSize) {
            return x; // scale 1: every weight is (1, 0) on the same index
        }
        float scale = (float) inSize / outSize;
        long[] i0 = new long[outSize];
        long[] i1 = new long[outSize];
        float[] w0 = new float[outSize];
        float[] w1 = new float[outSize];
        for (int i = 0; i < outSize; i++) {
            float src = Math.max(scale * (i + 0.5f) - 0.5f, 0f);
            int idx = Math.min((int) Math.floor(src), inSize - 1);
            float lambda = Math.min(Math.max(src - idx, 0f), 1f);
            i0[i] = idx;
            i1[i] = idx < inSize - 1 ? idx + 1 : idx;
            w0[i] = 1f - lambda;
            w1[i] = lambda;
        }
        NDManager m = x.getManager();
        // weights broadcast along the resampled axis
        Shape ws = axis == 3 ? new Shape(outSize) : new Shape(outSize, 1);
        String index = axis == 3 ? ":, :, :, {}" : ":, :, {}";
        NDArray first = x.get(index, Ops.tensor(m, i0)).mul(Ops.tensor(m, w0, ws));
        NDArray second = x.get(index, Ops.tensor(m, i1)).mul(Ops.tensor(m, w1, ws));
        return first.add(second);
    }

    private static void checkRank4(NDArray x) {
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException("MaskPostprocessor: expected masks [K, C, h, w], got "
                    + Checks.shape(x));
        }
    }
}
