package ai.legion.core.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * Pillow's {@code Image.resize(size, resample)} for 8-bit images (Pillow 9.4, {@code libImaging/Resample.c},
 * box = the whole image, {@code reducing_gap=None}), re-implemented so that results are bit-identical.
 *
 * <p>The algorithm: a separable filter whose support is widened by the downscale factor (so
 * shrinking is antialiased), with per-output-pixel coefficients computed in double precision,
 * normalized to sum 1 and converted to fixed point with {@code PRECISION_BITS = 22}
 * ({@code (int)(k·2²² ± 0.5)}); each pass accumulates {@code Σ sample·k} in a 32-bit int starting
 * from {@code 2²¹} (rounding) and clips {@code acc >> 22} to 0..255. The horizontal pass runs first
 * (only over the rows the vertical pass will read), then the vertical pass on its uint8 output; a
 * pass whose size is unchanged is skipped, and an unchanged size is a plain copy
 * ({@code ImagingResampleInner}). {@link Filter#NEAREST} follows {@code ImagingScaleAffine}
 * instead. The filter kernels are Pillow's: bicubic with {@code a = −0.5}, bilinear (triangle),
 * box, Hamming and Lanczos-3; the last two use {@code sin}/{@code cos}, so they can differ from
 * Pillow in the last bit of a coefficient and hence by 1 level in rare pixels. Bicubic, bilinear,
 * box and nearest only use exact arithmetic and match Pillow bit for bit.
 */
public final class PillowResize {

    private PillowResize() {}

    /** Pillow's resampling filters with their {@code Image.Resampling} codes. */
    public enum Filter {
        /** {@code NEAREST} (0). */
        NEAREST(0, 0.0),
        /** {@code LANCZOS} (1), support 3. */
        LANCZOS(1, 3.0),
        /** {@code BILINEAR} (2), triangle filter, support 1. */
        BILINEAR(2, 1.0),
        /** {@code BICUBIC} (3), cubic convolution a = −0.5, support 2. */
        BICUBIC(3, 2.0),
        /** {@code BOX} (4), support 0.5. */
        BOX(4, 0.5),
        /** {@code HAMMING} (5), support 1. */
        HAMMING(5, 1.0);

        private final int pilCode;
        private final double support;

        Filter(int pilCode, double support) {
            this.pilCode = pilCode;
            this.support = support;
        }

        /** The PIL integer code ({@code resample} in HF preprocessor configs). */
        public int pilCode() {
            return pilCode;
        }

        /** The filter radius at scale 1. */
        public double support() {
            return support;
        }

        /**
         * The filter for a PIL code 0..5.
         *
         * @throws IllegalArgumentException for other codes
         */
        public static Filter fromPil(int code) {
            for (Filter f : values()) {
                if (f.pilCode == code) {
                    return f;
                }
            }
            throw new IllegalArgumentException("resample " + code + " is not a PIL filter code (0 nearest, 1 lanczos, "
                    + "2 bilinear, 3 bicubic, 4 box, 5 hamming)");
        }

        /** The kernel value at {@code x} (Pillow's {@code *_filter} functions, in double). */
        double kernel(double x) {
            switch (this) {
                case BOX:
                    return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR:
                    x = Math.abs(x);
                    return x < 1.0 ? 1.0 - x : 0.0;
                case HAMMING:
                    x = Math.abs(x);
                    if (x == 0.0) {
                        return 1.0;
                    }
                    if (x >= 1.0) {
                        return 0.0;
                    }
                    x = x * Math.PI;
                    return Math.sin(x) / x * ((double) 0.54f + (double) 0.46f * Math.cos(x));
                case BICUBIC: {
                    final double a = -0.5;
                    x = Math.abs(x);
                    if (x < 1.0) {
                        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    }
                    if (x < 2.0) {
                        return (((x - 5) * x + 8) * x - 4) * a;
                    }
                    return 0.0;
                }
                case LANCZOS:
                    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
                default:
                    throw new IllegalStateException("no kernel for " + this);
            }
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x = x * Math.PI;
            return Math.sin(x) / x;
        }
    }

    /** {@code 32 − 8 − 2}: 8 bits of result, 2 bits of headroom for negative lobes / overshoot. */
    static final int PRECISION_BITS = 32 - 8 - 2;

    /**
     * Resizes an RGB image ({@code pil_image.resize((width, height), filter)}).
     *
     * @throws IllegalArgumentException if a target size is not positive
     */
    public static RgbImage resize(RgbImage image, int width, int height, Filter filter) {
        Objects.requireNonNull(image, "image");
        byte[] out = resize(image.rgb(), image.width(), image.height(), 3, width, height, filter);
        return new RgbImage(width, height, out);
    }

    /**
     * Resizes interleaved 8-bit samples ({@code [h, w, channels]}, row-major) — e.g. 1 channel for an
     * "L" image. Always returns a new array.
     *
     * @throws IllegalArgumentException if a size is not positive or {@code src} has the wrong length
     */
    public static byte[] resize(byte[] src, int w, int h, int channels, int outW, int outH, Filter filter) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(filter, "filter");
        if (w <= 0 || h <= 0 || channels <= 0) {
            throw new IllegalArgumentException("source size " + w + "x" + h + "x" + channels + " must be positive");
        }
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("target size " + outW + "x" + outH + " must be positive");
        }
        if ((long) w * h * channels != src.length) {
            throw new IllegalArgumentException("src has " + src.length + " bytes, expected " + w + "x" + h + "x" + channels);
        }
        if ((long) outW * outH * channels > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("target size " + outW + "x" + outH + "x" + channels + " is too large");
        }
        if (w == outW && h == outH) {
            return src.clone();
        }
        if (filter == Filter.NEAREST) {
            return nearest(src, w, h, channels, outW, outH);
        }
        Coefficients vert = Coefficients.of(h, outH, filter);
        int yFirst = vert.bounds[0];
        int yLast = vert.bounds[2 * (outH - 1)] + vert.bounds[2 * (outH - 1) + 1];
        byte[] cur = src;
        int curW = w;
        if (outW != w) {
            Coefficients horiz = Coefficients.of(w, outW, filter);
            int rows = yLast - yFirst;
            cur = horizontal(src, w, channels, yFirst, rows, horiz, outW);
            curW = outW;
            for (int i = 0; i < outH; i++) {
                vert.bounds[2 * i] -= yFirst; // the temporary image starts at row yFirst
            }
        }
        if (outH != h) {
            cur = vertical(cur, curW, channels, vert, outH);
        }
        return cur;
    }

    /** Fixed-point coefficients of one pass ({@code precompute_coeffs} + {@code normalize_coeffs_8bpc}). */
    static final class Coefficients {
        final int ksize;
        /** Per output pixel: first input index, count. */
        final int[] bounds;
        /** {@code outSize × ksize} fixed-point weights. */
        final int[] k;

        private Coefficients(int ksize, int[] bounds, int[] k) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.k = k;
        }

        static Coefficients of(int inSize, int outSize, Filter filter) {
            int[] bounds = new int[2 * outSize];
            // box = (0, inSize) as C floats: in1 − in0 is evaluated in float, then widened
            float in0 = 0f;
            float in1 = inSize;
            double scale = (double) (in1 - in0) / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = filter.support * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            if ((long) outSize * ksize > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("resize " + inSize + " -> " + outSize + " needs too many coefficients");
            }
            double[] pre = new double[outSize * ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = in0 + (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                int base = xx * ksize;
                for (int x = 0; x < xmax; x++) {
                    double wgt = filter.kernel((x + xmin - center + 0.5) * ss);
                    pre[base + x] = wgt;
                    ww += wgt;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) {
                        pre[base + x] /= ww;
                    }
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            int[] k = new int[pre.length];
            double one = 1 << PRECISION_BITS;
            for (int i = 0; i < pre.length; i++) {
                k[i] = pre[i] < 0 ? (int) (-0.5 + pre[i] * one) : (int) (0.5 + pre[i] * one);
            }
            return new Coefficients(ksize, bounds, k);
        }
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static byte[] horizontal(byte[] src, int w, int ch, int yFirst, int rows, Coefficients c, int outW) {
        byte[] out = new byte[rows * outW * ch];
        int ksize = c.ksize;
        int[] k = c.k;
        int[] bounds = c.bounds;
        int[] acc = new int[ch];
        for (int yy = 0; yy < rows; yy++) {
            int rowIn = (yy + yFirst) * w * ch;
            int rowOut = yy * outW * ch;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = bounds[2 * xx];
                int xmax = bounds[2 * xx + 1];
                int kb = xx * ksize;
                if (ch == 3) {
                    int s0 = 1 << (PRECISION_BITS - 1);
                    int s1 = s0;
                    int s2 = s0;
                    int p = rowIn + xmin * 3;
                    for (int x = 0; x < xmax; x++, p += 3) {
                        int kv = k[kb + x];
                        s0 += (src[p] & 0xFF) * kv;
                        s1 += (src[p + 1] & 0xFF) * kv;
                        s2 += (src[p + 2] & 0xFF) * kv;
                    }
                    int o = rowOut + xx * 3;
                    out[o] = (byte) clip8(s0);
                    out[o + 1] = (byte) clip8(s1);
                    out[o + 2] = (byte) clip8(s2);
                } else {
                    Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                    int p = rowIn + xmin * ch;
                    for (int x = 0; x < xmax; x++) {
                        int kv = k[kb + x];
                        for (int cc = 0; cc < ch; cc++, p++) {
                            acc[cc] += (src[p] & 0xFF) * kv;
                        }
                    }
                    int o = rowOut + xx * ch;
                    for (int cc = 0; cc < ch; cc++) {
                        out[o + cc] = (byte) clip8(acc[cc]);
                    }
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int ch, Coefficients c, int outH) {
        int rowLen = w * ch;
        byte[] out = new byte[outH * rowLen];
        int ksize = c.ksize;
        int[] k = c.k;
        int[] bounds = c.bounds;
        int[] acc = new int[rowLen];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = bounds[2 * yy];
            int ymax = bounds[2 * yy + 1];
            int kb = yy * ksize;
            // Row-at-a-time accumulation: the same sums as Pillow's per-pixel loop (int addition in
            // the same order of y for each sample), but streaming through contiguous rows.
            Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            for (int y = 0; y < ymax; y++) {
                int kv = k[kb + y];
                int p = (y + ymin) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += (src[p + i] & 0xFF) * kv;
                }
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        }
        return out;
    }

    /** {@code ImagingScaleAffine} with {@code a = [in/out, 0, 0, 0, in/out, 0]} (Pillow's NEAREST resize). */
    private static byte[] nearest(byte[] src, int w, int h, int ch, int outW, int outH) {
        double ax = (double) (float) w / outW;
        double ay = (double) (float) h / outH;
        int[] xin = new int[outW];
        double xo = ax * 0.5;
        for (int x = 0; x < outW; x++) {
            xin[x] = Math.min(coord(xo), w - 1);
            xo += ax;
        }
        byte[] out = new byte[outW * outH * ch];
        double yo = ay * 0.5;
        for (int y = 0; y < outH; y++) {
            int yi = Math.min(coord(yo), h - 1);
            yo += ay;
            int rowIn = yi * w * ch;
            int o = y * outW * ch;
            for (int x = 0; x < outW; x++) {
                System.arraycopy(src, rowIn + xin[x] * ch, out, o + x * ch, ch);
            }
        }
        return out;
    }

    private static int coord(double v) {
        return v < 0.0 ? 0 : (int) v;
    }
}
