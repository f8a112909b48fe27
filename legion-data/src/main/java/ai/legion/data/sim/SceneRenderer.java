package ai.legion.data.sim;

import java.util.SplittableRandom;

/**
 * Paints a {@link Scene}: background and light source, reflections (glossy floors), shadows, objects,
 * pixel-effect artifacts, then for fakes the generator fingerprint, and sensor noise for all images.
 */
final class SceneRenderer {

    private static final double SHADOW_DARKEN = 0.5;
    private static final double REFLECTION_ALPHA = 0.22;

    private SceneRenderer() {
    }

    static Canvas render(Scene s, SimConfig cfg, SplittableRandom rng) {
        Canvas c = new Canvas(s.size);
        background(c, s);
        int floorRow = (int) Math.ceil(s.horizon);
        if (s.kind.glossy) {
            for (SceneObject o : s.objects) {
                Scene.Artifact wrong = s.wrongReflection(o);
                var polys = s.reflectionPolygons(o);
                for (int i = 0; i < polys.size(); i++) {
                    if (wrong != null) {
                        c.fill(polys.get(i), wrong.extra.rgb(), Math.min(0.9, 0.5 * cfg.artifactContrast()), floorRow);
                    } else {
                        c.fill(polys.get(i), o.parts.get(i).rgb(), REFLECTION_ALPHA, floorRow);
                    }
                }
            }
        }
        // shadows: one mask so overlapping parts do not darken twice
        boolean[] shadow = new boolean[s.size * s.size];
        for (SceneObject o : s.objects) {
            for (double[] p : s.shadowPolygons(o)) {
                PolygonRaster.fill(p, shadow, s.size, s.size);
            }
        }
        for (int i = floorRow * s.size; i < shadow.length; i++) {
            if (shadow[i]) {
                c.set(i, c.r[i] * SHADOW_DARKEN, c.g[i] * SHADOW_DARKEN, c.b[i] * SHADOW_DARKEN);
            }
        }
        for (SceneObject o : s.objects) {
            for (SceneObject.Part p : o.parts) {
                c.fill(p.polygon(), p.rgb());
            }
        }
        for (Scene.Artifact a : s.artifacts) {
            if (a.kind.pixelEffect()) {
                effect(c, a, cfg, rng);
            }
        }
        if (s.fake && cfg.fingerprintStrength() > 0) {
            fingerprint(c, cfg.fingerprintStrength(), cfg.fingerprintPeriod());
        }
        if (cfg.noiseLevel() > 0) {
            double sigma = cfg.noiseLevel() * StrictMath.sqrt(3.0);
            int n = s.size * s.size;
            for (int i = 0; i < n; i++) {
                c.set(i, c.r[i] + sigma * gauss(rng), c.g[i] + sigma * gauss(rng), c.b[i] + sigma * gauss(rng));
            }
        }
        return c;
    }

    /** Approximate Gaussian of variance 1/3 (Irwin–Hall of four uniforms, centred): cheap and bit-reproducible. */
    private static double gauss(SplittableRandom rng) {
        return rng.nextDouble() + rng.nextDouble() + rng.nextDouble() + rng.nextDouble() - 2.0;
    }

    /**
     * The fingerprint {@code A·cos(2πx/P)·cos(2πy/P)}, added to all channels with a fixed phase: like
     * the periodic spectral peaks that upsampling layers leave in GAN and diffusion outputs.
     */
    static void fingerprint(Canvas c, double amplitude, int period) {
        double[] wave = new double[period];
        for (int i = 0; i < period; i++) {
            wave[i] = StrictMath.cos(2 * StrictMath.PI * i / period);
        }
        for (int y = 0; y < c.size; y++) {
            double wy = amplitude * wave[y % period];
            for (int x = 0; x < c.size; x++) {
                int i = y * c.size + x;
                double d = wy * wave[x % period];
                c.set(i, c.r[i] + d, c.g[i] + d, c.b[i] + d);
            }
        }
    }

    private static void effect(Canvas c, Scene.Artifact a, SimConfig cfg, SplittableRandom rng) {
        int n = c.size;
        double contrast = cfg.artifactContrast();
        switch (a.kind) {
            case COLOR_BLOTCH -> {
                double alpha = Math.min(1.0, 0.75 * contrast);
                c.fill(a.polygon, a.extra.rgb(), alpha, 0);
            }
            case NOISE_PATCH -> {
                double amp = 80 * contrast;
                PolygonRaster.scan(a.polygon, n, n, (y, x0, x1) -> {
                    for (int x = x0; x < x1; x++) {
                        int i = y * n + x;
                        c.set(i, c.r[i] + amp * (2 * rng.nextDouble() - 1), c.g[i] + amp * (2 * rng.nextDouble() - 1),
                                c.b[i] + amp * (2 * rng.nextDouble() - 1));
                    }
                });
            }
            case SMEAR -> {
                // motion blur along a random direction, read from a snapshot so the result is order-free
                Canvas src = c.copy();
                double len = Math.max(2.0, 0.08 * n * contrast);
                double ang = rng.nextDouble(0, StrictMath.PI);
                double ux = StrictMath.cos(ang);
                double uy = StrictMath.sin(ang);
                int taps = 11;
                PolygonRaster.scan(a.polygon, n, n, (y, x0, x1) -> {
                    for (int x = x0; x < x1; x++) {
                        double sr = 0;
                        double sg = 0;
                        double sb = 0;
                        for (int t = 0; t < taps; t++) {
                            double off = len * ((double) t / (taps - 1) - 0.5);
                            int j = index(x + off * ux, y + off * uy, n);
                            sr += src.r[j];
                            sg += src.g[j];
                            sb += src.b[j];
                        }
                        c.set(y * n + x, sr / taps, sg / taps, sb / taps);
                    }
                });
            }
            case MELTED -> {
                Canvas src = c.copy();
                double amp = 0.04 * n * contrast;
                double lambda = 0.14 * n;
                double p1 = rng.nextDouble(0, 2 * StrictMath.PI);
                double p2 = rng.nextDouble(0, 2 * StrictMath.PI);
                PolygonRaster.scan(a.polygon, n, n, (y, x0, x1) -> {
                    double dx = amp * StrictMath.sin(2 * StrictMath.PI * y / lambda + p1);
                    for (int x = x0; x < x1; x++) {
                        double dy = 0.7 * amp * StrictMath.sin(2 * StrictMath.PI * x / lambda + p2);
                        int j = index(x + dx, y + dy, n);
                        c.set(y * n + x, src.r[j], src.g[j], src.b[j]);
                    }
                });
            }
            default -> throw new IllegalStateException(a.kind + " is not a pixel effect");
        }
    }

    private static int index(double x, double y, int n) {
        int xi = (int) Math.floor(x + 0.5);
        int yi = (int) Math.floor(y + 0.5);
        xi = xi < 0 ? 0 : Math.min(n - 1, xi);
        yi = yi < 0 ? 0 : Math.min(n - 1, yi);
        return yi * n + xi;
    }

    private static void background(Canvas c, Scene s) {
        int n = s.size;
        SplittableRandom rng = new SplittableRandom(s.detailSeed);
        for (int y = 0; y < n; y++) {
            double yc = y + 0.5;
            int base;
            double f;
            if (yc < s.horizon) {
                double t = yc / s.horizon;
                base = mix(s.skyTop, s.skyBottom, t);
                f = 1.0;
            } else {
                base = s.floor;
                f = 0.85 + 0.2 * (yc - s.horizon) / (n - s.horizon);
            }
            for (int x = 0; x < n; x++) {
                // brighter towards the light source
                double g = f * (1 + 0.08 * s.lightSide * (2 * (x + 0.5) / n - 1));
                c.set(y * n + x, ((base >> 16) & 255) * g, ((base >> 8) & 255) * g, (base & 255) * g);
            }
        }
        double hz = s.horizon;
        switch (s.kind) {
            case STREET -> {
                c.fill(Geom.rect(0, hz, n, 0.03 * n), Canvas.rgb(175, 170, 160));
                double ly = hz + 0.5 * (n - hz);
                double th = Math.max(1.0, 0.018 * n);
                double dash = 0.09 * n;
                for (double x = -rng.nextDouble(0, 0.16 * n); x < n; x += 0.16 * n) {
                    c.fill(Geom.rect(x, ly, dash, th), Canvas.rgb(235, 235, 222));
                }
                clouds(c, s, rng);
            }
            case ROOM -> {
                c.fill(Geom.rect(0, hz - 0.025 * n, n, 0.025 * n), Canvas.rgb(240, 236, 228));
                double step = rng.nextDouble(0.07, 0.11) * n;
                int plank = Canvas.shade(s.floor, 0.78);
                for (double y = hz + step; y < n; y += step) {
                    c.fill(Geom.rect(0, y, n, 1.0), plank);
                }
            }
            case FIELD -> {
                int patches = 6 + rng.nextInt(5);
                for (int i = 0; i < patches; i++) {
                    double px = rng.nextDouble(0, n);
                    double py = rng.nextDouble(hz + 0.05 * n, n);
                    double rx = rng.nextDouble(0.06, 0.15) * n;
                    int col = rng.nextBoolean() ? Canvas.shade(s.floor, 0.85) : Canvas.tint(s.floor, 0.12);
                    c.fill(Geom.ellipse(px, py, rx, rx * 0.35, 24), col, 0.5, (int) Math.ceil(hz));
                }
                clouds(c, s, rng);
            }
            case BEACH -> {
                double sea = 0.08 * n;
                c.fill(Geom.rect(0, hz, n, sea), Canvas.rgb(40, 105, 175));
                c.fill(Geom.rect(0, hz + sea, n, Math.max(1.0, 0.012 * n)), Canvas.rgb(240, 240, 236));
                clouds(c, s, rng);
            }
            default -> throw new IllegalStateException("unknown scene " + s.kind);
        }
        // the light source, in the upper corner on the light side
        double lx = n * (0.5 + s.lightSide * 0.38);
        double ly = 0.11 * n;
        double lr = 0.055 * n;
        if (s.kind == SceneKind.ROOM) {
            c.fill(Geom.rect(lx - Math.max(0.5, 0.006 * n), 0, Math.max(1.0, 0.012 * n), ly), Canvas.rgb(60, 60, 60));
            c.fill(Geom.poly(lx - 0.9 * lr, ly - 0.2 * lr, lx + 0.9 * lr, ly - 0.2 * lr, lx + 1.4 * lr, ly + 0.6 * lr,
                    lx - 1.4 * lr, ly + 0.6 * lr), Canvas.rgb(70, 70, 80));
            c.fill(Geom.ellipse(lx, ly + 0.9 * lr, 2.0 * lr, 1.4 * lr, 24), Canvas.rgb(255, 245, 200), 0.35, 0);
            c.fill(Geom.ellipse(lx, ly + 0.75 * lr, 0.6 * lr, 0.5 * lr, 16), Canvas.rgb(255, 236, 150));
        } else {
            c.fill(Geom.ellipse(lx, ly, 1.7 * lr, 1.7 * lr, 32), Canvas.rgb(255, 245, 200), 0.35, 0);
            c.fill(Geom.ellipse(lx, ly, lr, lr, 32), Canvas.rgb(255, 236, 150));
        }
    }

    private static void clouds(Canvas c, Scene s, SplittableRandom rng) {
        int n = s.size;
        int count = rng.nextInt(3);
        for (int i = 0; i < count; i++) {
            // on the side away from the sun
            double cx = n * (0.5 - s.lightSide * rng.nextDouble(0.0, 0.35));
            double cy = rng.nextDouble(0.06, 0.22) * n;
            double rx = rng.nextDouble(0.07, 0.12) * n;
            for (int k = 0; k < 3; k++) {
                c.fill(Geom.ellipse(cx + (k - 1) * rx * 0.7, cy + (k == 1 ? -0.25 * rx : 0), rx * 0.6, rx * 0.4, 20),
                        Canvas.rgb(248, 248, 250), 0.85, 0);
            }
        }
    }

    private static int mix(int a, int b, double t) {
        return Canvas.rgb((int) Math.round(((a >> 16) & 255) * (1 - t) + ((b >> 16) & 255) * t),
                (int) Math.round(((a >> 8) & 255) * (1 - t) + ((b >> 8) & 255) * t),
                (int) Math.round((a & 255) * (1 - t) + (b & 255) * t));
    }
}
