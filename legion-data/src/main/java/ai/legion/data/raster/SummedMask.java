package ai.legion.data.raster;

import ai.legion.core.report.BinaryMask;
import java.util.Objects;

/**
 * A uint8 mask: per pixel, how many polygons cover it, wrapping modulo 256 like the numpy {@code uint8}
 * array upstream's training loader accumulates into ({@code binary_mask += m}). It is the training target
 * as upstream builds it; {@link #binary()} is the set of covered pixels.
 *
 * @param height rows
 * @param width columns
 * @param values row-major {@code [h, w]} counts as unsigned bytes (copied on the way in and out)
 */
public record SummedMask(int height, int width, byte[] values) {

    public SummedMask {
        Objects.requireNonNull(values, "values");
        if (height <= 0 || width <= 0 || values.length != (long) height * width) {
            throw new IllegalArgumentException("expected " + ((long) height * width) + " values for " + height + " x "
                    + width + ", got " + values.length);
        }
        values = values.clone();
    }

    /** A copy of the row-major counts (unsigned bytes). */
    @Override
    public byte[] values() {
        return values.clone();
    }

    /** The count at pixel {@code (x, y)}, 0..255. */
    public int get(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
        }
        return values[y * width + x] & 0xFF;
    }

    /** The largest count. */
    public int max() {
        int m = 0;
        for (byte b : values) {
            m = Math.max(m, b & 0xFF);
        }
        return m;
    }

    /** Pixels with a non-zero count. */
    public BinaryMask binary() {
        return BinaryMask.fromBytes(values, height, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SummedMask s && s.height == height && s.width == width
                && java.util.Arrays.equals(s.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + java.util.Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "SummedMask[" + width + "x" + height + ", max=" + max() + "]";
    }
}
