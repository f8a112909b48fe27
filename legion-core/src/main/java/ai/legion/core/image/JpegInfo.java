package ai.legion.core.image;

import ai.legion.core.image.RasterConversions.JpegColor;
import java.io.EOFException;
import java.io.IOException;
import javax.imageio.stream.ImageInputStream;

/**
 * What libjpeg and OpenCV take from a JPEG's markers before decoding: the colour space libjpeg
 * infers ({@code jdapimin.c default_decompress_parms}: JFIF APP0, Adobe APP14 transform, component
 * ids) and the EXIF orientation OpenCV reads from the <em>first</em> APP1 segment
 * ({@code JpegDecoder::readHeader} + {@code ExifReader}: IFD0 tag 0x0112, 16-bit value).
 *
 * @param components number of components in the first SOF segment (0 if none was found)
 * @param width width in the SOF segment (0 if none was found)
 * @param height height in the SOF segment (0 if none was found, or declared 0 = DNL, unsupported)
 * @param color colour space libjpeg would decode from
 * @param orientation EXIF orientation 1..8, or 1 when absent or out of range (OpenCV's default "TL")
 */
record JpegInfo(int components, int width, int height, JpegColor color, int orientation) {

    private static final int MAX_SEGMENTS = 100_000;
    /** Header bytes scanned at most before giving up (libjpeg would skip any amount of garbage). */
    private static final long MAX_HEADER_BYTES = 16L << 20;

    /** True if the stream starts with the JPEG SOI marker {@code FF D8}. */
    static boolean isJpeg(byte[] head, int n) {
        return n >= 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8;
    }

    /**
     * Walks the marker segments from the stream start up to SOS (bounded: at most one 64 KiB segment
     * is held in memory, at most 16 MiB are scanned). Truncated or malformed headers give whatever was
     * found so far; the decoder reports the real error.
     */
    static JpegInfo read(ImageInputStream in) throws IOException {
        in.seek(0);
        boolean jfif = false;
        int adobeTransform = -1;
        int[] ids = null;
        int width = 0;
        int height = 0;
        int orientation = 1;
        boolean sawApp1 = false;
        try {
            if (in.readUnsignedByte() != 0xFF || in.readUnsignedByte() != 0xD8) {
                return new JpegInfo(0, 0, 0, JpegColor.YCBCR, 1);
            }
            for (int seg = 0; seg < MAX_SEGMENTS && in.getStreamPosition() < MAX_HEADER_BYTES; seg++) {
                int b = in.readUnsignedByte();
                while (b != 0xFF) { // libjpeg skips garbage before a marker (with a warning)
                    if (in.getStreamPosition() >= MAX_HEADER_BYTES) {
                        throw new EOFException("no marker in the first " + MAX_HEADER_BYTES + " bytes");
                    }
                    b = in.readUnsignedByte();
                }
                int marker;
                do {
                    marker = in.readUnsignedByte();
                } while (marker == 0xFF);
                if (marker == 0xD9 || marker == 0xDA) {
                    break; // EOI or SOS: no more header segments
                }
                if (marker == 0x01 || marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0xD8) {
                    continue; // markers without a length field
                }
                int len = in.readUnsignedShort();
                if (len < 2) {
                    break;
                }
                int payload = len - 2;
                long next = in.getStreamPosition() + payload;
                if (marker == 0xE0 && payload >= 14 && !jfif) {
                    byte[] d = readBytes(in, 5);
                    jfif = d[0] == 'J' && d[1] == 'F' && d[2] == 'I' && d[3] == 'F' && d[4] == 0;
                } else if (marker == 0xEE && payload >= 12) {
                    byte[] d = readBytes(in, 12);
                    if (d[0] == 'A' && d[1] == 'd' && d[2] == 'o' && d[3] == 'b' && d[4] == 'e') {
                        adobeTransform = d[11] & 0xFF;
                    }
                } else if (marker == 0xE1 && !sawApp1) {
                    sawApp1 = true; // OpenCV uses the first APP1, whatever it holds
                    if (payload > 6) {
                        byte[] d = readBytes(in, payload);
                        orientation = exifOrientation(d, 6, payload - 6);
                    }
                } else if (isSof(marker) && ids == null && payload >= 6) {
                    in.readUnsignedByte(); // precision
                    height = in.readUnsignedShort();
                    width = in.readUnsignedShort();
                    int n = in.readUnsignedByte();
                    ids = new int[n];
                    for (int i = 0; i < n && 6 + 3 * i + 3 <= payload; i++) {
                        ids[i] = in.readUnsignedByte();
                        in.readUnsignedByte();
                        in.readUnsignedByte();
                    }
                }
                in.seek(next);
            }
        } catch (EOFException truncated) {
            // keep what was found; the decoder will report the truncation
        }
        int n = ids == null ? 0 : ids.length;
        return new JpegInfo(n, width, height, colorOf(n, ids, jfif, adobeTransform), orientation);
    }

    private static boolean isSof(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }

    private static byte[] readBytes(ImageInputStream in, int n) throws IOException {
        byte[] d = new byte[n];
        in.readFully(d);
        return d;
    }

    /** libjpeg's {@code default_decompress_parms} colour space guess. */
    static JpegColor colorOf(int n, int[] ids, boolean jfif, int adobeTransform) {
        switch (n) {
            case 1:
                return JpegColor.GRAY;
            case 3:
                if (jfif) {
                    return JpegColor.YCBCR;
                }
                if (adobeTransform >= 0) {
                    return adobeTransform == 0 ? JpegColor.RGB : JpegColor.YCBCR;
                }
                if (ids[0] == 82 && ids[1] == 71 && ids[2] == 66) {
                    return JpegColor.RGB; // component ids 'R', 'G', 'B'
                }
                return JpegColor.YCBCR;
            case 4:
                if (adobeTransform >= 0) {
                    return adobeTransform == 0 ? JpegColor.CMYK : JpegColor.YCCK;
                }
                return JpegColor.CMYK;
            default:
                return JpegColor.YCBCR;
        }
    }

    /**
     * OpenCV's {@code ExifReader}: TIFF header ("II" or "MM", 42), IFD0 entries of 12 bytes; the
     * orientation is the 16-bit value at entry offset 8. Any bounds or format problem means "no EXIF"
     * (orientation 1), as in OpenCV; values outside 1..8 are ignored too.
     */
    static int exifOrientation(byte[] d, int start, int length) {
        int end = start + length;
        if (length < 8) {
            return 1;
        }
        boolean little;
        if (d[start] == 'I' && d[start + 1] == 'I') {
            little = true;
        } else if (d[start] == 'M' && d[start + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(d, start + 2, little) != 0x2A) {
            return 1;
        }
        long ifd = u32(d, start + 4, little);
        if (ifd < 0 || start + ifd + 2 > end) {
            return 1;
        }
        int p = (int) (start + ifd);
        int count = u16(d, p, little);
        p += 2;
        for (int i = 0; i < count; i++, p += 12) {
            if (p + 12 > end) {
                return 1;
            }
            if (u16(d, p, little) == 0x0112) {
                int v = u16(d, p + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] d, int p, boolean little) {
        int a = d[p] & 0xFF;
        int b = d[p + 1] & 0xFF;
        return little ? a | b << 8 : a << 8 | b;
    }

    private static long u32(byte[] d, int p, boolean little) {
        long v = 0;
        for (int i = 0; i < 4; i++) {
            int byteIndex = little ? p + 3 - i : p + i;
            v = v << 8 | (d[byteIndex] & 0xFF);
        }
        return v;
    }
}
