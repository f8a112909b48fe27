package ai.legion.data.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A sampled scene: background, light, objects and (for fakes) artifacts with their published polygons.
 * Sampling is a pure function of the config and the random stream.
 */
final class Scene {

    /** One artifact: its kind, target object, wording choices and published polygon. */
    static final class Artifact {
        final ArtifactKind kind;
        final SceneObject target;
        /** Blotch or reflection colour, else null. */
        Palette.Colour extra;
        /** "square" or "round" for a mismatched shadow, else null. */
        String shapeWord;
        /** Silhouette of a mismatched shadow, else null. */
        double[] shadowShape;
        /** Explanation wording. */
        int variant;
        /** Published polygon: clamped to the image and rounded; also what pixel effects paint. */
        double[] polygon;

        Artifact(ArtifactKind kind, SceneObject target) {
            this.kind = kind;
            this.target = target;
        }
    }

    // Shadows fall sideways along the ground and are flattened: x' = x + dir·t·SHADOW_SHEAR, y' = base − t·SHADOW_RISE
    static final double SHADOW_SHEAR = 0.8;
    static final double SHADOW_RISE = 0.3;
    static final double REFLECTION_SQUASH = 0.45;

    final int size;
    final boolean fake;
    final SceneKind kind;
    /** −1: light source on the left, +1: on the right. */
    final int lightSide;
    final double horizon;
    final int skyTop;
    final int skyBottom;
    final int floor;
    final long detailSeed;
    final int summaryVariant;
    final List<SceneObject> objects = new ArrayList<>();
    final List<Artifact> artifacts = new ArrayList<>();

    private Scene(int size, boolean fake, SceneKind kind, int lightSide, double horizon, int skyTop, int skyBottom,
            int floor, long detailSeed, int summaryVariant) {
        this.size = size;
        this.fake = fake;
        this.kind = kind;
        this.lightSide = lightSide;
        this.horizon = horizon;
        this.skyTop = skyTop;
        this.skyBottom = skyBottom;
        this.floor = floor;
        this.detailSeed = detailSeed;
        this.summaryVariant = summaryVariant;
    }

    /**
     * Samples a scene; a fake one carries between {@code minArtifacts} and {@code maxArtifacts}
     * artifacts, each with a polygon of at least a third of the minimum artifact area inside the image.
     */
    static Scene sample(SimConfig cfg, SplittableRandom rng, boolean fake) {
        for (int attempt = 0; attempt < 64; attempt++) {
            Scene s = trySample(cfg, rng, fake);
            if (s != null) {
                return s;
            }
        }
        throw new IllegalStateException("could not place artifacts in 64 attempts; artifactAreaMin "
                + cfg.artifactAreaMin() + " may be too large for the object sizes");
    }

    private static Scene trySample(SimConfig cfg, SplittableRandom rng, boolean fake) {
        int n = cfg.imageSize();
        SceneKind kind = SceneKind.values()[rng.nextInt(SceneKind.values().length)];
        int light = rng.nextBoolean() ? -1 : 1;
        double horizon = n * rng.nextDouble(0.36, 0.44);
        int skyTop;
        int skyBottom;
        if (kind == SceneKind.ROOM) {
            int[] walls = {Canvas.rgb(226, 212, 182), Canvas.rgb(200, 224, 196), Canvas.rgb(196, 210, 232),
                    Canvas.rgb(232, 202, 200)};
            skyBottom = jitter(walls[rng.nextInt(walls.length)], rng, 10);
            skyTop = Canvas.shade(skyBottom, 0.88);
        } else {
            skyTop = jitter(Canvas.rgb(90, 145, 225), rng, 12);
            skyBottom = jitter(Canvas.rgb(185, 212, 240), rng, 10);
        }
        int floor = jitter(switch (kind) {
            case STREET -> Canvas.rgb(118, 118, 124);
            case ROOM -> Canvas.rgb(150, 105, 62);
            case FIELD -> Canvas.rgb(88, 156, 66);
            case BEACH -> Canvas.rgb(226, 202, 150);
        }, rng, 10);
        Scene s = new Scene(n, fake, kind, light, horizon, skyTop, skyBottom, floor, rng.nextLong(),
                rng.nextInt(Math.min(2, cfg.templateVariants())));
        s.placeObjects(cfg, rng);
        Map<SceneObject, Set<ArtifactKind>> applied = new IdentityHashMap<>();
        for (SceneObject o : s.objects) {
            applied.put(o, EnumSet.noneOf(ArtifactKind.class));
        }
        if (fake && !s.planArtifacts(cfg, rng, applied)) {
            return null;
        }
        for (SceneObject o : s.objects) {
            o.build(applied.get(o), light, rng);
        }
        if (fake) {
            for (Artifact a : s.artifacts) {
                if (!s.locate(a, cfg, rng)) {
                    return null;
                }
            }
            // reading order: left to right, then top to bottom
            s.artifacts.sort(Comparator.<Artifact>comparingDouble(a -> Geom.center(a.polygon)[0])
                    .thenComparingDouble(a -> Geom.center(a.polygon)[1]));
        }
        return s;
    }

    private static int jitter(int rgb, SplittableRandom rng, int amount) {
        return Canvas.rgb(((rgb >> 16) & 255) + rng.nextInt(-amount, amount + 1),
                ((rgb >> 8) & 255) + rng.nextInt(-amount, amount + 1), (rgb & 255) + rng.nextInt(-amount, amount + 1));
    }

    /** Two rows (back, front) of up to two objects each; different types; colours that stand out. */
    private void placeObjects(SimConfig cfg, SplittableRandom rng) {
        int count = cfg.minObjects() + rng.nextInt(cfg.maxObjects() - cfg.minObjects() + 1);
        List<ObjectType> types = new ArrayList<>(List.of(ObjectType.values()));
        shuffle(types, rng);
        int back = count <= 2 ? 0 : count == 3 ? 1 + rng.nextInt(2) : 2;
        int front = count - back;
        double yb = size * rng.nextDouble(0.57, 0.62);
        double yf = size * rng.nextDouble(0.88, 0.95);
        double capBack = yb - 0.2 * size;
        double capFront = back > 0 ? yf - yb - 0.02 * size : 0.52 * size;
        int t = 0;
        for (int row = 0; row < 2; row++) {
            int k = row == 0 ? back : front;
            double base = row == 0 ? yb : yf;
            double cap = row == 0 ? capBack : capFront;
            double slotW = (double) size / Math.max(1, k);
            for (int j = 0; j < k; j++) {
                ObjectType type = types.get(t++);
                double maxW = k == 1 ? 0.6 * size : 0.84 * slotW;
                double w = Math.min(maxW, cap * type.aspect) * rng.nextDouble(0.8, 1.0);
                double h = w / type.aspect;
                double slack = Math.max(0, (0.94 * slotW - w) / 2);
                double cx = (j + 0.5) * slotW + rng.nextDouble(-1, 1) * slack;
                objects.add(new SceneObject(type, pickColour(type, rng), cx - w / 2, base - h, w, h));
            }
        }
    }

    private Palette.Colour pickColour(ObjectType type, SplittableRandom rng) {
        List<Palette.Colour> ok = new ArrayList<>();
        for (Palette.Colour c : type.colours) {
            if (Canvas.distance(c.rgb(), floor) > 90 && Canvas.distance(c.rgb(), skyBottom) > 90
                    && Canvas.distance(c.rgb(), skyTop) > 70) {
                ok.add(c);
            }
        }
        List<Palette.Colour> from = ok.isEmpty() ? type.colours : ok;
        return from.get(rng.nextInt(from.size()));
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            Collections.swap(list, i, rng.nextInt(i + 1));
        }
    }

    /** Chooses kinds and targets; phrases stay unique and each object gets at most one part-level change. */
    private boolean planArtifacts(SimConfig cfg, SplittableRandom rng, Map<SceneObject, Set<ArtifactKind>> applied) {
        int k = cfg.minArtifacts() + rng.nextInt(cfg.maxArtifacts() - cfg.minArtifacts() + 1);
        Set<String> phrases = new HashSet<>();
        boolean haveDistortion = false;
        for (int i = 0; i < k; i++) {
            ArtifactKind.Category cat;
            // no fingerprint: every fake needs a pixel-level trace, so the last artifact must be a distortion
            boolean force = cfg.fingerprintStrength() == 0 && i == k - 1 && !haveDistortion;
            if (force) {
                cat = ArtifactKind.Category.DISTORTION;
            } else {
                double u = rng.nextDouble() * (cfg.structureWeight() + cfg.distortionWeight() + cfg.physicsWeight());
                cat = u < cfg.structureWeight() ? ArtifactKind.Category.STRUCTURE
                        : u < cfg.structureWeight() + cfg.distortionWeight() ? ArtifactKind.Category.DISTORTION
                        : ArtifactKind.Category.PHYSICS;
            }
            Artifact a = choose(cat, rng, applied, phrases);
            if (a == null && !force) {
                // nothing of this category fits any object any more: try the others in a fixed order
                for (ArtifactKind.Category other : ArtifactKind.Category.values()) {
                    if (a == null && other != cat) {
                        a = choose(other, rng, applied, phrases);
                    }
                }
            }
            if (a == null) {
                // keep what was planned if it is enough, else let the caller resample the scene
                return i >= cfg.minArtifacts() && (cfg.fingerprintStrength() > 0 || haveDistortion);
            }
            haveDistortion |= a.kind.category == ArtifactKind.Category.DISTORTION;
            a.variant = rng.nextInt(cfg.templateVariants());
            applied.get(a.target).add(a.kind);
            phrases.add(Captions.phrase(a));
            artifacts.add(a);
        }
        return true;
    }

    private Artifact choose(ArtifactKind.Category cat, SplittableRandom rng, Map<SceneObject, Set<ArtifactKind>> applied,
            Set<String> phrases) {
        // prefer the objects with the fewest artifacts so far (stable sort after a shuffle: random ties)
        List<SceneObject> order = new ArrayList<>(objects);
        shuffle(order, rng);
        order.sort(Comparator.comparingInt(o -> applied.get(o).size()));
        for (SceneObject o : order) {
            List<ArtifactKind> options = options(o, cat, applied.get(o), phrases);
            if (!options.isEmpty()) {
                Artifact a = new Artifact(pick(options, rng), o);
                if (a.kind == ArtifactKind.COLOR_BLOTCH) {
                    List<Palette.Colour> cs = new ArrayList<>();
                    for (Palette.Colour c : Palette.BLOTCH) {
                        if (Canvas.distance(c.rgb(), o.colour.rgb()) > 110) {
                            cs.add(c);
                        }
                    }
                    a.extra = cs.get(rng.nextInt(cs.size()));
                } else if (a.kind == ArtifactKind.REFLECTION_MISMATCH) {
                    List<Palette.Colour> cs = new ArrayList<>();
                    for (Palette.Colour c : Palette.REFLECTION) {
                        if (Canvas.distance(c.rgb(), o.colour.rgb()) > 120) {
                            cs.add(c);
                        }
                    }
                    a.extra = cs.get(rng.nextInt(cs.size()));
                } else if (a.kind == ArtifactKind.SHADOW_WRONG_SHAPE) {
                    // clearly not the object's outline: a tall block for round things, a big disc for boxy ones
                    boolean round = o.type == ObjectType.BALL || o.type == ObjectType.TREE || o.type == ObjectType.PERSON;
                    a.shapeWord = round ? "square" : "round";
                    double side = Math.max(o.w, o.h);
                    a.shadowShape = round ? Geom.rect(o.cx() - side / 2, o.base() - side, side, side)
                            : Geom.ellipse(o.cx(), o.base() - side / 2, side / 2, side / 2, 32);
                }
                return a;
            }
        }
        return null;
    }

    /**
     * Weighted choice: the generic melted edge is down-weighted so part-level structure errors stay
     * common, and the object-specific physics kinds are up-weighted against the two shadow kinds.
     */
    private static ArtifactKind pick(List<ArtifactKind> options, SplittableRandom rng) {
        double total = 0;
        for (ArtifactKind k : options) {
            total += weight(k);
        }
        double u = rng.nextDouble() * total;
        for (ArtifactKind k : options) {
            u -= weight(k);
            if (u < 0) {
                return k;
            }
        }
        return options.get(options.size() - 1);
    }

    private static double weight(ArtifactKind k) {
        return switch (k) {
            case MELTED -> 0.4;
            case WRONG_HIGHLIGHT, REFLECTION_MISMATCH -> 2.0;
            default -> 1.0;
        };
    }

    private List<ArtifactKind> options(SceneObject o, ArtifactKind.Category cat, Set<ArtifactKind> done, Set<String> phrases) {
        boolean partChanged = false;
        for (ArtifactKind d : done) {
            partChanged |= d.category == ArtifactKind.Category.STRUCTURE && d.only != null;
        }
        List<ArtifactKind> out = new ArrayList<>();
        for (ArtifactKind k : ArtifactKind.values()) {
            if (k.category != cat || !k.appliesTo(o.type, kind) || done.contains(k)) {
                continue;
            }
            if (partChanged && k.category == ArtifactKind.Category.STRUCTURE && k.only != null) {
                continue;
            }
            if (phrases.contains(Captions.phrase(o.type, k))) {
                continue;
            }
            out.add(k);
        }
        return out;
    }

    /** Computes the published polygon of an artifact (after the objects are built). */
    private boolean locate(Artifact a, SimConfig cfg, SplittableRandom rng) {
        double minArea = cfg.artifactAreaMin() * size * size;
        SceneObject o = a.target;
        if (a.kind.pixelEffect()) {
            for (int tries = 0; tries < 8; tries++) {
                double area = size * size * rng.nextDouble(cfg.artifactAreaMin(), cfg.artifactAreaMax());
                double r = StrictMath.sqrt(area / StrictMath.PI);
                double cx;
                double cy;
                if (a.kind == ArtifactKind.MELTED || a.kind == ArtifactKind.SMEAR) {
                    // on the outline, so the effect bends or blurs an edge
                    double[] outline = o.outline();
                    int v = rng.nextInt(outline.length / 2);
                    cx = outline[2 * v];
                    cy = outline[2 * v + 1];
                } else {
                    cx = o.x + o.w * rng.nextDouble(0.3, 0.7);
                    cy = o.y + o.h * rng.nextDouble(0.3, 0.7);
                }
                double[] p = Geom.publish(Geom.blob(cx, cy, r, rng.nextDouble(0.8, 1.25), 0.3, 28, rng), size);
                if (coveredPixels(p) >= minArea / 3) {
                    a.polygon = p;
                    return true;
                }
            }
            return false;
        }
        double[] raw = switch (a.kind) {
            case SHADOW_TOWARD_LIGHT, SHADOW_WRONG_SHAPE -> Geom.hull(shadowPolygons(o).toArray(new double[0][]));
            case REFLECTION_MISMATCH -> Geom.hull(reflectionPolygons(o).toArray(new double[0][]));
            default -> {
                double[] region = o.regions.get(a.kind);
                if (region == null) {
                    throw new IllegalStateException(a.kind + " left no region on " + o.type);
                }
                yield Geom.scale(region, 1.12);
            }
        };
        double[] p = Geom.publish(Geom.atLeast(raw, minArea), size);
        if (coveredPixels(p) < minArea / 3) {
            return false;
        }
        a.polygon = p;
        return true;
    }

    private int coveredPixels(double[] polygon) {
        int[] n = new int[1];
        PolygonRaster.scan(polygon, size, size, (y, x0, x1) -> n[0] += x1 - x0);
        return n[0];
    }

    private Artifact artifactOn(SceneObject o, ArtifactKind kind) {
        for (Artifact a : artifacts) {
            if (a.target == o && a.kind == kind) {
                return a;
            }
        }
        return null;
    }

    /** The polygons of the shadow {@code o} casts, wrong ones included. */
    List<double[]> shadowPolygons(SceneObject o) {
        Artifact wrongShape = artifactOn(o, ArtifactKind.SHADOW_WRONG_SHAPE);
        int dir = artifactOn(o, ArtifactKind.SHADOW_TOWARD_LIGHT) != null ? lightSide : -lightSide;
        List<double[]> sil = wrongShape != null ? List.of(wrongShape.shadowShape) : o.silhouette();
        double base = o.base();
        List<double[]> out = new ArrayList<>(sil.size());
        for (double[] p : sil) {
            double[] q = new double[p.length];
            for (int i = 0; i < p.length; i += 2) {
                double t = Math.max(0, base - p[i + 1]);
                q[i] = p[i] + dir * t * SHADOW_SHEAR;
                q[i + 1] = base - t * SHADOW_RISE;
            }
            out.add(q);
        }
        return out;
    }

    /** The polygons of {@code o}'s mirror image on a glossy floor. */
    List<double[]> reflectionPolygons(SceneObject o) {
        double base = o.base();
        List<double[]> out = new ArrayList<>();
        for (double[] p : o.silhouette()) {
            double[] q = p.clone();
            for (int i = 1; i < q.length; i += 2) {
                q[i] = base + Math.max(0, base - p[i]) * REFLECTION_SQUASH;
            }
            out.add(q);
        }
        return out;
    }

    /** The wrong-reflection artifact on {@code o}, or null. */
    Artifact wrongReflection(SceneObject o) {
        return artifactOn(o, ArtifactKind.REFLECTION_MISMATCH);
    }
}
