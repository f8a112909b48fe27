package ai.legion.refine;

import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * PNG encoding of images and masks in the forms the generator protocols expect, and decoding of what
 * servers send back (PNG, JPEG, WebP, ... through {@link ImageLoader}, with its pixel limit).
 */
public final class ImageCodec {

    private static final ImageLoader LOADER = new ImageLoader();

    private ImageCodec() {}

    /** The image as an 8-bit RGB PNG. */
    public static byte[] png(RgbImage image) {
        return png(image.toBufferedImage());
    }

    /** Any {@link BufferedImage} as PNG. */
    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(1024, image.getWidth() * image.getHeight()));
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer registered with ImageIO");
            }
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** The mask as an 8-bit grayscale PNG, 255 = repaint, 0 = keep (A1111, diffusers). */
    public static byte[] maskPng(BinaryMask mask) {
        return MaskImages.encodePng(mask);
    }

    /**
     * The mask as an RGBA PNG whose alpha is 0 (transparent) where the mask is set and 255 elsewhere; the
     * color is white where set, black elsewhere. This is the mask of OpenAI's image edits ("fully
     * transparent areas indicate where the image should be edited") and of ComfyUI's {@code /upload/mask},
     * whose alpha becomes the image's alpha, from which {@code LoadImage} derives {@code MASK = 1 - alpha}.
     */
    public static byte[] transparentMaskPng(BinaryMask mask) {
        int w = mask.width();
        int h = mask.height();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                row[x] = mask.get(x, y) ? 0x00FFFFFF : 0xFF000000;
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
        return png(img);
    }

    /**
     * Decodes an image a server sent.
     *
     * @param source what to call it in errors (server and field)
     * @throws ImageException naming {@code source} when the bytes are not a readable image
     */
    public static RgbImage decode(byte[] bytes, String source) throws ImageException {
        Objects.requireNonNull(bytes, "bytes");
        return LOADER.load(new ByteArrayInputStream(bytes), source);
    }
}
