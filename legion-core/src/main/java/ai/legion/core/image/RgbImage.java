package ai.legion.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit RGB image in the layout the upstream Python code works on: a {@code uint8 [H, W, 3]}
 * array, row-major, channels interleaved in R, G, B order (what {@code cv2.imread} followed by
 * {@code cv2.cvtColor(BGR2RGB)} or {@code np.array(pil_image)} gives).
 *
 * <p>The pixel array is <b>not copied</b> (images can be hundreds of megabytes): the constructor keeps
 * the caller's array and {@link #rgb()} returns it. Treat it as read-only; every operation in this
 * package returns a new image instead of modifying one. {@link #equals} and {@link #hashCode} compare
 * the pixel contents.
 *
 * @param width width W in pixels (≥ 1)
 * @param height height H in pixels (≥ 1)
 * @param rgb {@code W·H·3} bytes, index {@code (y·W + x)·3 + c}, values read as unsigned
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /** Largest pixel count an {@code RgbImage} can hold (the byte array is limited to 2³¹−1 entries). */
    public static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    /**
     * Checks that both sizes are positive and the array holds exactly {@code width·height·3} bytes.
     *
     * @throws IllegalArgumentException naming the sizes that do not fit
     * @throws NullPointerException if {@code rgb} is null
     */
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " must be positive");
        }
        long pixels = (long) width * height;
        if (pixels > MAX_PIXELS) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " has " + pixels
                    + " pixels, more than an RgbImage can hold (" + MAX_PIXELS + ")");
        }
        if (rgb.length != pixels * 3) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + width + "x" + height
                    + "x3 = " + pixels * 3);
        }
    }

    /** A black image. */
    public static RgbImage blank(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " must be positive");
        }
        return new RgbImage(width, height, new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)]);
    }

    /**
     * Converts a {@link BufferedImage} exactly like {@link ImageLoader#fromBufferedImage}: raw sample
     * values, no color management, alpha dropped (not composited), gray replicated, palette looked
     * up, 16-bit samples shifted right by 8.
     */
    public static RgbImage of(BufferedImage image) {
        return RasterConversions.toRgb(image);
    }

    /** The sample of channel {@code c} (0 = R, 1 = G, 2 = B) at column {@code x}, row {@code y}, as 0..255. */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + width + "x" + height + "x3");
        }
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /** Number of pixels {@code W·H}. */
    public int pixelCount() {
        return width * height;
    }

    /** {@code (H, W)} as upstream writes image sizes ({@code image.shape[:2]}). */
    public int[] hw() {
        return new int[] {height, width};
    }

    /**
     * A {@code TYPE_3BYTE_BGR} copy (sRGB): for ImageIO writers and Java2D. Converting it back with
     * {@link #of(BufferedImage)} gives an equal image.
     */
    public BufferedImage toBufferedImage() {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int n = width * height;
        for (int i = 0, j = 0; i < n; i++, j += 3) {
            dst[j] = rgb[j + 2];
            dst[j + 1] = rgb[j + 1];
            dst[j + 2] = rgb[j];
        }
        return out;
    }

    /**
     * The sub-image {@code [top, top+h) × [left, left+w)}; it must lie inside this image.
     *
     * @throws IllegalArgumentException if the rectangle is empty or reaches outside
     */
    public RgbImage crop(int left, int top, int w, int h) {
        if (w <= 0 || h <= 0 || left < 0 || top < 0 || (long) left + w > width || (long) top + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + left + ", " + top + ") outside "
                    + width + "x" + height);
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rgb, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
