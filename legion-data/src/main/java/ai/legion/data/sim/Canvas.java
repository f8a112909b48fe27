package ai.legion.data.sim;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * A square float RGB raster (0..255 per channel, row-major) that the renderer paints on. Polygons are
 * filled with {@link PolygonRaster}, the same fill the annotations are measured with.
 */
final class Canvas {

    final int size;
    final float[] r;
    final float[] g;
    final float[] b;

    Canvas(int size) {
        this.size = size;
        int n = size * size;
        r = new float[n];
        g = new float[n];
        b = new float[n];
    }

    private Canvas(Canvas other) {
        size = other.size;
        r = other.r.clone();
        g = other.g.clone();
        b = other.b.clone();
    }

    Canvas copy() {
        return new Canvas(this);
    }

    void set(int i, double rr, double gg, double bb) {
        r[i] = (float) rr;
        g[i] = (float) gg;
        b[i] = (float) bb;
    }

    void blend(int i, int rgb, double alpha) {
        double a = Math.max(0, Math.min(1, alpha));
        r[i] = (float) (r[i] + (((rgb >> 16) & 255) - r[i]) * a);
        g[i] = (float) (g[i] + (((rgb >> 8) & 255) - g[i]) * a);
        b[i] = (float) (b[i] + ((rgb & 255) - b[i]) * a);
    }

    /** Fills a polygon with a colour at the given opacity, only on rows {@code >= minRow}. */
    void fill(double[] polygon, int rgb, double alpha, int minRow) {
        PolygonRaster.scan(polygon, size, size, (y, x0, x1) -> {
            if (y < minRow) {
                return;
            }
            for (int x = x0; x < x1; x++) {
                blend(y * size + x, rgb, alpha);
            }
        });
    }

    void fill(double[] polygon, int rgb) {
        fill(polygon, rgb, 1.0, 0);
    }

    /** Rounds to 8-bit RGB. */
    BufferedImage toImage() {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i++) {
            px[i] = (clamp(r[i]) << 16) | (clamp(g[i]) << 8) | clamp(b[i]);
        }
        return img;
    }

    private static int clamp(float v) {
        int q = Math.round(v);
        return q < 0 ? 0 : Math.min(255, q);
    }

    static int rgb(int r, int g, int b) {
        return (clampInt(r) << 16) | (clampInt(g) << 8) | clampInt(b);
    }

    /** Multiplies each channel by {@code f} (clamped). */
    static int shade(int rgb, double f) {
        return rgb((int) Math.round(((rgb >> 16) & 255) * f), (int) Math.round(((rgb >> 8) & 255) * f),
                (int) Math.round((rgb & 255) * f));
    }

    /** Mixes towards white by {@code t}. */
    static int tint(int rgb, double t) {
        int r = (rgb >> 16) & 255;
        int g = (rgb >> 8) & 255;
        int b = rgb & 255;
        return rgb((int) Math.round(r + (255 - r) * t), (int) Math.round(g + (255 - g) * t),
                (int) Math.round(b + (255 - b) * t));
    }

    /** Euclidean RGB distance. */
    static double distance(int a, int b) {
        double dr = ((a >> 16) & 255) - ((b >> 16) & 255);
        double dg = ((a >> 8) & 255) - ((b >> 8) & 255);
        double db = (a & 255) - (b & 255);
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }

    private static int clampInt(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }
}
