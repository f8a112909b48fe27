package ai.legion.core.report;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable binary mask of {@code height x width} pixels, stored as packed bits (row-major, bit
 * {@code y * width + x}). Factories take the dimensions in tensor order {@code (h, w)}, like the
 * {@code [H, W]} arrays they usually come from; accessors use image coordinates {@code (x, y)}.
 *
 * <p>The internal bits are never handed out: {@link #toBytes()} and {@link #toBooleans()} return
 * fresh copies. Unused bits of the last word are always zero, so two masks are {@link #equals equal}
 * exactly when they have the same size and the same set pixels.
 */
public final class BinaryMask {

    private final int width;
    private final int height;
    /** Packed bits, row-major; owned by this instance and never exposed. */
    private final long[] words;

    private BinaryMask(int height, int width, long[] words) {
        this.width = width;
        this.height = height;
        this.words = words;
    }

    /** Wraps {@code words} without copying: callers in this package hand over ownership. */
    static BinaryMask wrap(int height, int width, long[] words) {
        return new BinaryMask(height, width, words);
    }

    /** A new zeroed word array for a mask of the given size (validating the size). */
    static long[] newWords(int height, int width) {
        checkSize(height, width);
        return new long[(int) (((long) height * width + 63) >>> 6)];
    }

    private static void checkSize(int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("mask size must be positive, got h=" + height + " w=" + width);
        }
        if ((long) height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("mask too large: " + height + " x " + width + " pixels");
        }
    }

    private static void checkLength(int available, int height, int width, String what) {
        if (available < (long) height * width) {
            throw new IllegalArgumentException(what + " holds " + available + " values, expected at least "
                    + ((long) height * width) + " for an [" + height + ", " + width + "] mask");
        }
    }

    /** A mask with no pixel set. */
    public static BinaryMask empty(int height, int width) {
        return new BinaryMask(height, width, newWords(height, width));
    }

    /** A mask with every pixel set. */
    public static BinaryMask full(int height, int width) {
        long[] w = newWords(height, width);
        Arrays.fill(w, -1L);
        clearTail(w, height * width);
        return new BinaryMask(height, width, w);
    }

    /**
     * Thresholds row-major {@code [h, w]} mask logits at 0, as upstream does ({@code logit > 0}, i.e.
     * probability {@code sigmoid(logit) > 0.5}); NaN counts as not set.
     */
    public static BinaryMask fromLogits(float[] logits, int height, int width) {
        return fromLogits(logits, 0, height, width);
    }

    /**
     * Thresholds the {@code [h, w]} plane that starts at {@code offset} in {@code logits} (for example mask
     * {@code k} of a {@code [K, H, W]} array at {@code offset = k * H * W}) at {@code logit > 0}.
     */
    public static BinaryMask fromLogits(float[] logits, int offset, int height, int width) {
        Objects.requireNonNull(logits, "logits");
        long[] w = newWords(height, width);
        int n = height * width;
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        checkLength(logits.length - offset, height, width, "logits (from offset " + offset + ")");
        for (int i = 0; i < n; i++) {
            if (logits[offset + i] > 0f) {
                w[i >>> 6] |= 1L << i;
            }
        }
        return new BinaryMask(height, width, w);
    }

    /** A mask from row-major booleans of length {@code h * w}. */
    public static BinaryMask fromBooleans(boolean[] values, int height, int width) {
        Objects.requireNonNull(values, "values");
        long[] w = newWords(height, width);
        int n = height * width;
        checkLength(values.length, height, width, "boolean array");
        for (int i = 0; i < n; i++) {
            if (values[i]) {
                w[i >>> 6] |= 1L << i;
            }
        }
        return new BinaryMask(height, width, w);
    }

    /** A mask from row-major bytes of length {@code h * w}: any non-zero byte is a set pixel. */
    public static BinaryMask fromBytes(byte[] values, int height, int width) {
        Objects.requireNonNull(values, "values");
        long[] w = newWords(height, width);
        int n = height * width;
        checkLength(values.length, height, width, "byte array");
        for (int i = 0; i < n; i++) {
            if (values[i] != 0) {
                w[i >>> 6] |= 1L << i;
            }
        }
        return new BinaryMask(height, width, w);
    }

    /**
     * The union of one or more masks of the same size.
     *
     * @throws IllegalArgumentException when no mask is given or the sizes differ
     */
    public static BinaryMask union(BinaryMask... masks) {
        if (masks == null || masks.length == 0) {
            throw new IllegalArgumentException("union of no masks: use union(h, w, masks) to allow an empty list");
        }
        return union(masks[0].height, masks[0].width, Arrays.asList(masks));
    }

    /** The union of {@code masks} (possibly none: then the empty {@code h x w} mask). */
    public static BinaryMask union(int height, int width, Collection<BinaryMask> masks) {
        long[] w = newWords(height, width);
        for (BinaryMask m : masks) {
            Objects.requireNonNull(m, "mask");
            m.requireSize(height, width, "union");
            for (int i = 0; i < w.length; i++) {
                w[i] |= m.words[i];
            }
        }
        return new BinaryMask(height, width, w);
    }

    private static void clearTail(long[] w, int bits) {
        int rem = bits & 63;
        if (rem != 0) {
            w[w.length - 1] &= (1L << rem) - 1;
        }
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** {@code width * height}. */
    public int pixelCount() {
        return width * height;
    }

    /** Whether pixel {@code (x, y)} is set. */
    public boolean get(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside a " + width + "x" + height + " mask");
        }
        return bit(y * width + x);
    }

    /** Whether the pixel at row-major index {@code i} is set (unchecked; for this package's loops). */
    boolean bit(int i) {
        return (words[i >>> 6] & (1L << i)) != 0;
    }

    /** Number of set pixels. */
    public int area() {
        int a = 0;
        for (long v : words) {
            a += Long.bitCount(v);
        }
        return a;
    }

    /** {@code area() / (width * height)}. */
    public double areaFraction() {
        return (double) area() / ((double) width * height);
    }

    /** Whether no pixel is set. */
    public boolean isEmpty() {
        for (long v : words) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** The tightest box around the set pixels (COCO {@code [x, y, width, height]}), empty for an empty mask. */
    public Optional<BoundingBox> bbox() {
        int minX = width;
        int maxX = -1;
        int minY = -1;
        int maxY = -1;
        for (int y = 0; y < height; y++) {
            int base = y * width;
            int first = -1;
            int last = -1;
            for (int x = 0; x < width; x++) {
                if (bit(base + x)) {
                    if (first < 0) {
                        first = x;
                    }
                    last = x;
                }
            }
            if (first >= 0) {
                if (minY < 0) {
                    minY = y;
                }
                maxY = y;
                minX = Math.min(minX, first);
                maxX = Math.max(maxX, last);
            }
        }
        if (minY < 0) {
            return Optional.empty();
        }
        return Optional.of(new BoundingBox(minX, minY, maxX - minX + 1, maxY - minY + 1));
    }

    /** The pixels set in this mask or in {@code other}. */
    public BinaryMask or(BinaryMask other) {
        requireSize(other.height, other.width, "or");
        long[] w = words.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] |= other.words[i];
        }
        return new BinaryMask(height, width, w);
    }

    /** The pixels set in both masks. */
    public BinaryMask and(BinaryMask other) {
        requireSize(other.height, other.width, "and");
        long[] w = words.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] &= other.words[i];
        }
        return new BinaryMask(height, width, w);
    }

    /** The pixels set in this mask but not in {@code other}. */
    public BinaryMask andNot(BinaryMask other) {
        requireSize(other.height, other.width, "andNot");
        long[] w = words.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] &= ~other.words[i];
        }
        return new BinaryMask(height, width, w);
    }

    /** The complement: every pixel not set here. */
    public BinaryMask not() {
        long[] w = new long[words.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = ~words[i];
        }
        clearTail(w, width * height);
        return new BinaryMask(height, width, w);
    }

    /** Number of pixels set in both masks. */
    public int intersectionArea(BinaryMask other) {
        requireSize(other.height, other.width, "intersectionArea");
        int n = 0;
        for (int i = 0; i < words.length; i++) {
            n += Long.bitCount(words[i] & other.words[i]);
        }
        return n;
    }

    /** Number of pixels set in either mask. */
    public int unionArea(BinaryMask other) {
        requireSize(other.height, other.width, "unionArea");
        int n = 0;
        for (int i = 0; i < words.length; i++) {
            n += Long.bitCount(words[i] | other.words[i]);
        }
        return n;
    }

    /**
     * Foreground intersection over union {@code |A ∩ B| / |A ∪ B|}; 0 when both masks are empty (the
     * pycocotools {@code rleIou} convention; LEGION {@code eval/utils.py::compute_iou} is the same ratio).
     */
    public double iou(BinaryMask other) {
        int u = unionArea(other);
        return u == 0 ? 0.0 : (double) intersectionArea(other) / u;
    }

    /** A fresh row-major copy, 1 for set pixels and 0 elsewhere. */
    public byte[] toBytes() {
        int n = width * height;
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            if (bit(i)) {
                out[i] = 1;
            }
        }
        return out;
    }

    /** A fresh row-major boolean copy. */
    public boolean[] toBooleans() {
        int n = width * height;
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
            out[i] = bit(i);
        }
        return out;
    }

    /** Whether both masks have the same size. */
    public boolean sameSize(BinaryMask other) {
        return other.width == width && other.height == height;
    }

    void requireSize(int h, int w, String op) {
        if (h != height || w != width) {
            throw new IllegalArgumentException(op + ": mask sizes differ, " + width + "x" + height + " vs " + w + "x" + h
                    + " (width x height)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryMask m && m.width == width && m.height == height && Arrays.equals(m.words, words);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        return "BinaryMask[" + width + "x" + height + ", area=" + area() + "]";
    }
}
