package ai.legion.core.report;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A mask in COCO run-length encoding, exactly as pycocotools ({@code maskApi.c}) writes it.
 *
 * <p>Runs go over the pixels in column-major (Fortran) order, {@code x} outer and {@code y} inner, and
 * alternate unset/set starting with a run of unset pixels, which is 0 when the first pixel is set. The runs
 * add up to {@code height * width}. An empty mask is {@code [h*w]}, a full one {@code [0, h*w]}.
 *
 * <p>{@link #toCompressedString()} is pycocotools' {@code rleToString} (the {@code counts} string of
 * {@code pycocotools.mask.encode}): each count, minus the count two places earlier for the fourth count
 * onwards (index {@code > 2}, as upstream), is written as a signed little-endian sequence of 5-bit groups,
 * one character per group ({@code 48 + group}, plus 32 when more groups follow), stopping once the rest
 * is pure sign extension of bit 4 of the last group. {@link #fromCompressedString} is {@code rleFrString}.
 *
 * @param height mask height ({@code size[0]} in COCO JSON)
 * @param width mask width ({@code size[1]})
 * @param counts the runs (copied on the way in and out; use {@link #countsList()} for a read-only view)
 */
public record CocoRle(int height, int width, int[] counts) {

    /** Validates the runs (non-negative, summing to {@code height * width}) and copies them. */
    public CocoRle {
        if (height <= 0 || width <= 0 || (long) height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid RLE size [h=" + height + ", w=" + width + "]");
        }
        Objects.requireNonNull(counts, "counts");
        counts = counts.clone();
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new IllegalArgumentException("RLE count " + i + " is negative: " + counts[i]);
            }
            sum += counts[i];
        }
        if (sum != (long) height * width) {
            throw new IllegalArgumentException("RLE counts add up to " + sum + ", expected h*w = "
                    + ((long) height * width) + " for size [" + height + ", " + width + "]");
        }
    }

    /** The runs of a mask, as {@code pycocotools.mask.encode(np.asfortranarray(mask))} finds them. */
    public static CocoRle encode(BinaryMask mask) {
        int h = mask.height();
        int w = mask.width();
        // at most one run per pixel plus the leading zero-run; grown on demand to keep small masks cheap
        int[] runs = new int[16];
        int k = 0;
        boolean prev = false;
        int c = 0;
        for (int x = 0; x < w; x++) {
            for (int i = x; i < h * w; i += w) {
                boolean v = mask.bit(i);
                if (v != prev) {
                    if (k == runs.length) {
                        runs = Arrays.copyOf(runs, runs.length * 2);
                    }
                    runs[k++] = c;
                    c = 0;
                    prev = v;
                }
                c++;
            }
        }
        if (k == runs.length) {
            runs = Arrays.copyOf(runs, runs.length + 1);
        }
        runs[k++] = c;
        return new CocoRle(h, w, Arrays.copyOf(runs, k));
    }

    /** The mask these runs describe. */
    public BinaryMask decode() {
        long[] words = BinaryMask.newWords(height, width);
        int p = 0; // position in column-major order
        for (int j = 0; j < counts.length; j++) {
            int n = counts[j];
            if ((j & 1) == 1) {
                for (int q = p; q < p + n; q++) {
                    int x = q / height;
                    int y = q - x * height;
                    int i = y * width + x;
                    words[i >>> 6] |= 1L << i;
                }
            }
            p += n;
        }
        return BinaryMask.wrap(height, width, words);
    }

    /** A copy of the runs. */
    @Override
    public int[] counts() {
        return counts.clone();
    }

    /** The runs as a read-only list (the uncompressed COCO {@code counts}). */
    public List<Integer> countsList() {
        return Arrays.stream(counts).boxed().toList();
    }

    /** Number of runs. */
    public int runCount() {
        return counts.length;
    }

    /** COCO {@code size}: {@code [height, width]}. */
    public List<Integer> size() {
        return List.of(height, width);
    }

    /** Number of set pixels (pycocotools {@code area}). */
    public long area() {
        long a = 0;
        for (int j = 1; j < counts.length; j += 2) {
            a += counts[j];
        }
        return a;
    }

    /** The compressed {@code counts} string of pycocotools ({@code rleToString}). */
    public String toCompressedString() {
        StringBuilder s = new StringBuilder(counts.length * 2);
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) {
                x -= counts[i - 2];
            }
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;
                // stop once the remaining bits are the sign extension of the group's top bit
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) {
                    c |= 0x20;
                }
                s.append((char) (c + 48));
            }
        }
        return s.toString();
    }

    /**
     * Parses pycocotools' compressed {@code counts} string ({@code rleFrString}) for a mask of the given size.
     *
     * @throws IllegalArgumentException on a character outside {@code '0'..'o'}, a truncated group, a negative
     *     or oversized count, or counts that do not add up to {@code height * width}
     */
    public static CocoRle fromCompressedString(String s, int height, int width) {
        Objects.requireNonNull(s, "s");
        int[] cnts = new int[Math.max(1, s.length())];
        int m = 0;
        int p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= s.length()) {
                    throw new IllegalArgumentException("RLE string ends inside a count (at character " + p + ")");
                }
                int c = s.charAt(p) - 48;
                if (c < 0 || c > 63) {
                    throw new IllegalArgumentException("RLE string has character '" + s.charAt(p) + "' at " + p
                            + ", expected '0'..'o'");
                }
                if (k >= 7) {
                    throw new IllegalArgumentException("RLE count at character " + p + " has more than 7 groups");
                }
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) {
                    x |= -1L << (5 * k);
                }
            }
            if (m > 2) {
                x += cnts[m - 2];
            }
            if (x < 0 || x > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("RLE count " + m + " decodes to " + x + " (ends at character " + p + ")");
            }
            cnts[m++] = (int) x;
        }
        return new CocoRle(height, width, Arrays.copyOf(cnts, m));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CocoRle r && r.height == height && r.width == width && Arrays.equals(r.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "CocoRle[size=[" + height + ", " + width + "], runs=" + counts.length + ", area=" + area() + "]";
    }
}
