package ai.legion.core.image;

import static ai.legion.core.image.ImageFixtures.u8Image;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.legion.core.image.ImageException.Kind;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.testing.Fixtures;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLoaderTest {

    private static final ImageLoader LOADER = new ImageLoader();

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------------------
    // helpers

    /** Writes with the first ImageIO writer of the format that accepts the image. */
    private Path write(BufferedImage img, String format, String name) throws IOException {
        Path p = tmp.resolve(name);
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        while (it.hasNext()) {
            ImageWriter w = it.next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(p))) {
                w.setOutput(out);
                w.write(img);
                return p;
            } catch (IOException | RuntimeException unsupported) {
                // try the next writer (e.g. 16-bit TIFF)
            } finally {
                w.dispose();
            }
        }
        fail("no ImageIO writer for " + format + " accepts " + img);
        return p;
    }

    private static byte[] jpegBytes(Object imageOrRaster, float quality) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bo)) {
            w.setOutput(out);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            IIOImage iio = imageOrRaster instanceof Raster r ? new IIOImage(r, null, null)
                    : new IIOImage((BufferedImage) imageOrRaster, null, null);
            w.write(null, iio, p);
        } finally {
            w.dispose();
        }
        return bo.toByteArray();
    }

    private Path file(String name, byte[] data) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, data);
        return p;
    }

    /** The JDK's own JPEG reader (libjpeg 6b), independent of the code under test. */
    private static ImageReader jdkJpegReader() {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg");
        while (it.hasNext()) {
            ImageReader r = it.next();
            if (r.getClass().getName().startsWith("com.sun.imageio.plugins.jpeg")) {
                return r;
            }
        }
        Assumptions.abort("the JDK JPEG reader is not available");
        return null;
    }

    private static Raster jdkRawJpeg(byte[] jpeg) throws IOException {
        ImageReader r = jdkJpegReader();
        try {
            r.setInput(ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg)));
            return r.readRaster(0, null);
        } finally {
            r.dispose();
        }
    }

    /** Inserts marker segments right after SOI. */
    private static byte[] withSegments(byte[] jpeg, byte[]... segments) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        bo.write(jpeg, 0, 2);
        for (byte[] s : segments) {
            bo.writeBytes(s);
        }
        bo.write(jpeg, 2, jpeg.length - 2);
        return bo.toByteArray();
    }

    private static byte[] segment(int marker, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 0xFF).put((byte) marker).putShort((short) (payload.length + 2)).put(payload);
        return b.array();
    }

    private static byte[] exifApp1(int orientation, boolean bigEndian) {
        ByteBuffer t = ByteBuffer.allocate(6 + 8 + 2 + 12 + 4).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        t.put(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        t.put(bigEndian ? new byte[] {'M', 'M'} : new byte[] {'I', 'I'}).putShort((short) 42).putInt(8);
        t.putShort((short) 1); // one IFD0 entry
        t.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        t.putInt(0);
        return segment(0xE1, t.array());
    }

    private static byte[] adobeApp14(int transform) {
        return segment(0xEE, new byte[] {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform});
    }

    private static byte[] pngChunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(data.length);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        b.put(t).put(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static byte[] pngWithHeader(int width, int height) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        bo.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).order(ByteOrder.BIG_ENDIAN);
        ihdr.putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        bo.writeBytes(pngChunk("IHDR", ihdr.array()));
        bo.writeBytes(pngChunk("IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}));
        bo.writeBytes(pngChunk("IEND", new byte[0]));
        return bo.toByteArray();
    }

    private static BufferedImage rgbPattern(int w, int h, long seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Random rnd = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255) / Math.max(1, w - 1);
                int g = (y * 255) / Math.max(1, h - 1);
                int b = ((x / 4 + y / 4) % 2) * 200 + rnd.nextInt(40);
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    private static ImageException assertFails(Kind kind, ThrowingLoad load) {
        ImageException e = assertThrows(ImageException.class, load::run);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    @FunctionalInterface
    interface ThrowingLoad {
        void run() throws Exception;
    }

    // ---------------------------------------------------------------------------------------------
    // fixtures

    @Test
    void fixturePngsDecodeToTheStoredArrays() throws Exception {
        String[][] cases = {
            {"parity/clip_vision/preprocess_image.png", "parity/clip_vision/io.safetensors", "preprocess_image_u8"},
            {"parity/sam/image.png", "parity/sam/io.safetensors", "image_u8"},
            {"parity/legion_tiny/image.png", "parity/legion_tiny/io.safetensors", "image_u8"},
        };
        for (String[] c : cases) {
            try (SafetensorsFile io = SafetensorsFile.open(Fixtures.path(c[1]))) {
                RgbImage expected = u8Image(io, c[2]);
                assertEquals(expected, LOADER.load(Fixtures.path(c[0])), c[0]);
                try (var in = Files.newInputStream(Fixtures.path(c[0]))) {
                    assertEquals(expected, LOADER.load(in, c[0]), c[0] + " via stream");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // conversions

    @Test
    void gray8PngIsReplicatedWithoutGamma() throws Exception {
        BufferedImage g = new BufferedImage(13, 7, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = g.getRaster();
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 13; x++) {
                r.setSample(x, y, 0, (x * 19 + y * 7) % 256);
            }
        }
        RgbImage img = LOADER.load(write(g, "png", "gray.png"));
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 13; x++) {
                int v = (x * 19 + y * 7) % 256;
                for (int c = 0; c < 3; c++) {
                    assertEquals(v, img.get(x, y, c)); // raw sample, not Java2D's linear-gray -> sRGB
                }
            }
        }
    }

    @Test
    void gray16PngKeepsTheHighByte() throws Exception {
        BufferedImage g = new BufferedImage(9, 5, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 9; x++) {
                g.getRaster().setSample(x, y, 0, x * 7001 + y * 1234 + 255);
            }
        }
        RgbImage img = LOADER.load(write(g, "png", "gray16.png"));
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 9; x++) {
                int v = ((x * 7001 + y * 1234 + 255) & 0xFFFF) >> 8; // libpng strip_16, not rounding
                assertEquals(v, img.get(x, y, 0));
                assertEquals(v, img.get(x, y, 2));
            }
        }
    }

    private static BufferedImage component16(int w, int h, boolean alpha) {
        int bands = alpha ? 4 : 3;
        int[] bits = new int[bands];
        Arrays.fill(bits, 16);
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), bits, alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int b = 0; b < bands; b++) {
                    r.setSample(x, y, b, (x * 4099 + y * 811 + b * 20000 + 127) & 0xFFFF);
                }
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

    @Test
    void rgb16AndRgba16PngShiftTo8Bits() throws Exception {
        for (boolean alpha : new boolean[] {false, true}) {
            BufferedImage src = component16(11, 6, alpha);
            RgbImage img = LOADER.load(write(src, "png", "rgb16" + alpha + ".png"));
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 11; x++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(src.getRaster().getSample(x, y, c) >> 8, img.get(x, y, c), "alpha=" + alpha);
                    }
                }
            }
        }
    }

    @Test
    void rgbaPngDropsAlphaWithoutCompositing() throws Exception {
        BufferedImage src = new BufferedImage(10, 4, BufferedImage.TYPE_4BYTE_ABGR);
        WritableRaster r = src.getRaster();
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 10; x++) {
                r.setPixel(x, y, new int[] {200 + x, 30 * y, 77, x % 3 == 0 ? 0 : 90});
            }
        }
        RgbImage img = LOADER.load(write(src, "png", "rgba.png"));
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 10; x++) {
                assertEquals(200 + x, img.get(x, y, 0), "fully transparent pixels keep their colour");
                assertEquals(30 * y, img.get(x, y, 1));
                assertEquals(77, img.get(x, y, 2));
            }
        }
    }

    @Test
    void grayAlphaPng() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), new int[] {8, 8},
                true, false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster r = cm.createCompatibleWritableRaster(6, 3);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 6; x++) {
                r.setPixel(x, y, new int[] {x * 40 + y, x * 50});
            }
        }
        RgbImage img = LOADER.load(write(new BufferedImage(cm, r, false, null), "png", "la.png"));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 6; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(x * 40 + y, img.get(x, y, c));
                }
            }
        }
    }

    @Test
    void indexedPngUsesThePaletteColoursIgnoringTransparency() throws Exception {
        int n = 256; // full 8-bit palettes: the JDK BMP writer mis-packs 4-bit ones
        byte[] red = new byte[n];
        byte[] green = new byte[n];
        byte[] blue = new byte[n];
        byte[] alpha = new byte[n];
        for (int i = 0; i < n; i++) {
            red[i] = (byte) (i * 16 + 3);
            green[i] = (byte) (255 - i * 7);
            blue[i] = (byte) (i * i);
            alpha[i] = (byte) (i % 4 == 0 ? 0 : 255 - i);
        }
        IndexColorModel icm = new IndexColorModel(8, n, red, green, blue, alpha);
        BufferedImage src = new BufferedImage(8, 5, BufferedImage.TYPE_BYTE_INDEXED, icm);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 8; x++) {
                src.getRaster().setSample(x, y, 0, (x * 37 + 3 * y) % n);
            }
        }
        for (String format : new String[] {"png", "gif", "bmp"}) {
            if ("bmp".equals(format)) {
                // BMP has no palette alpha: write an opaque copy of the palette
                src = new BufferedImage(new IndexColorModel(8, n, red, green, blue), src.getRaster(), false, null);
            }
            RgbImage img = LOADER.load(write(src, format, "indexed." + format));
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 8; x++) {
                    int i = (x * 37 + 3 * y) % n;
                    assertEquals(red[i] & 0xFF, img.get(x, y, 0), format);
                    assertEquals(green[i] & 0xFF, img.get(x, y, 1), format);
                    assertEquals(blue[i] & 0xFF, img.get(x, y, 2), format);
                }
            }
        }
    }

    @Test
    void bitonalPngExpandsTo0And255() throws Exception {
        BufferedImage src = new BufferedImage(17, 3, BufferedImage.TYPE_BYTE_BINARY);
        for (int x = 0; x < 17; x++) {
            src.getRaster().setSample(x, 1, 0, x % 2);
        }
        RgbImage img = LOADER.load(write(src, "png", "bit.png"));
        for (int x = 0; x < 17; x++) {
            assertEquals(x % 2 == 1 ? 255 : 0, img.get(x, 1, 1));
            assertEquals(0, img.get(x, 0, 0));
        }
    }

    @Test
    void bmp24AndTiffAreExact() throws Exception {
        BufferedImage src = rgbPattern(23, 17, 5);
        RgbImage expected = RgbImage.of(src);
        for (int y = 0; y < 17; y++) {
            for (int x = 0; x < 23; x++) {
                int p = src.getRGB(x, y);
                assertEquals((p >> 16) & 0xFF, expected.get(x, y, 0));
                assertEquals(p & 0xFF, expected.get(x, y, 2));
            }
        }
        assertEquals(expected, LOADER.load(write(src, "bmp", "a.bmp")));
        assertEquals(expected, LOADER.load(write(src, "tiff", "a.tif")));
    }

    @Test
    void tiff16BitRoundsLikeLibtiff() throws Exception {
        BufferedImage src = component16(7, 4, false);
        RgbImage img = LOADER.load(write(src, "tiff", "rgb16.tif"));
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 7; x++) {
                for (int c = 0; c < 3; c++) {
                    // libtiff Bitdepth16To8 through OpenCV's TIFFReadRGBA path: (v + 128) / 257
                    assertEquals((src.getRaster().getSample(x, y, c) + 128) / 257, img.get(x, y, c));
                }
            }
        }
    }

    @Test
    void tiffUnassociatedAlphaIsMultipliedIn() throws Exception {
        BufferedImage src = new BufferedImage(8, 3, BufferedImage.TYPE_4BYTE_ABGR);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 8; x++) {
                src.getRaster().setPixel(x, y, new int[] {250 - x, 100 + y, 33, x * 36});
            }
        }
        Path p = write(src, "tiff", "rgba.tif");
        int extra;
        try (var in = ImageIO.createImageInputStream(p.toFile())) {
            extra = TiffInfo.extraSamples(in);
        }
        RgbImage img = LOADER.load(p);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 8; x++) {
                int a = x * 36;
                int[] rgb = {250 - x, 100 + y, 33};
                for (int c = 0; c < 3; c++) {
                    // libtiff's TIFFReadRGBA (OpenCV's TIFF path) applies unassociated alpha: (c*a + 127) / 255
                    int expected = extra == TiffInfo.UNASSOCIATED_ALPHA ? (rgb[c] * a + 127) / 255 : rgb[c];
                    assertEquals(expected, img.get(x, y, c), "ExtraSamples " + extra);
                }
            }
        }
        assertEquals(TiffInfo.UNASSOCIATED_ALPHA, extra, "ImageIO writes straight RGBA as unassociated alpha");
    }

    @Test
    void headerParsersNeverThrowOnGarbage() throws Exception {
        Random rnd = new Random(9);
        for (int i = 0; i < 500; i++) {
            byte[] d = new byte[1 + rnd.nextInt(64)];
            rnd.nextBytes(d);
            int o = JpegInfo.exifOrientation(d, Math.min(d.length, 6), Math.max(0, d.length - 6));
            assertTrue(o >= 1 && o <= 8);
            byte[] withSoi = d.clone();
            withSoi[0] = (byte) 0xFF;
            if (withSoi.length > 1) {
                withSoi[1] = (byte) 0xD8;
            }
            try (var in = ImageIO.createImageInputStream(new ByteArrayInputStream(withSoi))) {
                JpegInfo info = JpegInfo.read(in);
                assertTrue(info.orientation() >= 1 && info.orientation() <= 8);
            }
            byte[] tiff = d.clone();
            if (tiff.length >= 4) {
                tiff[0] = 'I';
                tiff[1] = 'I';
                tiff[2] = (byte) (i % 2 == 0 ? 42 : 43);
                tiff[3] = 0;
            }
            try (var in = ImageIO.createImageInputStream(new ByteArrayInputStream(tiff))) {
                TiffInfo.extraSamples(in);
            }
        }
    }

    @Test
    void bmp565ShiftsLikeOpenCv() throws Exception {
        BufferedImage src = new BufferedImage(9, 4, BufferedImage.TYPE_USHORT_565_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 9; x++) {
                src.getRaster().setDataElements(x, y, new short[] {(short) (x * 7919 + y * 3011)});
            }
        }
        Path p = tmp.resolve("565.bmp");
        Assumptions.assumeTrue(ImageIO.write(src, "bmp", p.toFile()), "no 16-bit BMP writer");
        RgbImage img = LOADER.load(p);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 9; x++) {
                int v = (x * 7919 + y * 3011) & 0xFFFF;
                assertEquals(((v >> 11) & 31) << 3, img.get(x, y, 0));
                assertEquals(((v >> 5) & 63) << 2, img.get(x, y, 1));
                assertEquals((v & 31) << 3, img.get(x, y, 2));
            }
        }
    }

    @Test
    void gifFirstFrame() throws Exception {
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) (i * 3);
            g[i] = (byte) (i * 5 + 7);
            b[i] = (byte) (255 - i);
        }
        IndexColorModel icm = new IndexColorModel(8, 256, r, g, b);
        // 9 rows: the JDK GIF reader mis-orders interlaced GIFs only 2 to 4 rows high (a JDK bug)
        BufferedImage f0 = new BufferedImage(6, 9, BufferedImage.TYPE_BYTE_INDEXED, icm);
        BufferedImage f1 = new BufferedImage(6, 9, BufferedImage.TYPE_BYTE_INDEXED, icm);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 6; x++) {
                f0.getRaster().setSample(x, y, 0, (x * 40 + y * 9) % 256);
                f1.getRaster().setSample(x, y, 0, 255 - (x * 40 + y * 9) % 256);
            }
        }
        Path p = tmp.resolve("anim.gif");
        ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(p.toFile())) {
            w.setOutput(out);
            w.prepareWriteSequence(null);
            w.writeToSequence(new IIOImage(f0, null, null), null);
            w.writeToSequence(new IIOImage(f1, null, null), null);
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
        RgbImage img = LOADER.load(p);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 6; x++) {
                int i = (x * 40 + y * 9) % 256;
                assertEquals(r[i] & 0xFF, img.get(x, y, 0));
                assertEquals(g[i] & 0xFF, img.get(x, y, 1));
                assertEquals(b[i] & 0xFF, img.get(x, y, 2));
            }
        }
    }

    @Test
    void losslessWebpDropsAlpha() throws Exception {
        assertTrue(ImageLoader.readableFormats().contains("webp"), "TwelveMonkeys WebP plugin registered");
        // 4x3 lossless WebP (RGBA, "exact": colours kept under alpha 0); expected = the RGB planes
        byte[] webp = Base64.getDecoder().decode("UklGRmwAAABXRUJQVlA4TF8AAAAvA4AAEF+goG0bpofRymD8yRTANBoK2UiCdk/iQFbv"
                + "vM7tN9MACaCXTbyxfzOHmYBJxkVRemBtLwLA8ACM/mFb//1fazq+bIbGKfIiBwoBoGE6hCnEksNcRhrR/0jnewA=");
        int[][][] expected = {
            {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {250, 240, 10}},
            {{1, 2, 3}, {200, 100, 50}, {255, 255, 255}, {0, 0, 0}},
            {{17, 34, 51}, {68, 85, 102}, {119, 136, 153}, {170, 187, 204}},
        };
        RgbImage img = LOADER.load(new ByteArrayInputStream(webp), "tiny.webp");
        assertEquals(4, img.width());
        assertEquals(3, img.height());
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(expected[y][x][c], img.get(x, y, c), x + "," + y + "," + c);
                }
            }
        }
    }

    @Test
    void jpegMatchesLibjpegColourConversion() throws Exception {
        BufferedImage src = rgbPattern(45, 31, 9);
        byte[] jpeg = jpegBytes(src, 0.9f);
        RgbImage img = LOADER.load(file("a.jpg", jpeg));
        ImageReader jdk = jdkJpegReader();
        BufferedImage ref;
        try {
            jdk.setInput(ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg)));
            ref = jdk.read(0); // libjpeg's own YCbCr -> RGB
        } finally {
            jdk.dispose();
        }
        for (int y = 0; y < 31; y++) {
            for (int x = 0; x < 45; x++) {
                int[] px = ref.getRaster().getPixel(x, y, (int[]) null);
                for (int c = 0; c < 3; c++) {
                    assertEquals(px[c], img.get(x, y, c), x + "," + y + "," + c);
                }
            }
        }
        // grayscale JPEG
        BufferedImage gray = new BufferedImage(20, 9, BufferedImage.TYPE_BYTE_GRAY);
        gray.getGraphics().drawImage(src, 0, 0, null);
        byte[] gj = jpegBytes(gray, 0.9f);
        Raster raw = jdkRawJpeg(gj);
        RgbImage gi = LOADER.load(new ByteArrayInputStream(gj), "gray.jpg");
        for (int x = 0; x < 20; x++) {
            assertEquals(raw.getSample(x, 4, 0), gi.get(x, 4, 0));
            assertEquals(raw.getSample(x, 4, 0), gi.get(x, 4, 2));
        }
    }

    private static int openCvCmyk(int v, int k) {
        return k - (((255 - v) * k) >> 8);
    }

    @Test
    void cmykJpegUsesOpenCvsFormula() throws Exception {
        int w = 24;
        int h = 16;
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                cmyk.setPixel(x, y, new int[] {x * 10, y * 15, 128, 255 - x * 5});
            }
        }
        byte[] plain = jpegBytes(cmyk, 1.0f);
        for (byte[] jpeg : new byte[][] {plain, withSegments(plain, adobeApp14(0))}) {
            Raster raw = jdkRawJpeg(jpeg); // CMYK as stored (no Adobe marker or transform 0)
            RgbImage img = LOADER.load(new ByteArrayInputStream(jpeg), "cmyk.jpg");
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int[] p = raw.getPixel(x, y, (int[]) null);
                    assertEquals(openCvCmyk(p[0], p[3]), img.get(x, y, 0));
                    assertEquals(openCvCmyk(p[1], p[3]), img.get(x, y, 1));
                    assertEquals(openCvCmyk(p[2], p[3]), img.get(x, y, 2));
                }
            }
        }
    }

    @Test
    void ycckJpegIsConvertedToCmykFirst() throws Exception {
        int w = 32;
        int h = 16;
        int[][] cmyk = new int[w * h][];
        WritableRaster ycck = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] v = {40 + x * 4, 60 + y * 8, 200 - x * 3, 90 + (x + y) * 2};
                cmyk[y * w + x] = v;
                // libjpeg cmyk_ycck_convert: (255-C, 255-M, 255-Y) as RGB -> YCbCr, K unchanged
                double r = 255 - v[0];
                double g = 255 - v[1];
                double b = 255 - v[2];
                int yy = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                int cb = (int) Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
                int cr = (int) Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
                ycck.setPixel(x, y, new int[] {yy, cb, cr, v[3]});
            }
        }
        byte[] jpeg = withSegments(jpegBytes(ycck, 1.0f), adobeApp14(2));
        RgbImage img = LOADER.load(new ByteArrayInputStream(jpeg), "ycck.jpg");
        int max = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] v = cmyk[y * w + x];
                for (int c = 0; c < 3; c++) {
                    max = Math.max(max, Math.abs(openCvCmyk(v[c], v[3]) - img.get(x, y, c)));
                }
            }
        }
        assertTrue(max <= 4, "YCCK -> CMYK -> RGB off by " + max + " (JPEG quality 1.0)");
    }

    private static int[] expectedOriented(RgbImage base, int o, int x, int y, int c) {
        int w = base.width();
        int h = base.height();
        int sx;
        int sy;
        switch (o) {
            case 2 -> { sx = w - 1 - x; sy = y; }
            case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
            case 4 -> { sx = x; sy = h - 1 - y; }
            case 5 -> { sx = y; sy = x; }
            case 6 -> { sx = y; sy = h - 1 - x; }
            case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
            case 8 -> { sx = w - 1 - y; sy = x; }
            default -> { sx = x; sy = y; }
        }
        return new int[] {sx, sy, base.get(sx, sy, c)};
    }

    @Test
    void exifOrientationIsAppliedLikeOpenCv() throws Exception {
        byte[] jpeg = jpegBytes(rgbPattern(29, 13, 3), 0.92f);
        RgbImage base = LOADER.load(file("base.jpg", jpeg));
        ImageLoader noExif = new ImageLoader(ImageLoader.Options.defaults().withApplyExifOrientation(false));
        for (int o = 1; o <= 8; o++) {
            byte[] tagged = withSegments(jpeg, exifApp1(o, o % 2 == 0));
            Path p = file("o" + o + ".jpg", tagged);
            RgbImage img = LOADER.load(p);
            boolean swapped = o >= 5;
            assertEquals(swapped ? base.height() : base.width(), img.width(), "orientation " + o);
            assertEquals(swapped ? base.width() : base.height(), img.height(), "orientation " + o);
            for (int y = 0; y < img.height(); y++) {
                for (int x = 0; x < img.width(); x++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(expectedOriented(base, o, x, y, c)[2], img.get(x, y, c), "orientation " + o);
                    }
                }
            }
            assertEquals(base, noExif.load(p), "applyExifOrientation=false ignores the tag");
        }
        // OpenCV reads only the first APP1: XMP first means no orientation; out-of-range values are ignored
        byte[] xmpFirst = withSegments(jpeg, segment(0xE1, "http://ns.adobe.com/xap/1.0/\0<x/>".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)), exifApp1(6, false));
        assertEquals(base, LOADER.load(file("xmp.jpg", xmpFirst)));
        assertEquals(base, LOADER.load(file("o9.jpg", withSegments(jpeg, exifApp1(9, false)))));
        // public helper: 6 then 8 is the identity, 3 twice too
        RgbImage rotated = ImageLoader.applyExifOrientation(base, 6);
        assertNotEquals(base, rotated);
        assertEquals(base, ImageLoader.applyExifOrientation(rotated, 8));
        assertEquals(base, ImageLoader.applyExifOrientation(ImageLoader.applyExifOrientation(base, 3), 3));
    }

    @Test
    void fromBufferedImageHandlesPackedAndPremultipliedTypes() {
        BufferedImage argbPre = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB_PRE);
        argbPre.getRaster().setPixel(0, 0, new int[] {100, 50, 25, 128}); // premultiplied samples
        argbPre.getRaster().setPixel(1, 0, new int[] {0, 0, 0, 0});
        argbPre.getRaster().setPixel(2, 0, new int[] {10, 20, 30, 255});
        RgbImage img = LOADER.fromBufferedImage(argbPre);
        assertEquals(199, img.get(0, 0, 0)); // round(100*255/128)
        assertEquals(100, img.get(0, 0, 1));
        assertEquals(50, img.get(0, 0, 2));
        assertEquals(0, img.get(1, 0, 0));
        assertEquals(30, img.get(2, 0, 2));

        BufferedImage bgr = new BufferedImage(2, 2, BufferedImage.TYPE_INT_BGR);
        bgr.setRGB(1, 1, 0x123456);
        RgbImage b = RgbImage.of(bgr);
        assertEquals(0x12, b.get(1, 1, 0));
        assertEquals(0x34, b.get(1, 1, 1));
        assertEquals(0x56, b.get(1, 1, 2));
        assertEquals(b, RgbImage.of(b.toBufferedImage()));
    }

    // ---------------------------------------------------------------------------------------------
    // bad inputs

    @Test
    void missingDirectoryAndEmptyFiles() throws Exception {
        Path missing = tmp.resolve("nope.png");
        ImageException e = assertFails(Kind.NOT_FOUND, () -> LOADER.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals(missing.toString(), e.source());
        assertFails(Kind.NOT_A_FILE, () -> LOADER.load(tmp));
        Path empty = file("empty.png", new byte[0]);
        e = assertFails(Kind.EMPTY, () -> LOADER.load(empty));
        assertTrue(e.getMessage().contains("empty.png"), e.getMessage());
        assertFails(Kind.EMPTY, () -> LOADER.load(new ByteArrayInputStream(new byte[0]), "upload"));
    }

    @Test
    void randomBytesAreNotAnImage() throws Exception {
        byte[] noise = new byte[4096];
        new Random(42).nextBytes(noise);
        noise[0] = 'x'; // not accidentally a known signature
        ImageException e = assertFails(Kind.UNSUPPORTED_FORMAT, () -> LOADER.load(file("noise.png", noise)));
        assertTrue(e.getMessage().contains("noise.png") && e.getMessage().contains("png"), e.getMessage());
        e = assertFails(Kind.UNSUPPORTED_FORMAT, () -> LOADER.load(new ByteArrayInputStream("hello world".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)), "greeting.txt"));
        assertTrue(e.getMessage().startsWith("greeting.txt: "), e.getMessage());
    }

    @Test
    void truncatedPngAndJpeg() throws Exception {
        BufferedImage src = rgbPattern(64, 48, 1);
        byte[] png = Files.readAllBytes(write(src, "png", "full.png"));
        Path cut = file("cut.png", Arrays.copyOf(png, png.length / 2));
        ImageException e = assertFails(Kind.CORRUPT, () -> LOADER.load(cut));
        assertTrue(e.getMessage().contains("cut.png"), e.getMessage());

        byte[] jpeg = jpegBytes(src, 0.9f);
        Path cutJpeg = file("cut.jpg", Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
        e = assertFails(Kind.CORRUPT, () -> LOADER.load(cutJpeg));
        assertTrue(e.getMessage().contains("withAllowTruncatedJpeg"), e.getMessage());
        RgbImage partial = new ImageLoader(ImageLoader.Options.defaults().withAllowTruncatedJpeg(true)).load(cutJpeg);
        assertEquals(64, partial.width());
        assertEquals(128, partial.get(63, 47, 0), "libjpeg fills missing data with mid-gray");
        // only the EOI marker missing: complete data, accepted
        RgbImage noEoi = LOADER.load(file("noeoi.jpg", Arrays.copyOf(jpeg, jpeg.length - 2)));
        assertEquals(LOADER.load(file("ok.jpg", jpeg)), noEoi);
        // header only
        assertFails(Kind.CORRUPT, () -> LOADER.load(file("head.jpg", Arrays.copyOf(jpeg, 40))));
    }

    @Test
    void enormousHeaderIsRejectedBeforeDecoding() throws Exception {
        Path huge = file("huge.png", pngWithHeader(100_000, 100_000));
        long t0 = System.nanoTime();
        ImageException e = assertFails(Kind.TOO_LARGE, () -> LOADER.load(huge));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("100000x100000")
                && e.getMessage().contains(Long.toString(ImageLoader.Options.DEFAULT_MAX_PIXELS)), e.getMessage());
        // even with the limit raised to the maximum an RgbImage can hold, 10^10 pixels stay rejected
        ImageLoader max = new ImageLoader(ImageLoader.Options.defaults().withMaxPixels(RgbImage.MAX_PIXELS));
        e = assertFails(Kind.TOO_LARGE, () -> max.load(huge));
        assertTrue(e.getMessage().contains("more than any RgbImage can hold"), e.getMessage());

        // a JPEG whose SOF claims 20000 x 20000 (0x4E20)
        byte[] jpeg = jpegBytes(rgbPattern(16, 16, 2), 0.8f);
        for (int i = 0; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = 0x4E;
                jpeg[i + 6] = 0x20;
                jpeg[i + 7] = 0x4E;
                jpeg[i + 8] = 0x20;
                break;
            }
        }
        byte[] bigJpeg = jpeg;
        e = assertFails(Kind.TOO_LARGE, () -> LOADER.load(new ByteArrayInputStream(bigJpeg), "big.jpg"));
        assertTrue(e.getMessage().contains("20000x20000") && e.getMessage().contains("withMaxPixels(400000000)"),
                e.getMessage());

        // configured limit
        Path small = write(rgbPattern(100, 100, 3), "png", "small.png");
        e = assertFails(Kind.TOO_LARGE, () -> new ImageLoader(ImageLoader.Options.defaults().withMaxPixels(5000)).load(small));
        assertTrue(e.getMessage().contains("10000") && e.getMessage().contains("5000"), e.getMessage());
        assertEquals(100, new ImageLoader(ImageLoader.Options.defaults().withMaxPixels(10_000)).load(small).width());
    }

    @Test
    void zeroWidthHeaderIsRejected() throws Exception {
        for (int[] wh : new int[][] {{0, 10}, {10, 0}}) {
            Path p = file("zero" + wh[0] + ".png", pngWithHeader(wh[0], wh[1]));
            ImageException e = assertFails(Kind.INVALID_SIZE, () -> LOADER.load(p));
            assertTrue(e.getMessage().contains(wh[0] + "x" + wh[1]), e.getMessage());
        }
        // a JPEG whose SOF declares width 0
        byte[] jpeg = jpegBytes(rgbPattern(16, 8, 2), 0.8f);
        for (int i = 0; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 7] = 0;
                jpeg[i + 8] = 0;
                break;
            }
        }
        byte[] zeroJpeg = jpeg;
        ImageException e = assertFails(Kind.INVALID_SIZE, () -> LOADER.load(new ByteArrayInputStream(zeroJpeg), "z.jpg"));
        assertTrue(e.getMessage().contains("0x8"), e.getMessage());
    }

    @Test
    void decodeTimeoutAbortsTheReader() throws Exception {
        BufferedImage big = new BufferedImage(1500, 1500, BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((java.awt.image.DataBufferByte) big.getRaster().getDataBuffer()).getData();
        new Random(3).nextBytes(data);
        Path p = write(big, "png", "big.png");
        ImageLoader impatient = new ImageLoader(ImageLoader.Options.defaults().withDecodeTimeout(Duration.ofMillis(1)));
        ImageException e = assertFails(Kind.TIMEOUT, () -> impatient.load(p));
        assertTrue(e.getMessage().contains("decodeTimeout"), e.getMessage());
        assertEquals(1500, new ImageLoader(ImageLoader.Options.defaults().withDecodeTimeout(Duration.ZERO)).load(p).height());
    }

    @Test
    void corruptedFilesNeverEscapeAsOtherExceptions() throws Exception {
        BufferedImage src = rgbPattern(20, 14, 4);
        BufferedImage indexed = new BufferedImage(20, 14, BufferedImage.TYPE_BYTE_INDEXED);
        indexed.getGraphics().drawImage(src, 0, 0, null);
        byte[][] seeds = {
            Files.readAllBytes(write(src, "png", "s.png")),
            jpegBytes(src, 0.8f),
            Files.readAllBytes(write(indexed, "gif", "s.gif")),
            Files.readAllBytes(write(src, "bmp", "s.bmp")),
            Files.readAllBytes(write(src, "tiff", "s.tif")),
        };
        Random rnd = new Random(11);
        int loaded = 0;
        int rejected = 0;
        for (int iter = 0; iter < 400; iter++) {
            byte[] seed = seeds[iter % seeds.length];
            byte[] data = seed.clone();
            if (iter % 4 == 3) {
                data = Arrays.copyOf(seed, 1 + rnd.nextInt(seed.length - 1)); // truncation
            } else {
                int flips = 1 + rnd.nextInt(8);
                for (int f = 0; f < flips; f++) {
                    int pos = rnd.nextInt(data.length);
                    data[pos] = (byte) (iter % 2 == 0 ? rnd.nextInt(256) : data[pos] ^ (1 << rnd.nextInt(8)));
                }
            }
            try {
                RgbImage img = LOADER.load(new ByteArrayInputStream(data), "fuzz-" + iter);
                assertTrue(img.width() > 0 && img.height() > 0);
                loaded++;
            } catch (ImageException expected) {
                assertTrue(expected.getMessage().startsWith("fuzz-" + iter + ": "), expected.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("iteration " + iter + " escaped as " + t, t);
            }
        }
        System.out.printf("fuzz: %d loaded, %d rejected with ImageException%n", loaded, rejected);
        assertTrue(rejected > 0 && loaded > 0);
    }

    @Test
    void optionsValidation() {
        assertThrows(IllegalArgumentException.class, () -> ImageLoader.Options.defaults().withMaxPixels(0));
        assertThrows(IllegalArgumentException.class,
                () -> ImageLoader.Options.defaults().withMaxPixels(RgbImage.MAX_PIXELS + 1));
        assertThrows(IllegalArgumentException.class,
                () -> ImageLoader.Options.defaults().withDecodeTimeout(Duration.ofSeconds(-1)));
        ImageLoader.Options o = ImageLoader.Options.defaults();
        assertEquals(64L << 20, o.maxPixels());
        assertTrue(o.applyExifOrientation());
        assertEquals(false, o.allowTruncatedJpeg());
        assertArrayEquals(new int[] {3, 2}, new int[] {RgbImage.blank(2, 3).height(), RgbImage.blank(2, 3).width()});
    }
}
