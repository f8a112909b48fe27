package ai.legion.core.image;

import ai.legion.core.image.ImageException.Kind;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files into {@link RgbImage}s that equal what the upstream Python code gets from
 * {@code cv2.imread(path)} (flag {@code IMREAD_COLOR}) followed by {@code cv2.cvtColor(img, BGR2RGB)}.
 *
 * <h2>Conversions</h2>
 * Checked bit-exact against {@code cv2.imread} of OpenCV 4.6 (libpng, libjpeg-turbo 2.1, libtiff,
 * libwebp) for 8/16-bit RGB(A)/gray(+alpha)/1-, 2-, 4-bit/palette(+tRNS) PNG, baseline and
 * progressive 4:4:4/4:2:2/4:2:0 JPEG, gray/CMYK/YCCK JPEG, JPEG with ICC profile and all 8 EXIF
 * orientations, BMP 8/24/32-bit, lossless WebP, and 8/16-bit RGB(A)/gray/palette/CMYK TIFF.
 * <ul>
 *   <li><b>No colour management.</b> Embedded ICC profiles, PNG gAMA/cHRM/sRGB chunks and TIFF
 *       colorimetry are ignored; the stored sample values are returned (OpenCV does the same).
 *   <li><b>Alpha</b> (RGBA, gray+alpha, BMP/WebP alpha, palette transparency) is <b>dropped</b>,
 *       not composited over any background: a fully transparent pixel keeps its stored colour
 *       (TIFF: see below). Premultiplied in-memory images ({@link #fromBufferedImage}) are
 *       un-premultiplied first.
 *   <li><b>Gray</b> (1, 2, 4, 8, 16 bit) is replicated into R = G = B; 1/2/4-bit gray is expanded to
 *       0..255 by scaling (libpng {@code expand_gray_1_2_4_to_8}).
 *   <li><b>Palette / indexed</b> images are looked up in the palette (its alpha ignored).
 *   <li><b>16-bit</b> samples (PNG) are reduced with {@code v >> 8} (libpng {@code strip_16}, not
 *       rounding; TIFF: see below); wider integer samples likewise keep their top 8 bits; float
 *       samples are {@code round(v·255)} clamped.
 *   <li><b>JPEG</b> is read as raw samples ({@link ImageReader#readRaster}) and converted with
 *       libjpeg's own integer formulas: YCbCr→RGB (fixed-point tables of {@code jdcolor.c}); 4-channel
 *       CMYK / YCCK (Adobe APP14 transform 0 / 2; no APP14 = CMYK) via libjpeg's YCCK→CMYK and then
 *       OpenCV's {@code icvCvt_CMYK2BGR} ({@code R = K − ((255 − C)·K >> 8)}, the inverted-Adobe
 *       convention). The colour space is inferred like libjpeg (JFIF, Adobe transform, component ids
 *       'R','G','B'). Upsampling and IDCT are the JDK's libjpeg 6b ({@code ISLOW}, fancy upsampling), the
 *       same arithmetic as libjpeg-turbo except for 4:4:0 (h1v2) chroma, which turbo upsamples with a
 *       triangle filter, and the block smoothing of <em>incomplete</em> progressive JPEGs (changed in
 *       turbo 2.1): such files may differ by a few levels.
 *   <li><b>EXIF orientation</b> (JPEG only, like OpenCV): the first APP1 segment's IFD0 tag 0x0112 is
 *       applied with OpenCV's flips/transposes ({@link #applyExifOrientation}); off with
 *       {@link Options#applyExifOrientation()} {@code false}.
 *   <li><b>GIF</b>: the first frame, at its own size (OpenCV before 4.11 cannot read GIF at all); the
 *       JDK GIF reader mis-orders the rows of <em>interlaced</em> GIFs only 2 to 4 pixels high.
 *       <b>WebP</b> and <b>TIFF</b> are decoded by the TwelveMonkeys plugins. Lossless WebP is exact;
 *       <b>lossy WebP is not</b>: TwelveMonkeys' VP8 decoder differs from libwebp (loop filtering
 *       order, chroma upsampling, YUV→RGB), by about 4 levels on average and a few tens at sharp
 *       colour edges. <b>BMP</b> 5/6-bit channels are shifted left (OpenCV's 555/565 expansion).
 *   <li><b>TIFF</b> follows libtiff's {@code TIFFReadRGBA} interface, which OpenCV uses for 8-bit
 *       reads: 16-bit colour samples become {@code (v + 128) / 257} (rounded, unlike PNG's shift),
 *       16-bit gray keeps its high byte; <em>unassociated</em> alpha (ExtraSamples 2) is multiplied
 *       into the colour ({@code (c·a + 127) / 255}), associated alpha is kept as stored; CMYK gives
 *       {@code R = (255 − K)(255 − C) / 255}.
 * </ul>
 *
 * <h2>Safety</h2>
 * The width and height are read from the header ({@link ImageReader#getWidth}) and checked against
 * {@link Options#maxPixels()} before any pixel buffer is allocated. Decoder exceptions of any type
 * (including RuntimeExceptions thrown by ImageIO plugins on malformed data) and out-of-memory
 * failures while decoding become {@link ImageException}s; a watchdog aborts decoding after
 * {@link Options#decodeTimeout()}. A JPEG whose compressed data ends early (libjpeg's "premature end"
 * warnings, which OpenCV only prints, filling the rest with gray) is an error unless
 * {@link Options#allowTruncatedJpeg()}; a JPEG that only lacks its final EOI marker is complete and
 * accepted.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImageLoader {

    /**
     * Loader settings.
     *
     * @param maxPixels largest accepted {@code width·height} (default {@link #DEFAULT_MAX_PIXELS}); at most
     *     {@link RgbImage#MAX_PIXELS}
     * @param applyExifOrientation rotate/flip JPEGs by their EXIF orientation like OpenCV (default true)
     * @param allowTruncatedJpeg accept JPEGs whose data ends early, the missing part gray as libjpeg fills
     *     it (OpenCV's behaviour; default false: an error)
     * @param decodeTimeout abort decoding after this long; {@link Duration#ZERO} = no limit (default 2 min)
     */
    public record Options(long maxPixels, boolean applyExifOrientation, boolean allowTruncatedJpeg,
            Duration decodeTimeout) {

        /** 64 Mpx (2²⁶ = 8192 × 8192 pixels). */
        public static final long DEFAULT_MAX_PIXELS = 64L << 20;
        /** Default decode watchdog. */
        public static final Duration DEFAULT_DECODE_TIMEOUT = Duration.ofMinutes(2);

        /**
         * @throws IllegalArgumentException if maxPixels is outside 1..{@link RgbImage#MAX_PIXELS} or the
         *     timeout is negative
         */
        public Options {
            if (maxPixels < 1 || maxPixels > RgbImage.MAX_PIXELS) {
                throw new IllegalArgumentException("maxPixels " + maxPixels + " must be in 1.." + RgbImage.MAX_PIXELS);
            }
            Objects.requireNonNull(decodeTimeout, "decodeTimeout");
            if (decodeTimeout.isNegative()) {
                throw new IllegalArgumentException("decodeTimeout " + decodeTimeout + " must not be negative");
            }
        }

        /** 64 Mpx, EXIF orientation applied, truncated JPEGs rejected, 2 min timeout. */
        public static Options defaults() {
            return new Options(DEFAULT_MAX_PIXELS, true, false, DEFAULT_DECODE_TIMEOUT);
        }

        /** A copy with another pixel limit. */
        public Options withMaxPixels(long value) {
            return new Options(value, applyExifOrientation, allowTruncatedJpeg, decodeTimeout);
        }

        /** A copy with EXIF orientation handling switched on or off. */
        public Options withApplyExifOrientation(boolean value) {
            return new Options(maxPixels, value, allowTruncatedJpeg, decodeTimeout);
        }

        /** A copy that accepts or rejects truncated JPEGs. */
        public Options withAllowTruncatedJpeg(boolean value) {
            return new Options(maxPixels, applyExifOrientation, value, decodeTimeout);
        }

        /** A copy with another decode timeout ({@link Duration#ZERO} = none). */
        public Options withDecodeTimeout(Duration value) {
            return new Options(maxPixels, applyExifOrientation, allowTruncatedJpeg, value);
        }
    }

    private static final ScheduledThreadPoolExecutor WATCHDOG;

    static {
        // Plugins on the class path are registered when ImageIO first initializes, but only those
        // visible to the context class loader at that moment (not so in some containers / plugin hosts).
        if (!ImageIO.getImageReadersByFormatName("webp").hasNext()) {
            ImageIO.scanForPlugins();
        }
        WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "legion-image-decode-watchdog");
            t.setDaemon(true);
            return t;
        });
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    private final Options options;

    /** A loader with {@link Options#defaults()}. */
    public ImageLoader() {
        this(Options.defaults());
    }

    /** A loader with the given options. */
    public ImageLoader(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The settings. */
    public Options options() {
        return options;
    }

    /**
     * Decodes an image file.
     *
     * @throws ImageException naming the file: missing ({@link Kind#NOT_FOUND}), a directory or device
     *     ({@link Kind#NOT_A_FILE}), unreadable, empty, not a supported image, corrupt or truncated,
     *     zero-sized, over the pixel limit, or too slow to decode
     */
    public RgbImage load(Path file) throws ImageException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        if (!Files.exists(file)) {
            throw new ImageException(name, Kind.NOT_FOUND, "file not found");
        }
        if (Files.isDirectory(file)) {
            throw new ImageException(name, Kind.NOT_A_FILE, "is a directory, not an image file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ImageException(name, Kind.NOT_A_FILE,
                    "is not a regular file (device, pipe or socket); read streams with load(InputStream, name)");
        }
        if (!Files.isReadable(file)) {
            throw new ImageException(name, Kind.UNREADABLE, "file is not readable (permissions)");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ImageException(name, Kind.UNREADABLE, "cannot read the file size: " + e.getMessage(), e);
        }
        if (size == 0) {
            throw new ImageException(name, Kind.EMPTY, "file is empty (0 bytes)");
        }
        ImageInputStream in;
        try {
            in = new FileImageInputStream(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new ImageException(name, Kind.UNREADABLE, "cannot open the file: " + e.getMessage(), e);
        }
        try (in) {
            return decode(in, name);
        } catch (IOException closeFailure) {
            throw new ImageException(name, Kind.UNREADABLE, "I/O error: " + closeFailure.getMessage(), closeFailure);
        }
    }

    /**
     * Decodes an image from a stream (read to the end of the image, buffered in memory, not closed).
     *
     * @param in the encoded bytes
     * @param name what to call the source in error messages (e.g. a URL or upload file name)
     * @throws ImageException naming {@code name}, as for {@link #load(Path)}
     */
    public RgbImage load(InputStream in, String name) throws ImageException {
        Objects.requireNonNull(in, "in");
        String label = name == null || name.isBlank() ? "<stream>" : name;
        try (ImageInputStream iis = new MemoryCacheImageInputStream(in)) {
            return decode(iis, label);
        } catch (IOException closeFailure) {
            throw new ImageException(label, Kind.UNREADABLE, "I/O error: " + closeFailure.getMessage(), closeFailure);
        }
    }

    /**
     * Converts an in-memory image with the same rules as decoding (raw samples, alpha dropped, …; see
     * the class comment). EXIF orientation does not apply (a {@link BufferedImage} has none).
     *
     * @throws IllegalArgumentException if it has more than {@link RgbImage#MAX_PIXELS} pixels
     */
    public RgbImage fromBufferedImage(BufferedImage image) {
        return RasterConversions.toRgb(Objects.requireNonNull(image, "image"));
    }

    /**
     * OpenCV's {@code ApplyExifOrientation}: 1 unchanged, 2 flip left-right, 3 rotate 180°, 4 flip
     * top-bottom, 5 transpose, 6 transpose + flip left-right (rotate 90° clockwise), 7 transpose + flip
     * both, 8 transpose + flip top-bottom (rotate 90° counter-clockwise); other values unchanged.
     */
    public static RgbImage applyExifOrientation(RgbImage image, int orientation) {
        return switch (orientation) {
            case 2 -> flip(image, true, false);
            case 3 -> flip(image, true, true);
            case 4 -> flip(image, false, true);
            case 5 -> transpose(image);
            case 6 -> flip(transpose(image), true, false);
            case 7 -> flip(transpose(image), true, true);
            case 8 -> flip(transpose(image), false, true);
            default -> image;
        };
    }

    /** Lower-case format names the installed ImageIO readers accept (png, jpeg, webp, tiff, …). */
    public static List<String> readableFormats() {
        TreeSet<String> names = new TreeSet<>();
        for (String s : ImageIO.getReaderFormatNames()) {
            names.add(s.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(names);
    }

    // ------------------------------------------------------------------------------------------

    private RgbImage decode(ImageInputStream in, String name) throws ImageException {
        byte[] head = new byte[32];
        int n;
        List<ImageReader> readers = new ArrayList<>();
        try {
            n = readUpTo(in, head);
            if (n == 0) {
                throw new ImageException(name, Kind.EMPTY, "no data (0 bytes)");
            }
            in.seek(0);
            Iterator<ImageReader> it = ImageIO.getImageReaders(in);
            while (it.hasNext()) {
                readers.add(it.next());
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageException(name, Kind.UNREADABLE, "cannot read the data: " + e.getMessage(), e);
        }
        if (readers.isEmpty()) {
            throw new ImageException(name, Kind.UNSUPPORTED_FORMAT, "not a recognized image format (first bytes: "
                    + hex(head, Math.min(n, 16)) + "); readable formats: " + String.join(", ", readableFormats()));
        }
        checkDeclaredSize(head, n, name);
        try {
            JpegInfo jpeg = null;
            int tiffExtraSamples = NOT_TIFF;
            try {
                if (JpegInfo.isJpeg(head, n)) {
                    jpeg = JpegInfo.read(in);
                } else if (TiffInfo.isTiff(head, n)) {
                    tiffExtraSamples = TiffInfo.extraSamples(in);
                }
            } catch (IOException | RuntimeException e) {
                throw new ImageException(name, Kind.CORRUPT, "cannot read the header: " + e.getMessage(), e);
            }
            if (jpeg != null && jpeg.components() > 0 && (jpeg.width() == 0 || jpeg.height() == 0)) {
                throw new ImageException(name, Kind.INVALID_SIZE, "the JPEG frame header declares a " + jpeg.width()
                        + "x" + jpeg.height() + " image (width and height must be positive)");
            }
            ImageException first = null;
            for (ImageReader reader : readers) {
                try {
                    return decodeWith(reader, in, name, jpeg, tiffExtraSamples);
                } catch (ImageException e) {
                    if (e.kind() != Kind.CORRUPT) {
                        throw e; // size limits and timeouts do not depend on the reader
                    }
                    if (first == null) {
                        first = e;
                    }
                }
            }
            throw first;
        } finally {
            for (ImageReader r : readers) {
                r.dispose();
            }
        }
    }

    private static final int NOT_TIFF = Integer.MIN_VALUE;

    /**
     * Zero sizes in PNG (IHDR) and GIF (logical screen) headers, which the ImageIO readers only
     * report as generic I/O errors.
     */
    private static void checkDeclaredSize(byte[] head, int n, String name) throws ImageException {
        long w = -1;
        long h = -1;
        String format = null;
        if (n >= 24 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
                && head[12] == 'I' && head[13] == 'H' && head[14] == 'D' && head[15] == 'R') {
            format = "PNG IHDR";
            w = ByteBuffer.wrap(head, 16, 4).getInt() & 0xFFFFFFFFL;
            h = ByteBuffer.wrap(head, 20, 4).getInt() & 0xFFFFFFFFL;
        } else if (n >= 10 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F') {
            format = "GIF screen descriptor";
            w = (head[6] & 0xFF) | (head[7] & 0xFF) << 8;
            h = (head[8] & 0xFF) | (head[9] & 0xFF) << 8;
        }
        if (format != null && (w == 0 || h == 0)) {
            throw new ImageException(name, Kind.INVALID_SIZE, "the " + format + " declares a " + w + "x" + h
                    + " image (width and height must be positive)");
        }
    }

    private RgbImage decodeWith(ImageReader reader, ImageInputStream in, String name, JpegInfo jpeg,
            int tiffExtraSamples) throws ImageException {
        String format = formatName(reader);
        int width;
        int height;
        try {
            in.seek(0);
            reader.setInput(in, false, true);
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new ImageException(name, Kind.CORRUPT, "cannot read the " + format + " header: " + describe(e), e);
        }
        if (width <= 0 || height <= 0) {
            throw new ImageException(name, Kind.INVALID_SIZE, "the " + format + " header declares a "
                    + width + "x" + height + " image (width and height must be positive)");
        }
        long pixels = (long) width * height;
        if (pixels > options.maxPixels()) {
            String hint = pixels > RgbImage.MAX_PIXELS
                    ? "that is more than any RgbImage can hold (" + RgbImage.MAX_PIXELS + " pixels)"
                    : "if the image is legitimate raise it, e.g. new ImageLoader(ImageLoader.Options.defaults()"
                            + ".withMaxPixels(" + pixels + "))";
            throw new ImageException(name, Kind.TOO_LARGE, format + " image is " + width + "x" + height + " = " + pixels
                    + " pixels, more than the limit of " + options.maxPixels() + " (ImageLoader.Options.maxPixels); "
                    + hint);
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> {
            synchronized (warnings) {
                warnings.add(warning);
            }
        });
        AtomicBoolean timedOut = new AtomicBoolean();
        long timeoutMs = options.decodeTimeout().toMillis();
        ScheduledFuture<?> watchdog = timeoutMs <= 0 ? null : WATCHDOG.schedule(() -> {
            timedOut.set(true);
            reader.abort();
        }, timeoutMs, TimeUnit.MILLISECONDS);
        RgbImage image;
        try {
            if (jpeg != null && jpeg.components() > 0 && reader.canReadRaster()) {
                Raster raster = reader.readRaster(0, null);
                checkTimeout(timedOut, name);
                image = RasterConversions.fromJpegRaster(raster, jpeg.color());
            } else {
                BufferedImage bi = reader.read(0, null);
                checkTimeout(timedOut, name);
                if (bi == null) {
                    throw new ImageException(name, Kind.CORRUPT, "the " + format + " decoder returned no image");
                }
                image = RasterConversions.toRgb(bi, tiffExtraSamples != NOT_TIFF,
                        tiffExtraSamples == TiffInfo.UNASSOCIATED_ALPHA);
            }
        } catch (IOException | RuntimeException | StackOverflowError e) {
            checkTimeout(timedOut, name);
            throw new ImageException(name, Kind.CORRUPT, "cannot decode the " + format + " data (truncated or corrupt): "
                    + describe(e), e);
        } catch (OutOfMemoryError e) {
            throw new ImageException(name, Kind.TOO_LARGE, "out of memory decoding a " + width + "x" + height + " "
                    + format + " image; give the JVM more heap (-Xmx) or lower ImageLoader.Options.maxPixels", e);
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
        }
        checkTimeout(timedOut, name);
        if (jpeg != null && !options.allowTruncatedJpeg()) {
            synchronized (warnings) {
                for (String w : warnings) {
                    // libjpeg's JWRN_HIT_MARKER / JWRN_JPEG_EOF: entropy-coded data is missing. A file
                    // that only lacks the final EOI marker ("Truncated File - Missing EOI marker"
                    // alone) is complete and accepted, as libjpeg-turbo does.
                    if (w != null && w.toLowerCase(Locale.ROOT).contains("premature end")) {
                        throw new ImageException(name, Kind.CORRUPT, "truncated JPEG (" + w.trim() + "); pass "
                                + "ImageLoader.Options.withAllowTruncatedJpeg(true) to accept it with the missing part gray");
                    }
                }
            }
        }
        if (jpeg != null && options.applyExifOrientation()) {
            image = applyExifOrientation(image, jpeg.orientation());
        }
        return image;
    }

    private void checkTimeout(AtomicBoolean timedOut, String name) throws ImageException {
        if (timedOut.get()) {
            throw new ImageException(name, Kind.TIMEOUT, "decoding took longer than " + options.decodeTimeout()
                    + " (ImageLoader.Options.decodeTimeout)");
        }
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException | RuntimeException e) {
            return reader.getClass().getSimpleName();
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        Throwable c = e.getCause();
        for (int depth = 0; c != null && c != e && depth < 3; depth++, c = c.getCause()) {
            sb.append(" (").append(c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()).append(')');
        }
        return sb.toString();
    }

    private static int readUpTo(ImageInputStream in, byte[] buf) throws IOException {
        int n = 0;
        while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }

    private static RgbImage flip(RgbImage im, boolean horizontal, boolean vertical) {
        int w = im.width();
        int h = im.height();
        byte[] src = im.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < h; y++) {
            int sy = vertical ? h - 1 - y : y;
            if (!horizontal) {
                System.arraycopy(src, sy * w * 3, out, y * w * 3, w * 3);
                continue;
            }
            for (int x = 0; x < w; x++) {
                int s = (sy * w + (w - 1 - x)) * 3;
                int d = (y * w + x) * 3;
                out[d] = src[s];
                out[d + 1] = src[s + 1];
                out[d + 2] = src[s + 2];
            }
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage transpose(RgbImage im) {
        int w = im.width();
        int h = im.height();
        byte[] src = im.rgb();
        byte[] out = new byte[src.length];
        // output is h wide, w high: out(x=j, y=i) = in(x=i, y=j)
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int s = (y * w + x) * 3;
                int d = (x * h + y) * 3;
                out[d] = src[s];
                out[d + 1] = src[s + 1];
                out[d + 2] = src[s + 2];
            }
        }
        return new RgbImage(h, w, out);
    }
}
