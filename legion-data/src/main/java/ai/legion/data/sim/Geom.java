package ai.legion.data.sim;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Flat-polygon helpers ({@code [x0, y0, x1, y1, ...]}, pixel units). Trigonometry goes through
 * {@link StrictMath} so that the same seed gives the same bytes on every JVM and platform.
 */
final class Geom {

    private Geom() {
    }

    static double[] rect(double x, double y, double w, double h) {
        return new double[] {x, y, x + w, y, x + w, y + h, x, y + h};
    }

    static double[] poly(double... xy) {
        return xy.clone();
    }

    static double[] ellipse(double cx, double cy, double rx, double ry, int n) {
        double[] p = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double a = 2 * StrictMath.PI * i / n;
            p[2 * i] = cx + rx * StrictMath.cos(a);
            p[2 * i + 1] = cy + ry * StrictMath.sin(a);
        }
        return p;
    }

    /** A thick segment (a quad) from {@code (x0, y0)} to {@code (x1, y1)}. */
    static double[] segment(double x0, double y0, double x1, double y1, double thickness) {
        double dx = x1 - x0;
        double dy = y1 - y0;
        double len = StrictMath.sqrt(dx * dx + dy * dy);
        if (len == 0) {
            return rect(x0 - thickness / 2, y0 - thickness / 2, thickness, thickness);
        }
        double nx = -dy / len * thickness / 2;
        double ny = dx / len * thickness / 2;
        return new double[] {x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny};
    }

    /**
     * An irregular closed blob: radius {@code r·(1 + jitter·f(θ))} with {@code f} a sum of three
     * random low harmonics, so the outline is smooth but not elliptical.
     */
    static double[] blob(double cx, double cy, double r, double aspect, double jitter, int n, SplittableRandom rng) {
        double[] amp = new double[3];
        double[] phase = new double[3];
        for (int k = 0; k < 3; k++) {
            amp[k] = rng.nextDouble(0.3, 1.0);
            phase[k] = rng.nextDouble(0, 2 * StrictMath.PI);
        }
        double norm = amp[0] + amp[1] + amp[2];
        double rot = rng.nextDouble(0, StrictMath.PI);
        double[] p = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double a = 2 * StrictMath.PI * i / n;
            double f = 0;
            for (int k = 0; k < 3; k++) {
                f += amp[k] * StrictMath.sin((k + 2) * a + phase[k]);
            }
            double rr = r * (1 + jitter * f / norm);
            double ex = rr * aspect * StrictMath.cos(a);
            double ey = rr / aspect * StrictMath.sin(a);
            p[2 * i] = cx + ex * StrictMath.cos(rot) - ey * StrictMath.sin(rot);
            p[2 * i + 1] = cy + ex * StrictMath.sin(rot) + ey * StrictMath.cos(rot);
        }
        return p;
    }

    /** Shoelace area (absolute). */
    static double area(double[] p) {
        int n = p.length / 2;
        double s = 0;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            s += p[2 * j] * p[2 * i + 1] - p[2 * i] * p[2 * j + 1];
        }
        return Math.abs(s) / 2;
    }

    /** Mean of the vertices. */
    static double[] center(double[] p) {
        int n = p.length / 2;
        double x = 0;
        double y = 0;
        for (int i = 0; i < n; i++) {
            x += p[2 * i];
            y += p[2 * i + 1];
        }
        return new double[] {x / n, y / n};
    }

    /** Scales about the vertex mean. */
    static double[] scale(double[] p, double f) {
        double[] c = center(p);
        double[] q = new double[p.length];
        for (int i = 0; i < p.length; i += 2) {
            q[i] = c[0] + (p[i] - c[0]) * f;
            q[i + 1] = c[1] + (p[i + 1] - c[1]) * f;
        }
        return q;
    }

    static double[] translate(double[] p, double dx, double dy) {
        double[] q = p.clone();
        for (int i = 0; i < q.length; i += 2) {
            q[i] += dx;
            q[i + 1] += dy;
        }
        return q;
    }

    /** Rotates by {@code angle} radians about {@code (cx, cy)}. */
    static double[] rotate(double[] p, double cx, double cy, double angle) {
        double c = StrictMath.cos(angle);
        double s = StrictMath.sin(angle);
        double[] q = new double[p.length];
        for (int i = 0; i < p.length; i += 2) {
            double x = p[i] - cx;
            double y = p[i + 1] - cy;
            q[i] = cx + x * c - y * s;
            q[i + 1] = cy + x * s + y * c;
        }
        return q;
    }

    /** Mirrors horizontally about the vertical line {@code x = axis}. */
    static double[] mirrorX(double[] p, double axis) {
        double[] q = p.clone();
        for (int i = 0; i < q.length; i += 2) {
            q[i] = 2 * axis - q[i];
        }
        return q;
    }

    /** Convex hull (Andrew's monotone chain) of all vertices of the given polygons, counter-clockwise. */
    static double[] hull(double[]... polys) {
        int total = 0;
        for (double[] p : polys) {
            total += p.length / 2;
        }
        double[][] pts = new double[total][];
        int k = 0;
        for (double[] p : polys) {
            for (int i = 0; i < p.length; i += 2) {
                pts[k++] = new double[] {p[i], p[i + 1]};
            }
        }
        Arrays.sort(pts, (a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
        double[][] h = new double[2 * total][];
        int m = 0;
        for (double[] pt : pts) {
            while (m >= 2 && cross(h[m - 2], h[m - 1], pt) <= 0) {
                m--;
            }
            h[m++] = pt;
        }
        for (int i = total - 2, lower = m + 1; i >= 0; i--) {
            while (m >= lower && cross(h[m - 2], h[m - 1], pts[i]) <= 0) {
                m--;
            }
            h[m++] = pts[i];
        }
        int count = Math.max(1, m - 1);
        double[] out = new double[2 * count];
        for (int i = 0; i < count; i++) {
            out[2 * i] = h[i][0];
            out[2 * i + 1] = h[i][1];
        }
        return out;
    }

    private static double cross(double[] o, double[] a, double[] b) {
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    }

    /**
     * Enlarges {@code p} about its centre until its area is at least {@code minArea}: first along the
     * thinner axis of its bounding box (up to an aspect ratio of 2.5), then uniformly, so thin regions
     * such as flattened shadows grow into a usable band instead of growing mostly in length.
     */
    static double[] atLeast(double[] p, double minArea) {
        double a = area(p);
        if (a >= minArea || a <= 0) {
            return p;
        }
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.length; i += 2) {
            x0 = Math.min(x0, p[i]);
            x1 = Math.max(x1, p[i]);
            y0 = Math.min(y0, p[i + 1]);
            y1 = Math.max(y1, p[i + 1]);
        }
        double w = Math.max(1e-9, x1 - x0);
        double h = Math.max(1e-9, y1 - y0);
        double need = minArea / a;
        double thin = Math.min(need, Math.max(1, Math.max(w, h) / Math.min(w, h) / 2.5));
        double sx = w < h ? thin : 1;
        double sy = w < h ? 1 : thin;
        double u = StrictMath.sqrt(need / thin);
        double[] c = center(p);
        double[] q = new double[p.length];
        for (int i = 0; i < p.length; i += 2) {
            q[i] = c[0] + (p[i] - c[0]) * sx * u;
            q[i + 1] = c[1] + (p[i + 1] - c[1]) * sy * u;
        }
        return q;
    }

    /**
     * Clamps every vertex to {@code [0, size]} and rounds to 1/1000 px: the published polygon, which
     * is also the one the generator paints with.
     */
    static double[] publish(double[] p, int size) {
        double[] q = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double v = Math.max(0, Math.min(size, p[i]));
            q[i] = Math.round(v * 1000.0) / 1000.0;
        }
        return q;
    }
}
