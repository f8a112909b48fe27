package ai.legion.core.report;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Masks as 8-bit grayscale PNG files with values 0 and 255, like upstream's {@code mask.png} (PIL mode
 * {@code L}). Files are written atomically: a reader never sees a half-written PNG.
 *
 * <p>Folder layout of {@link #writeAll}: {@value #UNION_FILE} (the union mask) and one
 * {@code artifact_NN.png} per artifact ({@link #artifactFileName(int)}, NN = the artifact's 0-based index,
 * at least two digits), all at the original image resolution.
 */
public final class MaskImages {

    /** File name of the union mask, as upstream. */
    public static final String UNION_FILE = "mask.png";

    private MaskImages() {}

    /** File name of the mask of the artifact with {@code index}: {@code artifact_00.png}, ... */
    public static String artifactFileName(int index) {
        return String.format(Locale.ROOT, "artifact_%02d.png", index);
    }

    /** The mask as a {@code TYPE_BYTE_GRAY} image: 255 where set, 0 elsewhere. */
    public static BufferedImage toImage(BinaryMask mask) {
        BufferedImage img = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        // TYPE_BYTE_GRAY is one byte per pixel, row-major, no row padding: the mask's own index order
        int n = mask.pixelCount();
        for (int i = 0; i < n; i++) {
            if (mask.bit(i)) {
                data[i] = (byte) 255;
            }
        }
        return img;
    }

    /**
     * The mask of an image: a pixel is set when its value is non-zero (the gray sample, or any color
     * channel; alpha ignored; palette images by their colors).
     */
    public static BinaryMask fromImage(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        long[] words = BinaryMask.newWords(h, w);
        Raster r = image.getRaster();
        boolean indexed = image.getColorModel() instanceof IndexColorModel;
        int bands = indexed ? 0 : image.getColorModel().getNumColorComponents();
        int[] row = new int[w * r.getNumBands()];
        int[] rgb = indexed ? new int[w] : null;
        int stride = r.getNumBands();
        for (int y = 0; y < h; y++) {
            if (indexed) {
                image.getRGB(0, y, w, 1, rgb, 0, w);
            } else {
                r.getPixels(0, y, w, 1, row);
            }
            for (int x = 0; x < w; x++) {
                boolean set = false;
                if (indexed) {
                    set = (rgb[x] & 0xFFFFFF) != 0;
                } else {
                    for (int b = 0; b < bands && !set; b++) {
                        set = row[x * stride + b] != 0;
                    }
                }
                if (set) {
                    int i = y * w + x;
                    words[i >>> 6] |= 1L << i;
                }
            }
        }
        return BinaryMask.wrap(h, w, words);
    }

    /** The mask encoded as an 8-bit grayscale PNG (0/255), in memory. */
    public static byte[] encodePng(BinaryMask mask) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        // an explicit memory-cached stream: ImageIO's default may create a temporary cache file
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            if (!ImageIO.write(toImage(mask), "png", out)) {
                throw new IllegalStateException("no PNG writer registered with ImageIO");
            }
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** Writes the mask as an 8-bit grayscale PNG (0/255), atomically. */
    public static void writePng(Path file, BinaryMask mask) throws ReportException {
        ReportJson.writeFile(file, encodePng(mask), "mask PNG");
    }

    /** Reads a mask image (PNG or any format ImageIO reads): non-zero pixels are set. */
    public static BinaryMask read(Path file) throws ReportException {
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (IOException e) {
            throw new ReportException(file, "cannot read mask image: " + e, e);
        }
        if (img == null) {
            throw new ReportException(file, "not an image format ImageIO can read (expected a PNG mask)");
        }
        return fromImage(img);
    }

    /**
     * Writes the union mask ({@value #UNION_FILE}) and one PNG per artifact into {@code folder} (created if
     * needed), each atomically.
     *
     * @return the files written: the union first, then the artifacts in report order
     */
    public static List<Path> writeAll(Path folder, ArtifactReport report) throws ReportException {
        List<Path> written = new ArrayList<>();
        Path union = folder.resolve(UNION_FILE);
        writePng(union, report.union());
        written.add(union);
        for (Artifact a : report.artifacts()) {
            Path p = folder.resolve(artifactFileName(a.index()));
            writePng(p, a.mask());
            written.add(p);
        }
        return List.copyOf(written);
    }
}
