package ai.legion.data.perturb;

import ai.legion.core.image.RgbImage;
import java.util.Arrays;
import java.util.Objects;

/**
 * OpenCV's {@code cv2.GaussianBlur(img, (k, k), sigmaX=0)} on the float32 0–255 array with border
 * {@code REFLECT_101}, followed by upstream's {@code astype(uint8)} (truncation toward zero; LEGION
 * {@code eval/utils.py::apply_gaussian_blur}).
 *
 * <h2>Kernel ({@link #kernel})</h2>
 * OpenCV ≥ 4.2 ({@code getGaussianKernelBitExact}, {@code imgproc/src/smooth.dispatch.cpp}) uses fixed tables when
 * {@code sigma ≤ 0} and {@code k} is 1, 3, 5, 7 or <b>9</b>: {@code [1]}, {@code [1,2,1]/4}, {@code [1,4,6,4,1]/16},
 * {@code [2,7,14,18,14,7,2]/64} and {@code [4,13,30,51,60,51,30,13,4]/256}. (OpenCV before 4.2 had no 9-tap table and
 * used σ = 1.7 for k = 9; modern {@code opencv-python} wheels use the table.) Other sizes use
 * {@code σ = 0.3·((k−1)·0.5 − 1) + 0.8} (computed as {@code fma(k, 0.15, 0.35)}), weights {@code exp(−x²/(2σ²))} for
 * integer offsets x, normalized in double and rounded to float32.
 *
 * <h2>Filtering</h2>
 * Separable: the horizontal pass over each row, then the vertical pass, both in float32, with source
 * indices reflected as {@code cba|abcd|dcb} ({@code REFLECT_101}; repeated for images narrower than the
 * radius). A dimension of size 1 is not filtered (OpenCV sets that kernel size to 1). The arithmetic
 * order is that of OpenCV's AVX2 float path: ≤ 5 taps horizontally {@code k0·S0 + k1·(S−1 + S1) + …};
 * more taps, a fused multiply-add over the taps in order; vertically {@code k0·S0} then fused
 * {@code + kj·(S−j + Sj)} for j = 1..r. For k ≤ 9 the kernels are dyadic and every intermediate value is
 * exact in float32, so the result is bit-identical to OpenCV whatever the evaluation order. For larger k
 * the float32 coefficients do not sum to exactly 1, so a flat region can come out a hair below its
 * value and truncate one level down (200 → 199 at k = 15), exactly as OpenCV does (opencv/opencv#28603).
 * Checked bit-exact against {@code opencv-python-headless} 4.14 for k = 1, 3, 5, 7, 9, 15, 21 on noisy
 * 37×23 and 517×389 images. OpenCV computes the last few samples of a row whose length {@code 3W} is not a
 * multiple of its SIMD width with unfused scalar code, so for k &gt; 9 rare pixels there can differ by one
 * level (seen once: a constant 254 image 30 wide at k = 21).
 *
 * @param kernelSize odd kernel size k ≥ 1 (the same in both directions)
 */
public record GaussianBlur(int kernelSize) implements ImagePerturbation {

    /**
     * @throws IllegalArgumentException if the kernel size is even or below 1
     */
    public GaussianBlur {
        checkKernelSize(kernelSize);
    }

    private static void checkKernelSize(int kernelSize) {
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("Gaussian blur kernel size must be odd and >= 1 (OpenCV requires an odd "
                    + "positive ksize), got " + kernelSize);
        }
    }

    /**
     * The σ OpenCV derives for {@code sigmaX = 0}: {@code 0.3·((k−1)·0.5 − 1) + 0.8} (3 → 0.8, 5 → 1.1,
     * 7 → 1.4, 9 → 1.7, 15 → 2.6). For k ≤ 9 the fixed tables are used instead (see the class comment).
     */
    public static double sigmaFor(int kernelSize) {
        return Math.fma(kernelSize, 0.15, 0.35);
    }

    /**
     * OpenCV's {@code getGaussianKernel(k, 0, CV_32F)} (≥ 4.2).
     *
     * @throws IllegalArgumentException if k is even or below 1
     */
    public static float[] kernel(int kernelSize) {
        checkKernelSize(kernelSize);
        int n = kernelSize;
        int[] table = switch (n) {
            case 1 -> new int[] {1};
            case 3 -> new int[] {1, 2, 1};
            case 5 -> new int[] {1, 4, 6, 4, 1};
            case 7 -> new int[] {2, 7, 14, 18, 14, 7, 2};
            case 9 -> new int[] {4, 13, 30, 51, 60, 51, 30, 13, 4};
            default -> null;
        };
        float[] k = new float[n];
        if (table != null) {
            int sum = 0;
            for (int v : table) {
                sum += v;
            }
            for (int i = 0; i < n; i++) {
                k[i] = (float) ((double) table[i] / sum); // power-of-two denominators: exact
            }
            return k;
        }
        // getGaussianKernelBitExact: x runs over 1−n, 3−n, … (twice the offset), hence the −0.125 factor
        double sigma = sigmaFor(n);
        double scale2X = -0.125 / (sigma * sigma);
        int half = (n - 1) / 2;
        double[] values = new double[half];
        double sum = 0.0;
        for (int i = 0, x = 1 - n; i < half; i++, x += 2) {
            double t = StrictMath.exp((double) (x * x) * scale2X);
            values[i] = t;
            sum += t;
        }
        sum *= 2.0;
        sum += 1.0; // the centre, exp(0)
        double mul = 1.0 / sum;
        for (int i = 0; i < half; i++) {
            float v = (float) (values[i] * mul);
            k[i] = v;
            k[n - 1 - i] = v;
        }
        k[half] = (float) mul;
        return k;
    }

    @Override
    public RgbImage apply(RgbImage image, long seed) {
        return blur(image, kernelSize);
    }

    /** Blurs with the OpenCV kernel of size {@code kernelSize} (see the class comment). */
    public static RgbImage blur(RgbImage image, int kernelSize) {
        Objects.requireNonNull(image, "image");
        int w = image.width();
        int h = image.height();
        // cv::GaussianBlur: a dimension of size 1 is not filtered (non-constant border, whole image)
        float[] kx = kernel(w == 1 ? 1 : kernelSize);
        float[] ky = kernel(h == 1 ? 1 : kernelSize);
        if (kx.length == 1 && ky.length == 1) {
            return new RgbImage(w, h, image.rgb().clone());
        }
        byte[] src = image.rgb();
        int rowLen = w * 3;
        int ry = ky.length / 2;
        int slots = ky.length;
        // horizontally filtered source rows, cached by (row mod k): each output row needs k of them
        float[][] cache = new float[slots][rowLen];
        int[] cachedRow = new int[slots];
        Arrays.fill(cachedRow, -1);
        int[] xIndex = reflectIndexTable(w, kx.length / 2);
        byte[] out = new byte[src.length];
        float[][] taps = new float[ky.length][];
        for (int y = 0; y < h; y++) {
            for (int j = -ry; j <= ry; j++) {
                int sy = reflect101(y + j, h);
                int slot = sy % slots;
                if (cachedRow[slot] != sy) {
                    horizontal(src, sy * rowLen, w, kx, xIndex, cache[slot]);
                    cachedRow[slot] = sy;
                }
                taps[j + ry] = cache[slot];
            }
            // taps[] may alias the same cached row twice (reflection); all reads happen before the next y
            vertical(taps, ky, rowLen, out, y * rowLen);
        }
        return new RgbImage(w, h, out);
    }

    /** For output column x and tap t (0..2r): the reflected source column. */
    private static int[] reflectIndexTable(int w, int r) {
        int k = 2 * r + 1;
        int[] idx = new int[w * k];
        for (int x = 0; x < w; x++) {
            for (int t = 0; t < k; t++) {
                idx[x * k + t] = reflect101(x + t - r, w);
            }
        }
        return idx;
    }

    private static void horizontal(byte[] src, int rowOff, int w, float[] kx, int[] xIndex, float[] dst) {
        int k = kx.length;
        int r = k / 2;
        if (k == 1) {
            for (int i = 0; i < w * 3; i++) {
                dst[i] = src[rowOff + i] & 0xFF;
            }
            return;
        }
        for (int x = 0; x < w; x++) {
            int base = x * k;
            for (int c = 0; c < 3; c++) {
                float s;
                if (k <= 5) {
                    // SymmRowSmallFilter: k0·S0 + k1·(S−1 + S1) [+ k2·(S−2 + S2)]
                    s = sample(src, rowOff, xIndex[base + r], c) * kx[r];
                    for (int j = 1; j <= r; j++) {
                        float pair = sample(src, rowOff, xIndex[base + r - j], c)
                                + sample(src, rowOff, xIndex[base + r + j], c);
                        s = Math.fma(pair, kx[r + j], s);
                    }
                } else {
                    // RowFilter / RowVec_32f: Σ_t S[x − r + t]·k[t] in tap order, fused
                    s = 0f;
                    for (int t = 0; t < k; t++) {
                        s = Math.fma(sample(src, rowOff, xIndex[base + t], c), kx[t], s);
                    }
                }
                dst[x * 3 + c] = s;
            }
        }
    }

    private static float sample(byte[] src, int rowOff, int x, int c) {
        return src[rowOff + x * 3 + c] & 0xFF;
    }

    private static void vertical(float[][] taps, float[] ky, int rowLen, byte[] out, int outOff) {
        int r = ky.length / 2;
        float[] centre = taps[r];
        for (int i = 0; i < rowLen; i++) {
            // SymmColumnFilter: k0·S0, then + kj·(S−j + Sj), fused
            float s = centre[i] * ky[r];
            for (int j = 1; j <= r; j++) {
                s = Math.fma(taps[r - j][i] + taps[r + j][i], ky[r + j], s);
            }
            out[outOff + i] = truncateToByte(s);
        }
    }

    /** NumPy {@code astype(uint8)} of a value in [0, 255] (plus rounding slack): truncation. */
    static byte truncateToByte(float v) {
        int q = (int) v;
        return (byte) (q < 0 ? 0 : Math.min(q, 255));
    }

    /** OpenCV {@code borderInterpolate(p, len, BORDER_REFLECT_101)}. */
    static int reflect101(int p, int len) {
        if (len == 1) {
            return 0;
        }
        while (p < 0 || p >= len) {
            p = p < 0 ? -p : 2 * (len - 1) - p;
        }
        return p;
    }

    @Override
    public String name() {
        return "blur:" + kernelSize;
    }

    @Override
    public String toString() {
        return name();
    }
}
