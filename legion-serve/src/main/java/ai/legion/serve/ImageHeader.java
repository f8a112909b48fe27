package ai.legion.serve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An upload's format and size from its header alone, so that what is not an image or is over the pixel limit is
 * refused at once, before it takes a place in the queue (the worker decodes it fully later).
 */
record ImageHeader(String format, int width, int height) {

    long pixels() {
        return (long) width * height;
    }

    /**
     * @throws ApiException 400 naming the upload when no image reader recognizes the bytes or the header is
     *     unreadable
     */
    static ImageHeader read(byte[] bytes, String name) {
        if (bytes.length == 0) {
            throw new ApiException(400, name + ": the upload is empty (0 bytes)");
        }
        // an explicit memory-cached stream: ImageIO's default may create a temporary cache file
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ApiException(400, name + ": not an image in a supported format (PNG, JPEG, WebP, BMP, GIF, "
                        + "TIFF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new ImageHeader(reader.getFormatName().toUpperCase(Locale.ROOT), reader.getWidth(0),
                        reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            throw new ApiException(400, name + ": cannot read the image header: " + e.getMessage());
        }
    }
}
