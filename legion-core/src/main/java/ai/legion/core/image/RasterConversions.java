package ai.legion.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Decoded samples → {@link RgbImage}, reproducing what OpenCV's {@code imread(IMREAD_COLOR)} followed
 * by BGR→RGB yields: raw sample values without any color management (ICC profiles, gAMA and
 * colour-space tags are ignored), alpha dropped without compositing, gray replicated into R = G = B,
 * palette indices looked up (the palette's alpha ignored), samples wider than 8 bits shifted right
 * ({@code v >> (bits − 8)}, libpng's {@code png_set_strip_16}), packed 5/6-bit samples shifted left
 * (OpenCV's BMP 555/565 expansion), JPEG YCbCr/YCCK/CMYK converted with libjpeg's integer formulas.
 */
final class RasterConversions {

    private RasterConversions() {}

    // libjpeg(-turbo) jdcolor.c: YCbCr -> RGB tables (SCALEBITS 16, ONE_HALF rounding)
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    private static int clamp255(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** JPEG colour spaces as libjpeg infers them from the markers (see {@link JpegInfo}). */
    enum JpegColor { GRAY, YCBCR, RGB, CMYK, YCCK }

    /**
     * Converts a {@link javax.imageio.ImageReader#readRaster} result of a JPEG (the samples as
     * stored, after upsampling, before any colour conversion) the way libjpeg + OpenCV do: YCbCr→RGB
     * with libjpeg's fixed-point tables; YCCK→CMYK (libjpeg) then OpenCV's
     * {@code icvCvt_CMYK2BGR} ({@code v = K − ((255 − v)·K >> 8)}, the formula for Adobe's inverted
     * CMYK); gray replicated.
     */
    static RgbImage fromJpegRaster(Raster raster, JpegColor color) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int nb = raster.getNumBands();
        int need = switch (color) {
            case GRAY -> 1;
            case YCBCR, RGB -> 3;
            case CMYK, YCCK -> 4;
        };
        if (nb != need) {
            throw new IllegalStateException("JPEG raster has " + nb + " bands, expected " + need + " for " + color);
        }
        return convertRows(w, h, nb, rowReader(raster, false, false), (row, i) -> jpegPixel(color, row, i));
    }

    /** One JPEG pixel, samples from {@code row[i]}, as {@code 0xRRGGBB}. */
    private static int jpegPixel(JpegColor color, int[] row, int i) {
        int r;
        int g;
        int b;
        switch (color) {
            case GRAY -> r = g = b = row[i];
            case RGB -> {
                r = row[i];
                g = row[i + 1];
                b = row[i + 2];
            }
            case YCBCR -> {
                int yy = row[i];
                int cb = row[i + 1];
                int cr = row[i + 2];
                r = clamp255(yy + CR_R[cr]);
                g = clamp255(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                b = clamp255(yy + CB_B[cb]);
            }
            default -> {
                int c = row[i];
                int m = row[i + 1];
                int ye = row[i + 2];
                int k = row[i + 3];
                if (color == JpegColor.YCCK) { // libjpeg ycck_cmyk_convert
                    int yy = c;
                    int cb = m;
                    int cr = ye;
                    c = clamp255(255 - (yy + CR_R[cr]));
                    m = clamp255(255 - (yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)));
                    ye = clamp255(255 - (yy + CB_B[cb]));
                }
                r = k - (((255 - c) * k) >> 8);
                g = k - (((255 - m) * k) >> 8);
                b = k - (((255 - ye) * k) >> 8);
            }
        }
        return rgb(r, g, b);
    }

    /** Converts one pixel whose samples start at {@code row[i]} to {@code 0xRRGGBB}. */
    @FunctionalInterface
    private interface PixelToRgb {
        int rgb(int[] row, int i);
    }

    private static int rgb(int r, int g, int b) {
        return (r & 0xFF) << 16 | (g & 0xFF) << 8 | (b & 0xFF);
    }

    /**
     * Reads {@code h} rows of {@code w} pixels, {@code stride} samples each, and converts every pixel into a
     * new image.
     */
    private static RgbImage convertRows(int w, int h, int stride, RowReader rows, PixelToRgb pixel) {
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w * stride];
        for (int y = 0; y < h; y++) {
            rows.read(y, row);
            int o = y * w * 3;
            for (int x = 0, i = 0; x < w; x++, i += stride, o += 3) {
                int p = pixel.rgb(row, i);
                out[o] = (byte) (p >> 16);
                out[o + 1] = (byte) (p >> 8);
                out[o + 2] = (byte) p;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** {@link #toRgb(BufferedImage, boolean, boolean)} with the libpng/OpenCV rules (not TIFF). */
    static RgbImage toRgb(BufferedImage image) {
        return toRgb(image, false, false);
    }

    /**
     * See the class comment. Falls back to Java2D's sRGB conversion only for exotic colour spaces
     * (Lab, YCC, …).
     *
     * @param libtiff use the rules of libtiff's {@code TIFFReadRGBA*} interface, through which OpenCV
     *     reads every TIFF as 8-bit colour: 16-bit colour samples become {@code (v + 128) / 257}
     *     (rounded scaling, {@code Bitdepth16To8}), 16-bit gray keeps its high byte, and alpha is never
     *     un-premultiplied
     * @param premultiplyAlpha multiply the (8-bit) alpha into the colour, {@code (c·a + 127) / 255}
     *     (libtiff's {@code UaToAa}, for TIFF unassociated alpha)
     */
    static RgbImage toRgb(BufferedImage image, boolean libtiff, boolean premultiplyAlpha) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int w = raster.getWidth();
        int h = raster.getHeight();
        if ((long) w * h > RgbImage.MAX_PIXELS) {
            throw new IllegalArgumentException("image " + w + "x" + h + " is larger than an RgbImage can hold");
        }
        int nb = raster.getNumBands();
        if (cm instanceof IndexColorModel icm) {
            int size = icm.getMapSize();
            int[] pal = new int[size];
            icm.getRGBs(pal);
            // a palette index outside the map stays black
            RowReader indices = (y, idx) -> raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, idx);
            return convertRows(w, h, 1, indices, (idx, i) -> idx[i] >= 0 && idx[i] < size ? pal[idx[i]] : 0);
        }
        int csType = cm.getColorSpace().getType();
        int nc = cm.getNumColorComponents();
        boolean supported = nb >= cm.getNumComponents()
                && ((csType == ColorSpace.TYPE_GRAY && nc == 1) || (csType == ColorSpace.TYPE_RGB && nc == 3)
                        || (csType == ColorSpace.TYPE_CMYK && nc == 4));
        if (!supported) {
            // Lab, PhotoYCC, n-channel colour spaces: let Java2D convert to sRGB (OpenCV would not read these either)
            return convertRows(w, h, 1, (y, argb) -> image.getRGB(0, y, w, 1, argb, 0, w), (argb, i) -> argb[i]);
        }
        boolean unpremultiply = !libtiff && cm.hasAlpha() && cm.isAlphaPremultiplied();
        boolean premultiply = premultiplyAlpha && cm.hasAlpha();
        int alphaBand = cm.getNumComponents() - 1;
        RowReader rows = rowReader(raster, cm instanceof DirectColorModel, libtiff && nc > 1);
        return convertRows(w, h, nb, rows, (row, i) -> {
            int r;
            int g;
            int b;
            if (nc == 1) {
                r = g = b = row[i];
            } else if (nc == 3) {
                r = row[i];
                g = row[i + 1];
                b = row[i + 2];
            } else { // CMYK (TIFF "separated", not inverted): libtiff's putRGBcontig8bitCMYK
                int k = 255 - row[i + 3];
                r = k * (255 - row[i]) / 255;
                g = k * (255 - row[i + 1]) / 255;
                b = k * (255 - row[i + 2]) / 255;
            }
            if (unpremultiply) {
                int a = row[i + alphaBand];
                r = unpremultiply(r, a);
                g = unpremultiply(g, a);
                b = unpremultiply(b, a);
            } else if (premultiply) {
                int a = row[i + alphaBand];
                r = (r * a + 127) / 255;
                g = (g * a + 127) / 255;
                b = (b * a + 127) / 255;
            }
            return rgb(r, g, b);
        });
    }

    private static int unpremultiply(int c, int a) {
        return a == 0 ? 0 : Math.min(255, (c * 255 + a / 2) / a);
    }

    /** Reads one raster row as {@code w·bands} samples already reduced to 0..255. */
    interface RowReader {
        void read(int y, int[] out);
    }

    /**
     * @param packedShiftsLeft expand sub-8-bit samples by shifting (packed BMP pixels) instead of scaling
     * @param round16 reduce 16-bit samples with {@code (v + 128) / 257} instead of {@code v >> 8}
     */
    static RowReader rowReader(Raster raster, boolean packedShiftsLeft, boolean round16) {
        SampleModel sm = raster.getSampleModel();
        int nb = raster.getNumBands();
        int w = raster.getWidth();
        int x0 = raster.getMinX();
        int y0 = raster.getMinY();
        boolean all8 = true;
        for (int b = 0; b < nb; b++) {
            all8 &= sm.getSampleSize(b) == 8;
        }
        if (all8 && sm instanceof ComponentSampleModel csm && raster.getDataBuffer() instanceof DataBufferByte dbb
                && sm.getDataType() == DataBuffer.TYPE_BYTE) {
            // Direct array access for the common interleaved / banded 8-bit layouts.
            int pixelStride = csm.getPixelStride();
            int scanStride = csm.getScanlineStride();
            int[] bandOffsets = csm.getBandOffsets();
            int[] banks = csm.getBankIndices();
            byte[][] data = new byte[nb][];
            int[] base = new int[nb];
            int tx = x0 - raster.getSampleModelTranslateX();
            int ty = y0 - raster.getSampleModelTranslateY();
            for (int b = 0; b < nb; b++) {
                data[b] = dbb.getData(banks[b]);
                base[b] = dbb.getOffsets()[banks[b]] + bandOffsets[b] + tx * pixelStride;
            }
            return (y, out) -> {
                int rowOff = (ty + y) * scanStride;
                for (int b = 0; b < nb; b++) {
                    byte[] d = data[b];
                    int p = base[b] + rowOff;
                    for (int x = 0, i = b; x < w; x++, i += nb, p += pixelStride) {
                        out[i] = d[p] & 0xFF;
                    }
                }
            };
        }
        int dataType = sm.getDataType();
        int[] bits = sm.getSampleSize();
        if (dataType == DataBuffer.TYPE_FLOAT || dataType == DataBuffer.TYPE_DOUBLE) {
            double[] buf = new double[w * nb];
            return (y, out) -> {
                raster.getPixels(x0, y0 + y, w, 1, buf);
                for (int i = 0; i < out.length; i++) {
                    double v = buf[i];
                    out[i] = Double.isNaN(v) ? 0 : clamp255((int) Math.round(v * 255.0));
                }
            };
        }
        return (y, out) -> {
            raster.getPixels(x0, y0 + y, w, 1, out);
            for (int i = 0; i < out.length; i++) {
                int b = bits[i % nb];
                out[i] = round16 && b == 16 ? ((out[i] & 0xFFFF) + 128) / 257 : to8(out[i], b, packedShiftsLeft);
            }
        };
    }

    /** An unsigned sample of {@code bits} bits (1..32) reduced to 8 bits as OpenCV does. */
    static int to8(int v, int bits, boolean packedShiftsLeft) {
        if (bits == 8) {
            return v & 0xFF;
        }
        if (bits > 8) {
            long u = bits >= 32 ? v & 0xFFFFFFFFL : v & ((1L << bits) - 1);
            return (int) (u >>> (bits - 8));
        }
        int u = v & ((1 << bits) - 1);
        if (packedShiftsLeft) {
            return u << (8 - bits);
        }
        return u * 255 / ((1 << bits) - 1);
    }
}
