package ai.legion.core.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Draws an {@link ArtifactReport} over its image, for people: each artifact mask tinted in its own color
 * (alpha {@link Options#alpha()}, default 0.45) with a solid one-pixel outline on the mask's edge pixels,
 * the artifact's number ({@code index + 1}) in a colored tag at its box's top-left corner, a verdict banner
 * on top (only when the report has a verdict) and a legend below the image (number, color swatch, phrase and
 * truncated explanation; "No artifacts found" for an empty report). Pixels of the union mask that belong to
 * no artifact (a {@code [SEG]} without a phrase) are tinted gray.
 *
 * <p>The result is a {@code TYPE_INT_RGB} image (Java notebook kernels display it inline); the input's alpha
 * is ignored. Only off-screen {@code BufferedImage} drawing is used, so it runs with
 * {@code java.awt.headless=true}; without usable system fonts the text falls back to a built-in bitmap font.
 * {@link #layout} tells where each part lands.
 */
public final class Overlay {

    /** The mask colors, cycled: Sasha Trubetskoy's distinct colors, most distinguishable first. */
    public static final List<Integer> PALETTE = List.of(0xE6194B, 0x3CB44B, 0x4363D8, 0xF58231, 0x911EB4, 0x42D4F4,
            0xF032E6, 0xBFEF45, 0xFFE119, 0x469990, 0xDCBEFF, 0x9A6324);
    /** Tint of union pixels outside every artifact mask. */
    public static final int UNION_ONLY_COLOR = 0x9E9E9E;
    /** Legend background. */
    public static final int LEGEND_BACKGROUND = 0xFFFFFF;
    /** Banner background for a FAKE verdict. */
    public static final int FAKE_BANNER = 0xC62828;
    /** Banner background for a REAL verdict. */
    public static final int REAL_BANNER = 0x2E7D32;

    private static final String ELLIPSIS = "...";
    private static volatile Boolean awtTextWorks;

    private Overlay() {}

    /**
     * Rendering options.
     *
     * @param alpha opacity of the mask tint, in [0, 1]
     * @param outlines whether to draw the mask edges in solid color
     * @param labels whether to draw the number tags on the image
     * @param legend whether to append the legend panel
     * @param fontSize text size in pixels; 0 picks one from the output width (12..28)
     * @param maxExplanationChars explanations longer than this are cut (with "...") before fitting the width
     * @param minWidth the output is at least this wide, so the legend stays readable for small images (the image
     *     is then centered)
     * @param builtinFont always use the built-in bitmap font (otherwise only when AWT text rendering fails)
     */
    public record Options(float alpha, boolean outlines, boolean labels, boolean legend, int fontSize,
            int maxExplanationChars, int minWidth, boolean builtinFont) {

        /** alpha 0.45, outlines, labels and legend, automatic font size, 80 characters, 360 px, AWT fonts. */
        public static final Options DEFAULT = new Options(0.45f, true, true, true, 0, 80, 360, false);

        /** Validates the options. */
        public Options {
            if (!(alpha >= 0f && alpha <= 1f)) {
                throw new IllegalArgumentException("alpha must lie in [0, 1], got " + alpha);
            }
            if (fontSize < 0 || maxExplanationChars < 0 || minWidth < 0) {
                throw new IllegalArgumentException("fontSize, maxExplanationChars and minWidth must be >= 0");
            }
        }

        /** A copy with another alpha. */
        public Options withAlpha(float a) {
            return new Options(a, outlines, labels, legend, fontSize, maxExplanationChars, minWidth, builtinFont);
        }

        /** A copy that does or does not force the built-in font. */
        public Options withBuiltinFont(boolean b) {
            return new Options(alpha, outlines, labels, legend, fontSize, maxExplanationChars, minWidth, b);
        }

        /** A copy with or without the legend. */
        public Options withLegend(boolean b) {
            return new Options(alpha, outlines, labels, b, fontSize, maxExplanationChars, minWidth, builtinFont);
        }
    }

    /**
     * Where the parts of a rendering land, in output pixels.
     *
     * @param width output width
     * @param height output height
     * @param image the area the input image is copied to (same size as the input)
     * @param banner the verdict banner, empty without a verdict
     * @param legend the legend panel (full output width, below the image), empty when disabled
     * @param rowHeight height of one legend row; the legend is {@code 2 * padding + (1 + artifacts) * rowHeight}
     * @param padding margin inside the banner and legend
     * @param labels the number tag of each artifact with a non-empty mask, by artifact index (inside {@code image})
     * @param fontSize the text size in pixels
     * @param builtinFont whether the text uses the built-in bitmap font
     */
    public record Layout(int width, int height, BoundingBox image, Optional<BoundingBox> banner,
            Optional<BoundingBox> legend, int rowHeight, int padding, Map<Integer, BoundingBox> labels,
            int fontSize, boolean builtinFont) {

        /** Copies the label map (keeping its order). */
        public Layout {
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }
    }

    /** Renders with {@link Options#DEFAULT}. */
    public static BufferedImage render(BufferedImage image, ArtifactReport report) {
        return render(image, report, Options.DEFAULT);
    }

    /**
     * Renders the report over {@code image}, which must have the report's size.
     *
     * @throws IllegalArgumentException when the image size differs from the report's
     */
    public static BufferedImage render(BufferedImage image, ArtifactReport report, Options options) {
        Objects.requireNonNull(options, "options");
        Layout layout = layout(image, report, options);
        Text text = text(layout);
        BufferedImage out = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        Arrays.fill(px, LEGEND_BACKGROUND);
        BoundingBox ir = layout.image();
        int w = ir.width();
        int h = ir.height();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int base = (ir.y() + y) * layout.width() + ir.x();
            for (int x = 0; x < w; x++) {
                px[base + x] = row[x] & 0xFFFFFF;
            }
        }
        tint(px, layout, report, options);

        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            drawLabels(g, text, layout, report);
            layout.banner().ifPresent(b -> drawBanner(g, text, b, layout.padding(), report.verdict().orElseThrow()));
            layout.legend().ifPresent(l -> drawLegend(g, text, l, layout, report, options));
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The layout {@link #render(BufferedImage, ArtifactReport, Options)} uses for this image and report. */
    public static Layout layout(BufferedImage image, ArtifactReport report, Options options) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(report, "report");
        if (image.getWidth() != report.imageWidth() || image.getHeight() != report.imageHeight()) {
            throw new IllegalArgumentException("image is " + image.getWidth() + "x" + image.getHeight()
                    + " but the report's masks are " + report.imageWidth() + "x" + report.imageHeight());
        }
        int width = Math.max(image.getWidth(), options.minWidth());
        int fontSize = options.fontSize() > 0 ? options.fontSize()
                : Math.max(12, Math.min(28, (int) Math.round(width / 48.0)));
        boolean builtin = options.builtinFont() || !awtTextWorks();
        Text text = builtin ? new BitmapText(fontSize) : new AwtText(fontSize);
        int line = text.lineHeight();
        int pad = Math.max(4, line / 3);
        int bannerH = report.verdict().isPresent() ? line + 2 * pad : 0;
        int rowHeight = line + pad;
        int legendH = options.legend() ? 2 * pad + (1 + report.artifacts().size()) * rowHeight : 0;
        BoundingBox img = new BoundingBox((width - image.getWidth()) / 2, bannerH, image.getWidth(), image.getHeight());
        Map<Integer, BoundingBox> labels = new LinkedHashMap<>();
        if (options.labels()) {
            int lp = Math.max(1, pad / 2);
            for (Artifact a : report.artifacts()) {
                Optional<BoundingBox> box = a.bbox();
                if (box.isEmpty()) {
                    continue;
                }
                String s = Integer.toString(a.index() + 1);
                int bw = Math.min(text.width(s) + 2 * lp, img.width());
                int bh = Math.min(line + 2 * lp, img.height());
                int x = Math.max(0, Math.min(box.get().x(), img.width() - bw));
                int y = Math.max(0, Math.min(box.get().y(), img.height() - bh));
                labels.put(a.index(), new BoundingBox(img.x() + x, img.y() + y, bw, bh));
            }
        }
        Optional<BoundingBox> banner = bannerH > 0 ? Optional.of(new BoundingBox(0, 0, width, bannerH)) : Optional.empty();
        Optional<BoundingBox> legend = legendH > 0
                ? Optional.of(new BoundingBox(0, bannerH + image.getHeight(), width, legendH)) : Optional.empty();
        return new Layout(width, bannerH + image.getHeight() + legendH, img, banner, legend, rowHeight, pad, labels,
                fontSize, builtin);
    }

    /** The color of the artifact at position {@code k} of the report's list. */
    public static int colorOf(int k) {
        return PALETTE.get(Math.floorMod(k, PALETTE.size()));
    }

    private static void tint(int[] px, Layout layout, ArtifactReport report, Options options) {
        BoundingBox ir = layout.image();
        int stride = layout.width();
        float a = options.alpha();
        List<Artifact> arts = report.artifacts();
        BinaryMask covered = report.artifactUnion();
        BinaryMask unionOnly = report.union().andNot(covered);
        blend(px, ir, stride, unionOnly, UNION_ONLY_COLOR, a);
        for (int k = 0; k < arts.size(); k++) {
            blend(px, ir, stride, arts.get(k).mask(), colorOf(k), a);
        }
        if (options.outlines()) {
            for (int k = 0; k < arts.size(); k++) {
                outline(px, ir, stride, arts.get(k).mask(), colorOf(k));
            }
        }
    }

    private static void blend(int[] px, BoundingBox ir, int stride, BinaryMask m, int rgb, float alpha) {
        Optional<BoundingBox> box = m.bbox();
        if (box.isEmpty() || alpha == 0f) {
            return;
        }
        int w = m.width();
        int cr = (rgb >> 16) & 0xFF;
        int cg = (rgb >> 8) & 0xFF;
        int cb = rgb & 0xFF;
        BoundingBox b = box.get();
        for (int y = b.y(); y < b.bottom(); y++) {
            for (int x = b.x(); x < b.right(); x++) {
                if (!m.bit(y * w + x)) {
                    continue;
                }
                int o = (ir.y() + y) * stride + ir.x() + x;
                int p = px[o];
                int r = mix((p >> 16) & 0xFF, cr, alpha);
                int g = mix((p >> 8) & 0xFF, cg, alpha);
                int bl = mix(p & 0xFF, cb, alpha);
                px[o] = (r << 16) | (g << 8) | bl;
            }
        }
    }

    /** {@code round((1 - alpha) * under + alpha * over)}. */
    static int mix(int under, int over, float alpha) {
        return Math.round((1f - alpha) * under + alpha * over);
    }

    /** Solid color on mask pixels with a 4-neighbor outside the mask (or on the image border). */
    private static void outline(int[] px, BoundingBox ir, int stride, BinaryMask m, int rgb) {
        Optional<BoundingBox> box = m.bbox();
        if (box.isEmpty()) {
            return;
        }
        int w = m.width();
        int h = m.height();
        BoundingBox b = box.get();
        for (int y = b.y(); y < b.bottom(); y++) {
            for (int x = b.x(); x < b.right(); x++) {
                int i = y * w + x;
                if (!m.bit(i)) {
                    continue;
                }
                boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || !m.bit(i - 1) || !m.bit(i + 1)
                        || !m.bit(i - w) || !m.bit(i + w);
                if (edge) {
                    px[(ir.y() + y) * stride + ir.x() + x] = rgb;
                }
            }
        }
    }

    private static void drawLabels(Graphics2D g, Text text, Layout layout, ArtifactReport report) {
        BoundingBox ir = layout.image();
        g.setClip(ir.x(), ir.y(), ir.width(), ir.height());
        List<Artifact> arts = report.artifacts();
        for (int k = 0; k < arts.size(); k++) {
            BoundingBox l = layout.labels().get(arts.get(k).index());
            if (l == null) {
                continue;
            }
            int rgb = colorOf(k);
            g.setColor(new Color(rgb));
            g.fillRect(l.x(), l.y(), l.width(), l.height());
            String s = Integer.toString(arts.get(k).index() + 1);
            g.setColor(contrastText(rgb));
            text.draw(g, s, l.x() + (l.width() - text.width(s)) / 2, l.y() + (l.height() - text.lineHeight()) / 2);
        }
        g.setClip(null);
    }

    private static void drawBanner(Graphics2D g, Text text, BoundingBox b, int pad, Verdict v) {
        g.setColor(new Color(v.isFake() ? FAKE_BANNER : REAL_BANNER));
        g.fillRect(b.x(), b.y(), b.width(), b.height());
        g.setColor(Color.WHITE);
        String s = String.format(Locale.ROOT, "Verdict: %s  (p(%s) = %.3f)", v.label(),
                v.label().name().toLowerCase(Locale.ROOT), v.probability());
        g.setClip(b.x(), b.y(), b.width(), b.height());
        text.draw(g, fit(text, s, b.width() - 2 * pad), b.x() + pad, b.y() + pad);
        g.setClip(null);
    }

    private static void drawLegend(Graphics2D g, Text text, BoundingBox l, Layout layout, ArtifactReport report,
            Options options) {
        int pad = layout.padding();
        int rowH = layout.rowHeight();
        int line = text.lineHeight();
        g.setClip(l.x(), l.y(), l.width(), l.height());
        g.setColor(new Color(LEGEND_BACKGROUND));
        g.fillRect(l.x(), l.y(), l.width(), l.height());
        g.setColor(Color.BLACK);
        int top = l.y() + pad;
        List<Artifact> arts = report.artifacts();
        String header = arts.isEmpty() ? "No artifacts found"
                : String.format(Locale.ROOT, "%d artifact%s - %.1f%% of the image", arts.size(),
                        arts.size() == 1 ? "" : "s", 100 * report.artifactAreaFraction());
        text.draw(g, fit(text, header, l.width() - 2 * pad), l.x() + pad, top);
        int numberWidth = 0;
        for (Artifact a : arts) {
            numberWidth = Math.max(numberWidth, text.width((a.index() + 1) + "."));
        }
        for (int k = 0; k < arts.size(); k++) {
            Artifact a = arts.get(k);
            int y = top + (k + 1) * rowH;
            int x = l.x() + pad;
            g.setColor(Color.BLACK);
            text.draw(g, (a.index() + 1) + ".", x, y);
            x += numberWidth + pad;
            int sw = Math.max(4, line - 2);
            g.setColor(new Color(colorOf(k)));
            g.fillRect(x, y + (line - sw) / 2, sw, sw);
            g.setColor(Color.DARK_GRAY);
            g.drawRect(x, y + (line - sw) / 2, sw - 1, sw - 1);
            x += sw + pad;
            String expl = a.explanation();
            if (expl.length() > options.maxExplanationChars()) {
                expl = expl.substring(0, options.maxExplanationChars()).stripTrailing() + ELLIPSIS;
            }
            String s = a.phrase() + (expl.isEmpty() ? "" : ": " + expl) + (a.hasMask() ? "" : " (no mask)");
            g.setColor(Color.BLACK);
            text.draw(g, fit(text, s, l.right() - pad - x), x, y);
        }
        g.setClip(null);
    }

    /** The longest prefix of {@code s} (with "..." when cut) that fits {@code maxWidth} pixels. */
    static String fit(Text text, String s, int maxWidth) {
        if (text.width(s) <= maxWidth) {
            return s;
        }
        int lo = 0;
        int hi = s.length();
        while (lo < hi) { // largest n with width(prefix(n) + "...") <= maxWidth
            int mid = (lo + hi + 1) >>> 1;
            if (text.width(s.substring(0, mid).stripTrailing() + ELLIPSIS) <= maxWidth) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == 0) {
            return text.width(ELLIPSIS) <= maxWidth ? ELLIPSIS : "";
        }
        return s.substring(0, lo).stripTrailing() + ELLIPSIS;
    }

    private static Color contrastText(int rgb) {
        double lum = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
        return lum > 150 ? Color.BLACK : Color.WHITE;
    }

    private static Text text(Layout layout) {
        return layout.builtinFont() ? new BitmapText(layout.fontSize()) : new AwtText(layout.fontSize());
    }

    /** Whether Graphics2D text works in this JVM (fonts present); probed once. */
    static boolean awtTextWorks() {
        Boolean ok = awtTextWorks;
        if (ok == null) {
            try {
                BufferedImage probe = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = probe.createGraphics();
                try {
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                    FontMetrics fm = g.getFontMetrics();
                    ok = fm.stringWidth("0") > 0 && fm.getHeight() > 0;
                    g.drawString("0", 0, 8);
                } finally {
                    g.dispose();
                }
            } catch (RuntimeException | LinkageError | InternalError e) {
                // no fontconfig / font files: Font2D lookup fails inside AWT
                ok = false;
            }
            awtTextWorks = ok;
        }
        return ok;
    }

    /** Text measuring and drawing, with AWT fonts or the built-in bitmap font. */
    interface Text {
        int width(String s);

        int lineHeight();

        /** Draws {@code s} with its line box's top-left corner at {@code (x, top)} in the current color. */
        void draw(Graphics2D g, String s, int x, int top);
    }

    /** A logical sans-serif AWT font. */
    static final class AwtText implements Text {
        private final Font font;
        private final FontMetrics fm;

        AwtText(int size) {
            font = new Font(Font.SANS_SERIF, Font.PLAIN, size);
            BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scratch.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                fm = g.getFontMetrics(font);
            } finally {
                g.dispose();
            }
        }

        @Override
        public int width(String s) {
            return fm.stringWidth(s);
        }

        @Override
        public int lineHeight() {
            return fm.getAscent() + fm.getDescent();
        }

        @Override
        public void draw(Graphics2D g, String s, int x, int top) {
            g.setFont(font);
            g.drawString(s, x, top + fm.getAscent());
        }
    }

    /** The built-in 3x5 font, scaled so a line is about {@code size} pixels. */
    static final class BitmapText implements Text {
        private final BitmapFont font;

        BitmapText(int size) {
            font = new BitmapFont(Math.max(1, Math.round(size / (float) BitmapFont.LINE)));
        }

        @Override
        public int width(String s) {
            return font.width(s);
        }

        @Override
        public int lineHeight() {
            return font.lineHeight();
        }

        @Override
        public void draw(Graphics2D g, String s, int x, int top) {
            font.draw(g, s, x, top);
        }
    }
}
