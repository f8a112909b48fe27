package ai.legion.core.image;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteOrder;
import javax.imageio.stream.ImageInputStream;

/**
 * The one TIFF header field that changes what libtiff's RGBA interface (OpenCV's TIFF path) returns
 * and that ImageIO colour models do not tell reliably: the first {@code ExtraSamples} (tag 338)
 * value of IFD0. 2 = unassociated alpha (libtiff multiplies it into the colour), 1 = associated
 * alpha (kept as stored), absent = the extra sample is not alpha (ignored).
 */
final class TiffInfo {

    /** ExtraSamples value for unassociated alpha. */
    static final int UNASSOCIATED_ALPHA = 2;

    private TiffInfo() {}

    /** True if the bytes start with a TIFF or BigTIFF header ({@code II} / {@code MM}, 42 or 43). */
    static boolean isTiff(byte[] head, int n) {
        if (n < 4) {
            return false;
        }
        if (head[0] == 'I' && head[1] == 'I' && head[3] == 0) {
            return head[2] == 42 || head[2] == 43;
        }
        return head[0] == 'M' && head[1] == 'M' && head[2] == 0 && (head[3] == 42 || head[3] == 43);
    }

    /**
     * The first ExtraSamples value of IFD0, or −1 when the tag is absent or the header is unreadable
     * (bounded: at most 4096 directory entries are looked at).
     */
    static int extraSamples(ImageInputStream in) throws IOException {
        ByteOrder saved = in.getByteOrder();
        try {
            in.seek(0);
            int b0 = in.readUnsignedByte();
            in.setByteOrder(b0 == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            in.seek(2);
            int magic = in.readUnsignedShort();
            boolean big = magic == 43;
            if (magic != 42 && !big) {
                return -1;
            }
            if (big) {
                in.readUnsignedShort(); // offset size (8)
                in.readUnsignedShort(); // 0
            }
            long ifd = big ? in.readLong() : in.readUnsignedInt();
            if (!plausibleOffset(in, ifd)) {
                return -1;
            }
            in.seek(ifd);
            long count = big ? in.readLong() : in.readUnsignedShort();
            int entrySize = big ? 20 : 12;
            long first = ifd + (big ? 8 : 2);
            for (long i = 0; i < count && i < 4096; i++) {
                in.seek(first + entrySize * i);
                int tag = in.readUnsignedShort();
                int type = in.readUnsignedShort();
                long n = big ? in.readLong() : in.readUnsignedInt();
                if (tag != 338 || n < 1) {
                    continue;
                }
                int width = switch (type) {
                    case 1 -> 1; // BYTE
                    case 3 -> 2; // SHORT (the standard type)
                    case 4 -> 4; // LONG (tolerated)
                    default -> 0;
                };
                if (width == 0) {
                    return -1;
                }
                if (n * width > (big ? 8 : 4)) { // not inline: the field holds an offset
                    long offset = big ? in.readLong() : in.readUnsignedInt();
                    if (!plausibleOffset(in, offset)) {
                        return -1;
                    }
                    in.seek(offset);
                }
                return switch (width) {
                    case 1 -> in.readUnsignedByte();
                    case 2 -> in.readUnsignedShort();
                    default -> (int) Math.min(Integer.MAX_VALUE, in.readUnsignedInt());
                };
            }
            return -1;
        } catch (EOFException truncated) {
            return -1;
        } finally {
            in.setByteOrder(saved);
        }
    }

    /** Inside the stream when its length is known, and below 2⁴⁰ (no arithmetic overflow) always. */
    private static boolean plausibleOffset(ImageInputStream in, long offset) throws IOException {
        long length = in.length();
        return offset >= 0 && offset < (1L << 40) && (length < 0 || offset < length);
    }
}
