package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OverlayTest {

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
        assertTrue(GraphicsEnvironment.isHeadless(), "the overlay must work without a display");
    }

    /** A noisy RGB picture (so a tint cannot hide in a flat color). */
    private static BufferedImage picture(int w, int h, long seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Random rnd = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt(0x1000000));
            }
        }
        return img;
    }

    private static boolean inside(BoundingBox b, int x, int y) {
        return x >= b.x() && x < b.right() && y >= b.y() && y < b.bottom();
    }

    private static boolean interior(BinaryMask m, int x, int y) {
        return x > 0 && y > 0 && x < m.width() - 1 && y < m.height() - 1 && m.get(x, y) && m.get(x - 1, y)
                && m.get(x + 1, y) && m.get(x, y - 1) && m.get(x, y + 1);
    }

    private static void assertBlend(int under, int color, int out, float alpha, String where) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int expected = Math.round((1 - alpha) * ((under >> shift) & 0xFF) + alpha * ((color >> shift) & 0xFF));
            assertEquals(expected, (out >> shift) & 0xFF, 1, where + " channel " + shift);
        }
    }

    @Test
    void masksAreTintedAndEverythingElseIsUnchanged() {
        for (boolean builtin : new boolean[] {false, true}) {
            ArtifactReport r = SampleReports.rich();
            BufferedImage img = picture(r.imageWidth(), r.imageHeight(), 1);
            Overlay.Options opt = Overlay.Options.DEFAULT.withBuiltinFont(builtin);
            BufferedImage out = Overlay.render(img, r, opt);
            Overlay.Layout lay = Overlay.layout(img, r, opt);
            assertEquals(BufferedImage.TYPE_INT_RGB, out.getType());
            assertEquals(lay.width(), out.getWidth());
            assertEquals(lay.height(), out.getHeight());
            BoundingBox ir = lay.image();
            assertEquals(r.imageWidth(), ir.width());
            assertEquals(lay.banner().orElseThrow().bottom(), ir.y(), "image right below the banner");

            BinaryMask union = r.union().or(r.artifactUnion());
            int unchanged = 0;
            int tinted = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int ox = ir.x() + x;
                    int oy = ir.y() + y;
                    int o = out.getRGB(ox, oy) & 0xFFFFFF;
                    int in = img.getRGB(x, y) & 0xFFFFFF;
                    boolean label = lay.labels().values().stream().anyMatch(b -> inside(b, ox, oy));
                    if (label) {
                        continue;
                    }
                    if (!union.get(x, y)) {
                        assertEquals(in, o, "pixel outside every mask at " + x + "," + y);
                        unchanged++;
                        continue;
                    }
                    for (int k = 0; k < r.artifacts().size(); k++) {
                        BinaryMask m = r.artifacts().get(k).mask();
                        if (interior(m, x, y)) {
                            assertBlend(in, Overlay.colorOf(k), o, 0.45f, "artifact " + k + " at " + x + "," + y);
                            tinted++;
                        } else if (m.get(x, y)) {
                            assertEquals(Overlay.colorOf(k), o, "outline of artifact " + k + " at " + x + "," + y);
                        }
                    }
                    if (!r.artifactUnion().get(x, y)) {
                        assertBlend(in, Overlay.UNION_ONLY_COLOR, o, 0.45f, "union-only pixel " + x + "," + y);
                    }
                }
            }
            assertTrue(unchanged > img.getWidth() * img.getHeight() / 2, "most pixels untouched: " + unchanged);
            assertTrue(tinted > 400, "interior pixels checked: " + tinted);
            assertEquals(2, lay.labels().size(), "tags for the two artifacts with masks");
            BoundingBox tag = lay.labels().get(0);
            assertEquals(ir.x() + 10, tag.x(), "tag at the box's top-left corner");
            assertEquals(ir.y() + 8, tag.y());
            assertEquals(Overlay.colorOf(0), out.getRGB(tag.x(), tag.y()) & 0xFFFFFF, "tag background");
        }
    }

    @Test
    void bannerAndLegendHaveTheDocumentedSize() {
        ArtifactReport r = SampleReports.rich();
        BufferedImage img = picture(r.imageWidth(), r.imageHeight(), 2);
        Overlay.Layout lay = Overlay.layout(img, r, Overlay.Options.DEFAULT);
        // minimum width 360 > 96: the image is centered
        assertEquals(360, lay.width());
        assertEquals((360 - 96) / 2, lay.image().x());
        BoundingBox legend = lay.legend().orElseThrow();
        assertEquals(0, legend.x());
        assertEquals(lay.width(), legend.width());
        assertEquals(lay.image().bottom(), legend.y(), "legend right below the image");
        assertEquals(2 * lay.padding() + (1 + 3) * lay.rowHeight(), legend.height());
        assertEquals(lay.height(), legend.bottom());
        BoundingBox banner = lay.banner().orElseThrow();
        assertEquals(0, banner.y());
        assertTrue(banner.height() >= lay.rowHeight(), "banner holds a line of text");

        BufferedImage out = Overlay.render(img, r);
        // the banner is the FAKE color with white text on it
        int bannerColor = 0;
        int white = 0;
        for (int y = banner.y(); y < banner.bottom(); y++) {
            for (int x = 0; x < banner.width(); x++) {
                int p = out.getRGB(x, y) & 0xFFFFFF;
                bannerColor += p == Overlay.FAKE_BANNER ? 1 : 0;
                white += p == 0xFFFFFF ? 1 : 0;
            }
        }
        assertTrue(bannerColor > banner.width() * banner.height() / 2, "banner background");
        assertTrue(white > 20, "verdict text drawn: " + white);
        // each legend row has its artifact's color swatch and some dark text
        for (int k = 0; k < 3; k++) {
            int y0 = legend.y() + lay.padding() + (k + 1) * lay.rowHeight();
            int color = Overlay.colorOf(k);
            assertTrue(count(out, 0, y0, legend.width(), lay.rowHeight(), p -> p == color) > 9,
                    "swatch of artifact " + k);
            assertTrue(count(out, 0, y0, legend.width(), lay.rowHeight(), p -> dark(p)) > 10, "text of row " + k);
        }
        // the area beside the centered image is plain background
        assertEquals(Overlay.LEGEND_BACKGROUND, out.getRGB(0, lay.image().y() + 5) & 0xFFFFFF);
    }

    @Test
    void emptyReportLeavesTheImageUnchangedAndSaysSo() {
        for (boolean builtin : new boolean[] {false, true}) {
            BufferedImage img = picture(400, 120, 3);
            ArtifactReport r = ArtifactReport.builder("e.png", 400, 120).build();
            Overlay.Options opt = Overlay.Options.DEFAULT.withBuiltinFont(builtin);
            BufferedImage out = Overlay.render(img, r, opt);
            Overlay.Layout lay = Overlay.layout(img, r, opt);
            assertTrue(lay.banner().isEmpty(), "no verdict, no banner");
            assertEquals(0, lay.image().x());
            assertEquals(0, lay.image().y());
            assertEquals(400, out.getWidth());
            for (int y = 0; y < 120; y++) {
                for (int x = 0; x < 400; x++) {
                    assertEquals(img.getRGB(x, y) & 0xFFFFFF, out.getRGB(x, y) & 0xFFFFFF);
                }
            }
            BoundingBox legend = lay.legend().orElseThrow();
            assertEquals(2 * lay.padding() + lay.rowHeight(), legend.height(), "one row: 'No artifacts found'");
            assertEquals(120 + legend.height(), out.getHeight());
            int ink = count(out, 0, legend.y(), legend.width(), legend.height(), OverlayTest::dark);
            assertTrue(ink > 30, "the legend has text: " + ink);
        }
    }

    @Test
    void builtinFontDrawsTheDigitsItPromises() {
        // '1' in the 3x5 font, scale 2: column 1 of every row plus the base; check the ink pattern exactly
        BufferedImage canvas = new BufferedImage(8, 14, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = canvas.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        new BitmapFont(2).draw(g, "1", 0, 0);
        g.dispose();
        String glyph = BitmapFont.glyph('1');
        assertEquals("010110010010111", glyph);
        for (int row = 0; row < 5; row++) {
            for (int col = 0; col < 3; col++) {
                boolean ink = glyph.charAt(row * 3 + col) == '1';
                int p = canvas.getRGB(col * 2 + 1, (row + 1) * 2 + 1) & 0xFFFFFF;
                assertEquals(ink ? 0xFFFFFF : 0, p, "row " + row + " col " + col);
            }
        }
        assertEquals(BitmapFont.glyph('?'), BitmapFont.glyph('~'), "unknown characters draw as '?'");
        assertEquals(BitmapFont.glyph('A'), BitmapFont.glyph('a'));
    }

    @Test
    void textIsFittedToTheWidth() {
        Overlay.Text t = new Overlay.BitmapText(14); // scale 2: 8 px per character
        assertEquals("abc", Overlay.fit(t, "abc", 24));
        assertEquals("abcd...", Overlay.fit(t, "abcdefghij", 56));
        assertEquals("...", Overlay.fit(t, "abcdefghij", 30));
        assertEquals("", Overlay.fit(t, "abcdefghij", 10));
    }

    @Test
    void notebookFriendlyAndValidated() {
        ArtifactReport r = SampleReports.rich();
        assertThrows(IllegalArgumentException.class, () -> Overlay.render(picture(95, 64, 4), r));
        assertThrows(IllegalArgumentException.class, () -> Overlay.Options.DEFAULT.withAlpha(1.5f));
        // alpha 0 and no outlines/labels: the picture is untouched even inside masks
        BufferedImage img = picture(96, 64, 5);
        Overlay.Options plain = new Overlay.Options(0f, false, false, false, 0, 80, 0, true);
        BufferedImage out = Overlay.render(img, r, plain);
        Overlay.Layout lay = Overlay.layout(img, r, plain);
        assertFalse(lay.legend().isPresent());
        assertEquals(lay.banner().orElseThrow().height() + 64, out.getHeight());
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 96; x++) {
                assertEquals(img.getRGB(x, y) & 0xFFFFFF, out.getRGB(x, lay.image().y() + y) & 0xFFFFFF);
            }
        }
        // palette colors are distinct and cycle
        assertEquals(List.copyOf(new java.util.LinkedHashSet<>(Overlay.PALETTE)), Overlay.PALETTE);
        assertEquals(Overlay.colorOf(0), Overlay.colorOf(Overlay.PALETTE.size()));
    }

    private static boolean dark(int rgb) {
        return ((rgb >> 16) & 0xFF) < 100 && ((rgb >> 8) & 0xFF) < 100 && (rgb & 0xFF) < 100;
    }

    private static int count(BufferedImage img, int x0, int y0, int w, int h, java.util.function.IntPredicate p) {
        int n = 0;
        for (int y = y0; y < Math.min(y0 + h, img.getHeight()); y++) {
            for (int x = x0; x < Math.min(x0 + w, img.getWidth()); x++) {
                if (p.test(img.getRGB(x, y) & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }
}
