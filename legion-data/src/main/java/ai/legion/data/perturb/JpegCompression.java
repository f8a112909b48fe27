package ai.legion.data.perturb;

import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.plugins.jpeg.JPEGQTable;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.w3c.dom.NodeList;

/**
 * A JPEG compression round trip at a given quality: encode with the JDK's ImageIO JPEG writer, decode
 * with {@link ImageLoader} (libjpeg's integer colour conversion and fancy upsampling, as OpenCV/Pillow).
 *
 * <h2>What is encoded</h2>
 * Baseline JFIF, YCbCr with <b>4:2:0</b> chroma subsampling (the ImageIO writer's default for 3-channel
 * images: luma H2V2, chroma H1V1 — the same as libjpeg's {@code jpeg_set_defaults}, used by
 * {@code cv2.imencode} and Pillow's {@code save(quality=q)}), ISLOW DCT, standard Huffman tables. The
 * quantization tables are set explicitly to libjpeg's {@code jpeg_set_quality(q, force_baseline=TRUE)}
 * ({@link #quantTable}): ImageIO's own quality scaling ({@code setCompressionQuality(q/100)}) uses
 * float arithmetic where libjpeg truncates {@code 5000/q} to an integer, which gives different tables at
 * some qualities (e.g. q = 30, last luminance entry 165 instead of 164). The JDK's encoder is libjpeg 6b,
 * whose colour conversion, downsampling, forward DCT and quantization match libjpeg-turbo's: the
 * entropy-coded data equals {@code cv2.imencode}'s and the decoded pixels equal {@code cv2.imdecode} of
 * {@code cv2.imencode} and Pillow's {@code save}/{@code open} (checked with opencv-python-headless 4.14 /
 * libjpeg-turbo 3.1.2 and Pillow 12.3 at qualities 10 to 100 on 37×23 and 517×389 images).
 *
 * <h2>Not upstream-identical</h2>
 * LEGION's robustness driver uses Kornia's differentiable JPEG ({@code RandomJPEG}), which approximates
 * rounding and is not bit-identical to any libjpeg, and applies it to the BGR array as if it were RGB.
 * This class instead does standard JPEG like UniFD's PIL path and CNNSpot's cv2/PIL paths.
 *
 * @param quality JPEG quality 1..100 (libjpeg scale)
 */
public record JpegCompression(int quality) implements ImagePerturbation {

    /** Largest width or height a baseline JPEG can store. */
    public static final int MAX_DIMENSION = 65_535;

    /** IJG / ITU-T T.81 Annex K luminance table, natural (row-major) order. */
    private static final int[] STD_LUMINANCE = {
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99};

    /** Annex K chrominance table, natural order. */
    private static final int[] STD_CHROMINANCE = {
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99};

    private static final String NATIVE_FORMAT = "javax_imageio_jpeg_image_1.0";

    /** Decoder for the round trip: no pixel limit beyond RgbImage's, no EXIF (none is written). */
    private static final ImageLoader DECODER = new ImageLoader(ImageLoader.Options.defaults()
            .withMaxPixels(RgbImage.MAX_PIXELS).withApplyExifOrientation(false).withDecodeTimeout(Duration.ZERO));

    /**
     * @throws IllegalArgumentException if the quality is outside 1..100
     */
    public JpegCompression {
        checkQuality(quality);
    }

    private static void checkQuality(int quality) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be in 1..100, got " + quality);
        }
    }

    /**
     * libjpeg's quantization table for a quality ({@code jpeg_quality_scaling} + {@code jpeg_add_quant_table}
     * with {@code force_baseline}): scale {@code s = q < 50 ? 5000/q : 200 − 2q} (integer division), entry
     * {@code clamp((base·s + 50) / 100, 1, 255)}.
     *
     * @param chroma false for the luminance table (0), true for the chrominance table (1)
     * @return 64 entries in natural (row-major) order
     * @throws IllegalArgumentException if the quality is outside 1..100
     */
    public static int[] quantTable(int quality, boolean chroma) {
        checkQuality(quality);
        int scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
        int[] base = chroma ? STD_CHROMINANCE : STD_LUMINANCE;
        int[] out = new int[64];
        for (int i = 0; i < 64; i++) {
            long v = ((long) base[i] * scale + 50L) / 100L;
            out[i] = (int) Math.max(1L, Math.min(v, 255L));
        }
        return out;
    }

    @Override
    public RgbImage apply(RgbImage image, long seed) {
        return roundTrip(image, quality);
    }

    /** Encodes at {@code quality} and decodes again (see the class comment). */
    public static RgbImage roundTrip(RgbImage image, int quality) {
        byte[] jpeg = encode(image, quality);
        try {
            RgbImage decoded = DECODER.load(new ByteArrayInputStream(jpeg), "in-memory JPEG (quality " + quality + ")");
            if (decoded.width() != image.width() || decoded.height() != image.height()) {
                throw new IllegalStateException("JPEG round trip changed the size " + image.width() + "x" + image.height()
                        + " to " + decoded.width() + "x" + decoded.height());
            }
            return decoded;
        } catch (ImageException e) {
            // the bytes were produced just above; failing to read them back is a bug, not bad input
            throw new IllegalStateException("cannot decode the JPEG just encoded: " + e.getMessage(), e);
        }
    }

    /**
     * Encodes an image as a baseline 4:2:0 JFIF JPEG with libjpeg's tables for {@code quality}.
     *
     * @throws IllegalArgumentException if the quality is outside 1..100 or a side exceeds {@link #MAX_DIMENSION}
     */
    public static byte[] encode(RgbImage image, int quality) {
        Objects.requireNonNull(image, "image");
        checkQuality(quality);
        if (image.width() > MAX_DIMENSION || image.height() > MAX_DIMENSION) {
            throw new IllegalArgumentException("image " + image.width() + "x" + image.height()
                    + " is too large for JPEG (at most " + MAX_DIMENSION + " pixels per side)");
        }
        BufferedImage buffered = image.toBufferedImage();
        ImageWriter writer = jpegWriter();
        try {
            ImageWriteParam param = writer.getDefaultWriteParam(); // MODE_COPY_FROM_METADATA: tables below
            IIOMetadata metadata = writer.getDefaultImageMetadata(new ImageTypeSpecifier(buffered), param);
            setQuantTables(metadata, quality);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(1024, image.pixelCount() / 4));
            try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(buffered, null, metadata), param);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding to memory failed: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
    }

    private static ImageWriter jpegWriter() {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        while (it.hasNext()) {
            ImageWriter w = it.next();
            // the JDK's libjpeg-based writer understands the native metadata tree used below
            if (w.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageWriter")) {
                return w;
            }
        }
        throw new IllegalStateException("the JDK's ImageIO JPEG writer (com.sun.imageio.plugins.jpeg) is not available");
    }

    /** Replaces the default metadata's DQT tables (0 = luminance, 1 = chrominance) by libjpeg's. */
    private static void setQuantTables(IIOMetadata metadata, int quality) throws IIOInvalidTreeException {
        IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(NATIVE_FORMAT);
        NodeList tables = root.getElementsByTagName("dqtable");
        if (tables.getLength() != 2) {
            throw new IllegalStateException("expected 2 quantization tables in the default JPEG metadata, found "
                    + tables.getLength());
        }
        for (int i = 0; i < tables.getLength(); i++) {
            IIOMetadataNode table = (IIOMetadataNode) tables.item(i);
            int id = Integer.parseInt(table.getAttribute("qtableId"));
            table.setUserObject(new JPEGQTable(quantTable(quality, id != 0)));
        }
        metadata.setFromTree(NATIVE_FORMAT, root);
    }

    @Override
    public String name() {
        return "jpeg:" + quality;
    }

    @Override
    public String toString() {
        return name();
    }
}
