package ai.legion.data.richhf;

import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decoding of RichHF-18K heatmap bytes to an 8-bit gray map and writing it as a gray PNG.
 *
 * <p>The released maps are encoded images (the reference script decodes them with
 * {@code tf.image.decode_image(..., channels=1)}, 512×512, values 0–255). Accepted here: any image
 * {@link ImageLoader} reads, recognized by its magic bytes (PNG, JPEG, GIF, BMP, WebP), and raw
 * {@code width×height} uint8 bytes. Colour images are reduced to gray with Pillow's
 * {@code convert("L")} formula {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}, the conversion
 * LEGION's benchmark applies to its heatmaps; gray images keep their values.
 */
final class HeatmapImages {

    /** An 8-bit gray map, row-major. */
    record Gray(int width, int height, byte[] pixels) {
        Gray {
            if ((long) width * height != pixels.length) {
                throw new IllegalArgumentException(width + "x" + height + " map with " + pixels.length + " bytes");
            }
        }
    }

    private static final ImageLoader LOADER = new ImageLoader();

    private HeatmapImages() {}

    /**
     * Decodes heatmap bytes.
     *
     * @param name what to call the map in messages (record id and feature)
     * @throws IOException with a message saying what the bytes are not
     */
    static Gray decode(byte[] bytes, String name, int rawWidth, int rawHeight) throws IOException {
        long rawSize = (long) rawWidth * rawHeight;
        if (looksEncoded(bytes)) {
            try {
                RgbImage rgb = LOADER.load(new ByteArrayInputStream(bytes), name);
                return toGray(rgb);
            } catch (ImageException e) {
                if (bytes.length == rawSize) { // raw data that happens to start like an image header
                    return new Gray(rawWidth, rawHeight, bytes.clone());
                }
                throw new IOException(name + ": cannot decode the encoded heatmap (" + bytes.length + " bytes): "
                        + e.getMessage(), e);
            }
        }
        if (bytes.length == rawSize) {
            return new Gray(rawWidth, rawHeight, bytes.clone());
        }
        throw new IOException(name + ": " + bytes.length + " bytes are neither an encoded image (PNG, JPEG, GIF,"
                + " BMP or WebP magic bytes) nor a raw " + rawWidth + "x" + rawHeight + " uint8 map (" + rawSize
                + " bytes)");
    }

    /** Whether the bytes start with the signature of an image format {@link ImageLoader} can read. */
    static boolean looksEncoded(byte[] b) {
        return startsWith(b, 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a)
                || startsWith(b, 0xff, 0xd8, 0xff)
                || startsWith(b, 'G', 'I', 'F', '8')
                || startsWith(b, 'B', 'M')
                || (startsWith(b, 'R', 'I', 'F', 'F') && b.length >= 12
                        && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P');
    }

    private static boolean startsWith(byte[] b, int... sig) {
        if (b.length < sig.length) {
            return false;
        }
        for (int i = 0; i < sig.length; i++) {
            if ((b[i] & 0xff) != sig[i]) {
                return false;
            }
        }
        return true;
    }

    /** Pillow's RGB → L conversion (identity on gray images, whose R = G = B). */
    static Gray toGray(RgbImage rgb) {
        byte[] src = rgb.rgb();
        byte[] out = new byte[rgb.width() * rgb.height()];
        for (int i = 0, j = 0; i < out.length; i++, j += 3) {
            int r = src[j] & 0xff;
            int g = src[j + 1] & 0xff;
            int b = src[j + 2] & 0xff;
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new Gray(rgb.width(), rgb.height(), out);
    }

    /** Encodes a gray map as an 8-bit grayscale PNG. */
    static byte[] encodePng(Gray g) {
        BufferedImage img = new BufferedImage(g.width(), g.height(), BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, g.width(), g.height(), g.pixels());
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available in ImageIO");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG to memory", e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** Writes a gray map as a PNG, atomically (temporary file + rename). */
    static void writePng(Path target, Gray g) throws CheckpointException {
        byte[] png = encodePng(g);
        IoUtils.writeAtomically(target, png);
    }
}
