package ai.legion.data.raster;

import ai.legion.core.report.CocoRle;
import java.util.Arrays;
import java.util.Objects;

/**
 * COCO polygon rasterization exactly as pycocotools does it ({@code maskApi.c rleFrPoly}, reached through
 * {@code mask.frPyObjects(polygons, h, w)} and {@code mask.decode}): the training-time ground truth of
 * LEGION's data loader.
 *
 * <p>The algorithm, step by step (all of it reproduced here, including its integer conversions):
 * <ol>
 *   <li>Vertices are upsampled by 5 and rounded with a C cast, {@code (int)(5 * v + 0.5)} (truncation
 *       toward zero, so negative coordinates round differently from positive ones).</li>
 *   <li>Every edge of the closed polygon is walked one step along its major axis, the minor coordinate
 *       rounded the same way; edges are always walked in the same direction (the "flip"), so shared edges
 *       produce identical points.</li>
 *   <li>Wherever the walk changes column, the crossing is downsampled back: it counts only when it falls
 *       on a pixel-center column ({@code (x + 0.5) / 5 - 0.5} integral, inside {@code [0, w-1]}); its row
 *       is {@code ceil((y + 0.5) / 5 - 0.5)} clamped to {@code [0, h]}.</li>
 *   <li>Each crossing toggles the column-major pixel stream at {@code x * h + y}; the sorted toggles become
 *       run lengths (zero-length runs merged), which {@code rleDecode} expands column by column.</li>
 * </ol>
 * The result: a pixel is set when its center is inside the polygon, with pycocotools' rounding at the
 * boundary (it is not the same set as OpenCV {@code fillPoly}, which includes every boundary pixel).
 *
 * <p>Conversions of doubles to {@code int} follow x86-64 C semantics ({@code cvttsd2si}: NaN and
 * out-of-range values become {@link Integer#MIN_VALUE}), so even degenerate input behaves as upstream's
 * compiled extension does on the machines it runs on.
 */
public final class CocoPolygons {

    /** pycocotools' upsampling factor. */
    private static final double SCALE = 5;

    /** Guard against absurd coordinates: the edge walk allocates one point per upsampled step. */
    private static final long MAX_WALK_POINTS = 1L << 28;

    private CocoPolygons() {}

    /**
     * The run-length encoding of one polygon, as {@code rleFrPoly(R, xy, k, h, w)} computes it with
     * {@code k = xy.length / 2} (an odd trailing coordinate is ignored, as pycocotools' {@code int(len/2)}
     * does). Fewer than 3 points cover nothing: the walk goes there and back, each crossing cancels out.
     *
     * @param xy flat {@code [x0, y0, x1, y1, ...]} in pixel coordinates
     * @throws IllegalArgumentException when the size is invalid or the polygon spans more than 2^28
     *     upsampled steps (coordinates in the tens of millions)
     */
    public static CocoRle rle(double[] xy, int height, int width) {
        Objects.requireNonNull(xy, "xy");
        return new CocoRle(height, width, counts(xy, xy.length / 2, height, width));
    }

    /**
     * The encoding of a box {@code [x, y, w, h]} as pycocotools' {@code rleFrBbox} makes it: the polygon
     * {@code (x, y), (x, y+h), (x+w, y+h), (x+w, y)} through {@link #rle}.
     */
    public static CocoRle boxRle(double x, double y, double w, double h, int height, int width) {
        double xe = x + w;
        double ye = y + h;
        return rle(new double[] {x, y, x, ye, xe, ye, xe, y}, height, width);
    }

    /**
     * Adds the decoded polygon ({@code 1} per covered pixel) into {@code sum}, row-major {@code [h, w]},
     * with uint8 wrap-around like numpy's {@code binary_mask += m} on a {@code uint8} array.
     */
    public static void addDecoded(CocoRle rle, byte[] sum) {
        int h = rle.height();
        int w = rle.width();
        if (sum.length < (long) h * w) {
            throw new IllegalArgumentException("sum holds " + sum.length + " values, expected " + ((long) h * w));
        }
        int[] counts = rle.counts();
        // rleDecode: runs alternate 0/1 starting with 0, over the column-major (x outer, y inner) stream
        long pos = 0;
        boolean on = false;
        for (int c : counts) {
            if (on) {
                for (long i = pos; i < pos + c; i++) {
                    int x = (int) (i / h);
                    int y = (int) (i % h);
                    int idx = y * w + x;
                    sum[idx] = (byte) (sum[idx] + 1);
                }
            }
            pos += c;
            on = !on;
        }
    }

    /** C {@code (int)} of a double on x86-64: truncation, {@link Integer#MIN_VALUE} for NaN or out of range. */
    static int cInt(double d) {
        if (Double.isNaN(d) || d >= 2147483648.0 || d <= -2147483649.0) {
            return Integer.MIN_VALUE;
        }
        return (int) d;
    }

    /** {@code rleFrPoly}: the run lengths of polygon {@code xy} ({@code k} points) in an {@code h x w} image. */
    static int[] counts(double[] xy, int k, int h, int w) {
        if (h <= 0 || w <= 0 || (long) h * w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid mask size h=" + h + " w=" + w);
        }
        if (k <= 0) {
            return new int[] {h * w};
        }
        // upsample and get discrete points densely along the entire boundary
        int[] x = new int[k + 1];
        int[] y = new int[k + 1];
        for (int j = 0; j < k; j++) {
            x[j] = cInt(SCALE * xy[j * 2] + .5);
            y[j] = cInt(SCALE * xy[j * 2 + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];
        long total = 0;
        for (int j = 0; j < k; j++) {
            // C: umax(abs(int), abs(int)) + 1 in unsigned arithmetic; computed in long to stay exact
            long ax = Math.abs((long) x[j] - x[j + 1]);
            long ay = Math.abs((long) y[j] - y[j + 1]);
            total += Math.max(ax, ay) + 1;
        }
        if (total > MAX_WALK_POINTS) {
            throw new IllegalArgumentException("polygon spans " + total
                    + " upsampled boundary steps (coordinates out of any image's range?)");
        }
        int[] u = new int[(int) total];
        int[] v = new int[(int) total];
        int m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j];
            int xe = x[j + 1];
            int ys = y[j];
            int ye = y[j + 1];
            int dx = Math.abs(xe - xs);
            int dy = Math.abs(ys - ye);
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs;
                xs = xe;
                xe = t;
                t = ys;
                ys = ye;
                ye = t;
            }
            // 0/0 = NaN for a repeated vertex; its single point never sits at a column change
            double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
            if (dx >= dy) {
                for (int d = 0; d <= dx; d++) {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = cInt(ys + s * t + .5);
                    m++;
                }
            } else {
                for (int d = 0; d <= dy; d++) {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = cInt(xs + s * t + .5);
                    m++;
                }
            }
        }
        // get points along the y-boundary and downsample
        int n = m;
        int[] bx = new int[n];
        int[] by = new int[n];
        m = 0;
        for (int j = 1; j < n; j++) {
            if (u[j] != u[j - 1]) {
                double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
                xd = (xd + .5) / SCALE - .5;
                if (Math.floor(xd) != xd || xd < 0 || xd > w - 1) {
                    continue;
                }
                double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
                yd = (yd + .5) / SCALE - .5;
                if (yd < 0) {
                    yd = 0;
                } else if (yd > h) {
                    yd = h;
                }
                yd = Math.ceil(yd);
                bx[m] = (int) xd;
                by[m] = (int) yd;
                m++;
            }
        }
        // compute the rle encoding given the y-boundary points
        int kk = m;
        int[] a = new int[kk + 1];
        for (int j = 0; j < kk; j++) {
            a[j] = bx[j] * h + by[j];
        }
        a[kk++] = h * w;
        // all values are in [0, h*w]: a signed sort equals C's unsigned qsort
        Arrays.sort(a, 0, kk);
        int p = 0;
        for (int j = 0; j < kk; j++) {
            int t = a[j];
            a[j] -= p;
            p = t;
        }
        int[] b = new int[kk];
        int j = 0;
        m = 0;
        b[m++] = a[j++];
        while (j < kk) {
            if (a[j] > 0) {
                b[m++] = a[j++];
            } else {
                // a zero-length run: two toggles at one position cancel, merge the neighbours
                j++;
                if (j < kk) {
                    b[m - 1] += a[j++];
                }
            }
        }
        return Arrays.copyOf(b, m);
    }
}
