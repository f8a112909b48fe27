package ai.legion.data.sim;

import ai.legion.core.report.BinaryMask;
import java.util.Arrays;
import java.util.List;

/**
 * Scanline fill of flat {@code [x0, y0, x1, y1, ...]} polygons (COCO {@code segmentation} lists, pixel
 * coordinates with the origin at the top-left corner of the top-left pixel).
 *
 * <p>Rule: pixel {@code (x, y)} is inside when its centre {@code (x + 0.5, y + 0.5)} is inside the
 * polygon by the even-odd rule, with left edges included and right edges excluded (so adjacent
 * polygons sharing an edge never both cover a pixel). The generator draws every artifact and part with
 * this same fill, so a written polygon covers exactly the pixels the generator painted for pixel
 * effects. (Upstream evaluation rasterizes with OpenCV {@code fillPoly} on truncated points, which
 * includes boundary pixels; on 128 px images the two differ by at most a one-pixel rim.)
 */
public final class PolygonRaster {

    private PolygonRaster() {
    }

    /** Receives the horizontal runs {@code [x0, x1)} of row {@code y} covered by a polygon. */
    @FunctionalInterface
    public interface SpanConsumer {
        /**
         * One run of covered pixels.
         *
         * @param y row
         * @param x0 first covered column
         * @param x1 one past the last covered column ({@code x1 > x0})
         */
        void span(int y, int x0, int x1);
    }

    /**
     * Visits the covered runs of one polygon, clipped to a {@code width x height} image.
     *
     * @param polygon flat coordinates, at least 3 points
     * @throws IllegalArgumentException for fewer than 3 points, an odd length or a non-finite value
     */
    public static void scan(double[] polygon, int width, int height, SpanConsumer out) {
        check(polygon);
        int n = polygon.length / 2;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            minY = Math.min(minY, polygon[2 * i + 1]);
            maxY = Math.max(maxY, polygon[2 * i + 1]);
        }
        // rows whose centre lies in [minY, maxY]
        int y0 = Math.max(0, (int) Math.ceil(minY - 0.5));
        int y1 = Math.min(height - 1, (int) Math.floor(maxY - 0.5));
        double[] xs = new double[n];
        for (int y = y0; y <= y1; y++) {
            double yc = y + 0.5;
            int k = 0;
            for (int i = 0, j = n - 1; i < n; j = i++) {
                double yi = polygon[2 * i + 1];
                double yj = polygon[2 * j + 1];
                // half-open test: an edge covers yc when its endpoints straddle it; horizontal edges never do
                if ((yi <= yc) != (yj <= yc)) {
                    double xi = polygon[2 * i];
                    double xj = polygon[2 * j];
                    xs[k++] = xi + (yc - yi) * (xj - xi) / (yj - yi);
                }
            }
            if (k < 2) {
                continue;
            }
            Arrays.sort(xs, 0, k);
            for (int m = 0; m + 1 < k; m += 2) {
                // pixel centres x + 0.5 in [a, b)
                int xa = Math.max(0, (int) Math.ceil(xs[m] - 0.5));
                int xb = Math.min(width, (int) Math.ceil(xs[m + 1] - 0.5));
                if (xb > xa) {
                    out.span(y, xa, xb);
                }
            }
        }
    }

    /**
     * Sets the covered pixels of {@code polygon} to true in a row-major {@code width x height} array.
     */
    public static void fill(double[] polygon, boolean[] pixels, int width, int height) {
        if (pixels.length < width * height) {
            throw new IllegalArgumentException("pixel array holds " + pixels.length + " values, expected "
                    + (width * height));
        }
        scan(polygon, width, height, (y, x0, x1) -> Arrays.fill(pixels, y * width + x0, y * width + x1, true));
    }

    /**
     * The union of the polygons' covered pixels as a mask.
     *
     * @param polygons flat polygons, each at least 3 points
     * @param width image width
     * @param height image height
     */
    public static BinaryMask mask(List<double[]> polygons, int width, int height) {
        boolean[] px = new boolean[width * height];
        for (double[] p : polygons) {
            fill(p, px, width, height);
        }
        return BinaryMask.fromBooleans(px, height, width);
    }

    /**
     * LEGION's per-image localization score ({@code evaluate_ours.py::calculate_miou}, commit cd7df24): the mean of
     * the background and foreground {@code IoU_c = |P_c ∩ G_c| / (|P_c ∪ G_c| + 1e-6)}.
     *
     * @param prediction predicted mask
     * @param groundTruth ground-truth mask of the same size
     */
    public static double perImageMiou(BinaryMask prediction, BinaryMask groundTruth) {
        if (!prediction.sameSize(groundTruth)) {
            throw new IllegalArgumentException("mask sizes differ: prediction " + prediction.width() + "x"
                    + prediction.height() + ", ground truth " + groundTruth.width() + "x" + groundTruth.height());
        }
        double fg = prediction.intersectionArea(groundTruth) / (prediction.unionArea(groundTruth) + 1e-6);
        BinaryMask pb = prediction.not();
        BinaryMask gb = groundTruth.not();
        double bg = pb.intersectionArea(gb) / (pb.unionArea(gb) + 1e-6);
        return (fg + bg) / 2;
    }

    private static void check(double[] polygon) {
        if (polygon == null || polygon.length < 6 || polygon.length % 2 != 0) {
            throw new IllegalArgumentException("a polygon needs an even number of coordinates and at least 3 points, got "
                    + (polygon == null ? "null" : polygon.length + " values"));
        }
        for (double v : polygon) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("polygon coordinate is not finite: " + v);
            }
        }
    }
}
