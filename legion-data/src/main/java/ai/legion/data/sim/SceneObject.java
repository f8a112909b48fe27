package ai.legion.data.sim;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One object of a scene: its bounding box (standing on the ground line {@code y + h}) and, once
 * {@link #build built}, the coloured part polygons drawn in order, plus for each structural artifact
 * kind applied to it the outline of the affected parts (before enlargement to the minimum area).
 */
final class SceneObject {

    /** A filled polygon of an object, drawn in list order. */
    record Part(double[] polygon, int rgb) {
    }

    final ObjectType type;
    final Palette.Colour colour;
    final double x;
    final double y;
    final double w;
    final double h;
    final List<Part> parts = new ArrayList<>();
    final Map<ArtifactKind, double[]> regions = new EnumMap<>(ArtifactKind.class);

    SceneObject(ObjectType type, Palette.Colour colour, double x, double y, double w, double h) {
        this.type = type;
        this.colour = colour;
        this.x = x;
        this.y = y;
        this.w = w;
        this.h = h;
    }

    double base() {
        return y + h;
    }

    double cx() {
        return x + w / 2;
    }

    /** All part polygons (the silhouette a shadow or reflection is cast from). */
    List<double[]> silhouette() {
        List<double[]> out = new ArrayList<>(parts.size());
        for (Part p : parts) {
            out.add(p.polygon());
        }
        return out;
    }

    /** Convex outline of all parts. */
    double[] outline() {
        return Geom.hull(silhouette().toArray(new double[0][]));
    }

    private void add(double[] polygon, int rgb) {
        parts.add(new Part(polygon, rgb));
    }

    /**
     * Builds the parts with the given structural kinds applied.
     *
     * @param kinds kinds applied to this object (only those that change its geometry matter here)
     * @param lightSide -1 when the light is on the left, +1 on the right
     */
    void build(Set<ArtifactKind> kinds, int lightSide, SplittableRandom rng) {
        parts.clear();
        regions.clear();
        switch (type) {
            case BALL -> buildBall(kinds, lightSide, rng);
            case BOX -> buildBox(kinds, lightSide, rng);
            case HOUSE -> buildHouse(kinds, rng);
            case TREE -> buildTree(kinds, lightSide);
            case PERSON -> buildPerson(kinds, rng);
            case CAR -> buildCar(kinds, rng);
            case SIGN -> buildSign(kinds, rng);
            default -> throw new IllegalStateException("unknown object type " + type);
        }
    }

    private void buildBall(Set<ArtifactKind> kinds, int light, SplittableRandom rng) {
        double cx = cx();
        double cy = y + h / 2;
        double r = w / 2;
        int c = colour.rgb();
        if (kinds.contains(ArtifactKind.LUMPY_OUTLINE)) {
            double[] body = Geom.blob(cx, cy, r * 0.93, 1.0, 0.45, 48, rng);
            add(body, c);
            regions.put(ArtifactKind.LUMPY_OUTLINE, Geom.hull(body));
        } else {
            add(Geom.ellipse(cx, cy, r, r, 48), Canvas.shade(c, 0.78));
            add(Geom.ellipse(cx + light * 0.1 * r, cy - 0.1 * r, 0.86 * r, 0.86 * r, 48), c);
        }
        double hx = kinds.contains(ArtifactKind.WRONG_HIGHLIGHT) ? cx - light * 0.42 * r : cx + light * 0.4 * r;
        double hy = kinds.contains(ArtifactKind.WRONG_HIGHLIGHT) ? cy + 0.4 * r : cy - 0.4 * r;
        double[] spot = Geom.ellipse(hx, hy, 0.24 * r, 0.17 * r, 20);
        add(spot, Canvas.tint(c, 0.8));
        regions.put(ArtifactKind.WRONG_HIGHLIGHT, Geom.ellipse(hx, hy, 0.45 * r, 0.4 * r, 20));
    }

    private void buildBox(Set<ArtifactKind> kinds, int light, SplittableRandom rng) {
        double d = 0.22 * w;
        double dx = -light * d; // the side face looks away from the light
        double fx0 = dx > 0 ? x : x + d;
        double fw = w - d;
        double top = y + d;
        double bottom = y + h;
        int c = colour.rgb();
        double ex = dx > 0 ? fx0 + fw : fx0;
        add(Geom.poly(fx0, top, fx0 + fw, top, fx0 + fw + dx, y, fx0 + dx, y), Canvas.tint(c, 0.3));
        add(Geom.poly(ex, top, ex + dx, y, ex + dx, bottom - d, ex, bottom), Canvas.shade(c, 0.65));
        if (kinds.contains(ArtifactKind.MISSING_CORNER)) {
            double q = 0.42 * fw;
            double qy = 0.42 * (bottom - top);
            boolean left = rng.nextBoolean();
            double[] face;
            double[] notch;
            if (left) {
                face = Geom.poly(fx0, top, fx0 + fw, top, fx0 + fw, bottom, fx0 + q, bottom, fx0 + q, bottom - qy, fx0,
                        bottom - qy);
                notch = Geom.rect(fx0, bottom - qy, q, qy);
            } else {
                face = Geom.poly(fx0, top, fx0 + fw, top, fx0 + fw, bottom - qy, fx0 + fw - q, bottom - qy,
                        fx0 + fw - q, bottom, fx0, bottom);
                notch = Geom.rect(fx0 + fw - q, bottom - qy, q, qy);
            }
            add(face, c);
            regions.put(ArtifactKind.MISSING_CORNER, notch);
        } else {
            add(Geom.rect(fx0, top, fw, bottom - top), c);
        }
        // packing tape across the front face
        add(Geom.rect(fx0 + fw * 0.45, top, fw * 0.1, (bottom - top) * 0.35), Canvas.shade(c, 0.85));
    }

    private void buildHouse(Set<ArtifactKind> kinds, SplittableRandom rng) {
        double rh = 0.38 * h;
        double bodyTop = y + rh;
        int c = colour.rgb();
        double[] roof = Geom.poly(x, bodyTop, x + w, bodyTop, x + w / 2, y);
        if (kinds.contains(ArtifactKind.BROKEN_ROOF)) {
            double gap = 0.09 * h;
            bodyTop += gap;
            double side = rng.nextBoolean() ? 1 : -1;
            roof = Geom.poly(x + 0.04 * w, y + rh - 0.02 * h, x + w * 0.96, y + rh + 0.02 * h, x + w / 2 + side * 0.34 * w,
                    y + 0.02 * h);
            roof = Geom.rotate(roof, x + w / 2, y + rh * 0.6, side * 0.22);
            regions.put(ArtifactKind.BROKEN_ROOF, Geom.hull(roof, Geom.rect(x + 0.07 * w, y + rh - 0.02 * h, 0.86 * w, gap + 0.04 * h)));
        }
        double bh = y + h - bodyTop;
        add(Geom.rect(x + 0.07 * w, bodyTop, 0.86 * w, bh), c);
        add(roof, Palette.ROOF);
        double ws = 0.2 * w;
        double wy = bodyTop + 0.14 * bh;
        double[] wx = {x + 0.2 * w, x + 0.6 * w};
        int odd = kinds.contains(ArtifactKind.ODD_WINDOW) ? rng.nextInt(2) : -1;
        double t = Math.max(1.0, 0.025 * w);
        for (int i = 0; i < 2; i++) {
            if (i == odd) {
                double[] normal = Geom.rect(wx[i], wy, ws, ws);
                double[] win = switch (rng.nextInt(3)) {
                    case 0 -> Geom.ellipse(wx[i] + ws / 2, wy + ws * 0.6, ws * 0.75, ws * 0.75, 24);
                    case 1 -> Geom.rect(wx[i] - ws * 0.15, wy - ws * 0.05, ws * 0.7, ws * 1.6);
                    default -> Geom.rotate(Geom.rect(wx[i], wy, ws * 1.3, ws * 1.1), wx[i] + ws / 2, wy + ws / 2, 0.45);
                };
                add(win, Canvas.rgb(250, 165, 60));
                regions.put(ArtifactKind.ODD_WINDOW, Geom.hull(normal, win));
            } else {
                add(Geom.rect(wx[i], wy, ws, ws), Palette.GLASS);
                add(Geom.rect(wx[i] + ws / 2 - t / 2, wy, t, ws), Palette.FRAME);
                add(Geom.rect(wx[i], wy + ws / 2 - t / 2, ws, t), Palette.FRAME);
            }
        }
        double dw = 0.18 * w;
        double dh = 0.42 * bh;
        double dx = x + 0.41 * w;
        if (kinds.contains(ArtifactKind.FLOATING_DOOR)) {
            double lift = 0.38 * bh;
            double[] door = Geom.rect(dx, y + h - dh - lift, dw, dh);
            add(door, Palette.DOOR);
            regions.put(ArtifactKind.FLOATING_DOOR, Geom.rect(dx - 0.03 * w, y + h - dh - lift, dw + 0.06 * w, dh + lift));
        } else {
            add(Geom.rect(dx, y + h - dh, dw, dh), Palette.DOOR);
        }
    }

    private void buildTree(Set<ArtifactKind> kinds, int light) {
        double cx = cx();
        double tw = 0.16 * w;
        int c = colour.rgb();
        double[] crown;
        if (kinds.contains(ArtifactKind.FLOATING_CROWN)) {
            crown = Geom.ellipse(cx, y + 0.24 * h, 0.46 * w, 0.24 * h, 36);
            add(Geom.rect(cx - tw / 2, y + 0.74 * h, tw, 0.26 * h), Palette.TRUNK);
            regions.put(ArtifactKind.FLOATING_CROWN, Geom.rect(cx - 0.3 * w, y + 0.36 * h, 0.6 * w, 0.46 * h));
        } else if (kinds.contains(ArtifactKind.SPLIT_TRUNK)) {
            crown = Geom.ellipse(cx, y + 0.32 * h, 0.5 * w, 0.32 * h, 36);
            double[] a = Geom.segment(cx - 0.05 * w, y + h, cx - 0.36 * w, y + 0.5 * h, tw * 0.85);
            double[] b = Geom.segment(cx + 0.05 * w, y + h, cx + 0.36 * w, y + 0.5 * h, tw * 0.85);
            add(a, Palette.TRUNK);
            add(b, Palette.TRUNK);
            regions.put(ArtifactKind.SPLIT_TRUNK, Geom.hull(a, b));
        } else {
            crown = Geom.ellipse(cx, y + 0.32 * h, 0.5 * w, 0.32 * h, 36);
            add(Geom.rect(cx - tw / 2, y + 0.5 * h, tw, 0.5 * h), Palette.TRUNK);
        }
        add(crown, Canvas.shade(c, 0.8));
        double[] cc = Geom.center(crown);
        add(Geom.scale(Geom.translate(crown, light * 0.08 * w, -0.04 * h), 0.7), c);
        // a few leaf clusters
        add(Geom.ellipse(cc[0] + light * 0.18 * w, cc[1] - 0.1 * h, 0.1 * w, 0.06 * h, 16), Canvas.tint(c, 0.25));
    }

    private void buildPerson(Set<ArtifactKind> kinds, SplittableRandom rng) {
        double cx = cx();
        double hr = 0.11 * h;
        int skin = Palette.SKIN[rng.nextInt(Palette.SKIN.length)];
        int c = colour.rgb();
        double armT = 0.075 * h;
        double legT = 0.09 * h;
        double side = rng.nextBoolean() ? 1 : -1;
        add(Geom.segment(cx - 0.1 * w, y + 0.58 * h, cx - 0.22 * w, y + h - legT / 2, legT), Palette.PANTS);
        add(Geom.segment(cx + 0.1 * w, y + 0.58 * h, cx + 0.22 * w, y + h - legT / 2, legT), Palette.PANTS);
        if (kinds.contains(ArtifactKind.EXTRA_LEG)) {
            double[] leg = Geom.segment(cx + side * 0.14 * w, y + 0.58 * h, cx + side * 0.5 * w, y + h - legT / 2, legT);
            add(leg, Palette.PANTS);
            regions.put(ArtifactKind.EXTRA_LEG, Geom.hull(leg));
        }
        add(Geom.rect(cx - 0.2 * w, y + 0.22 * h, 0.4 * w, 0.4 * h), c);
        for (int s = -1; s <= 1; s += 2) {
            double[] arm = Geom.segment(cx + s * 0.2 * w, y + 0.27 * h, cx + s * 0.47 * w, y + 0.55 * h, armT);
            if (kinds.contains(ArtifactKind.MISSING_ARM) && s == side) {
                regions.put(ArtifactKind.MISSING_ARM, Geom.hull(arm));
                continue;
            }
            add(arm, c);
            add(Geom.ellipse(cx + s * 0.47 * w, y + 0.56 * h, armT * 0.6, armT * 0.6, 12), skin);
        }
        if (kinds.contains(ArtifactKind.EXTRA_ARM)) {
            double[] arm = Geom.segment(cx + side * 0.18 * w, y + 0.3 * h, cx + side * 0.5 * w, y + 0.08 * h, armT);
            add(arm, c);
            add(Geom.ellipse(cx + side * 0.5 * w, y + 0.07 * h, armT * 0.6, armT * 0.6, 12), skin);
            regions.put(ArtifactKind.EXTRA_ARM, Geom.hull(arm));
        }
        double[] head = Geom.ellipse(cx, y + hr + 0.005 * h, hr, hr, 28);
        add(head, skin);
        if (kinds.contains(ArtifactKind.DOUBLE_HEAD)) {
            double[] second = Geom.ellipse(cx + side * 0.3 * w, y + hr + 0.03 * h, hr * 0.9, hr * 0.9, 28);
            add(second, skin);
            regions.put(ArtifactKind.DOUBLE_HEAD, Geom.hull(head, second));
        }
        // hair
        add(Geom.ellipse(cx, y + 0.3 * hr, hr * 0.95, hr * 0.4, 20), Palette.BLACK.rgb());
    }

    private void buildCar(Set<ArtifactKind> kinds, SplittableRandom rng) {
        int c = colour.rgb();
        double r = 0.2 * h;
        add(Geom.poly(x + 0.18 * w, y + 0.4 * h, x + 0.3 * w, y + 0.04 * h, x + 0.68 * w, y + 0.04 * h, x + 0.82 * w,
                y + 0.4 * h), c);
        add(Geom.poly(x + 0.24 * w, y + 0.37 * h, x + 0.33 * w, y + 0.1 * h, x + 0.65 * w, y + 0.1 * h, x + 0.76 * w,
                y + 0.37 * h), Palette.GLASS);
        add(Geom.rect(x + 0.485 * w, y + 0.08 * h, 0.03 * w, 0.3 * h), c);
        add(Geom.rect(x, y + 0.38 * h, w, 0.42 * h), c);
        boolean frontRight = rng.nextBoolean();
        add(Geom.rect(frontRight ? x + 0.95 * w : x, y + 0.46 * h, 0.05 * w, 0.1 * h), Palette.HEADLIGHT);
        double wy = y + 0.8 * h;
        double[] wx = {x + 0.2 * w, x + 0.8 * w};
        int special = rng.nextInt(2);
        for (int i = 0; i < 2; i++) {
            if (i == special && kinds.contains(ArtifactKind.MISSING_WHEEL)) {
                regions.put(ArtifactKind.MISSING_WHEEL, Geom.ellipse(wx[i], wy, r * 1.35, r * 1.35, 24));
                continue;
            }
            if (i == special && kinds.contains(ArtifactKind.DEFORMED_WHEEL)) {
                double[] sq = Geom.rotate(Geom.rect(wx[i] - 0.95 * r, wy - 0.95 * r, 1.9 * r, 1.9 * r), wx[i], wy, 0.3);
                add(sq, Palette.WHEEL);
                add(Geom.scale(sq, 0.45), Palette.HUB);
                regions.put(ArtifactKind.DEFORMED_WHEEL, Geom.scale(sq, 1.25));
                continue;
            }
            add(Geom.ellipse(wx[i], wy, r, r, 24), Palette.WHEEL);
            add(Geom.ellipse(wx[i], wy, r * 0.45, r * 0.45, 16), Palette.HUB);
        }
        if (kinds.contains(ArtifactKind.EXTRA_WHEEL)) {
            double ex = x + 0.5 * w;
            add(Geom.ellipse(ex, wy, r, r, 24), Palette.WHEEL);
            add(Geom.ellipse(ex, wy, r * 0.45, r * 0.45, 16), Palette.HUB);
            regions.put(ArtifactKind.EXTRA_WHEEL, Geom.ellipse(ex, wy, r * 1.35, r * 1.35, 24));
        }
    }

    private void buildSign(Set<ArtifactKind> kinds, SplittableRandom rng) {
        int c = colour.rgb();
        double cx = cx();
        double boardH = 0.58 * h;
        double pw = 0.1 * w;
        if (kinds.contains(ArtifactKind.BENT_POST)) {
            double s = rng.nextBoolean() ? 1 : -1;
            double[] a = Geom.segment(cx, y + boardH, cx + s * 0.28 * w, y + 0.7 * h, pw);
            double[] b = Geom.segment(cx + s * 0.28 * w, y + 0.7 * h, cx - s * 0.22 * w, y + 0.86 * h, pw);
            double[] d = Geom.segment(cx - s * 0.22 * w, y + 0.86 * h, cx, y + h - pw / 2, pw);
            add(a, Palette.POST);
            add(b, Palette.POST);
            add(d, Palette.POST);
            regions.put(ArtifactKind.BENT_POST, Geom.hull(a, b, d));
        } else {
            add(Geom.rect(cx - pw / 2, y + boardH, pw, h - boardH), Palette.POST);
        }
        add(Geom.rect(x, y, w, boardH), Canvas.shade(c, 0.55));
        add(Geom.rect(x + 0.04 * w, y + 0.04 * w, w - 0.08 * w, boardH - 0.08 * w), c);
        int luma = (299 * ((c >> 16) & 255) + 587 * ((c >> 8) & 255) + 114 * (c & 255)) / 1000;
        int ink = luma > 140 ? Canvas.rgb(30, 30, 30) : Canvas.rgb(245, 245, 245);
        boolean garbled = kinds.contains(ArtifactKind.GARBLED_TEXT);
        double gh = 0.075 * h;
        double gw = 0.05 * w;
        double left = x + 0.12 * w;
        double right = x + 0.88 * w;
        double[] rows = {0.1, 0.24, 0.38};
        for (double ry : rows) {
            double gx = left;
            double limit = right - rng.nextDouble(0, 0.3) * w;
            while (gx + gw <= limit) {
                int word = 2 + rng.nextInt(4);
                for (int k = 0; k < word && gx + gw <= limit; k++) {
                    double cw = gw * rng.nextDouble(0.6, 1.1);
                    if (garbled) {
                        double sx = rng.nextDouble(0.5, 2.0);
                        double sy = rng.nextDouble(0.4, 2.3);
                        double[] g = Geom.rect(gx, y + ry * h + rng.nextDouble(-0.05, 0.05) * h, cw * sx, gh * sy);
                        g = Geom.rotate(g, gx, y + ry * h, rng.nextDouble(-0.9, 0.9));
                        int col = rng.nextInt(3) == 0 ? ink : Palette.BLOTCH.get(rng.nextInt(Palette.BLOTCH.size())).rgb();
                        add(g, col);
                    } else {
                        add(Geom.rect(gx, y + ry * h, cw, gh), ink);
                    }
                    gx += cw + 0.02 * w;
                }
                gx += 0.06 * w;
            }
        }
        if (garbled) {
            regions.put(ArtifactKind.GARBLED_TEXT, Geom.rect(x + 0.06 * w, y + 0.05 * h, 0.88 * w, 0.48 * h));
        }
    }
}
