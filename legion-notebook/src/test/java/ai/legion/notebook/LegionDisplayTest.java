package ai.legion.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.Verdict;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;

class LegionDisplayTest {

    /** A 128 x 64 report: artifact 1 covers the 32 x 16 block at (8, 4) (1/16 of the image), artifact 2 is empty. */
    private static ArtifactReport report() {
        boolean[] px = new boolean[128 * 64];
        for (int y = 4; y < 20; y++) {
            for (int x = 8; x < 40; x++) {
                px[y * 128 + x] = true;
            }
        }
        return ArtifactReport.builder("scene <1>.png", 128, 64).verdict(Verdict.fromLogits(1f, 0f))
                .summary("I have found: a ball.")
                .addArtifact(new Artifact(0, "the ball", "its shadow points <toward> the light",
                        BinaryMask.fromBooleans(px, 64, 128), 0.875f))
                .addArtifact(new Artifact(1, "the sky", "", BinaryMask.empty(64, 128), 0.25f)).build();
    }

    private static Renderer renderer() {
        Renderer r = new Renderer();
        LegionDisplay.register(r);
        return r;
    }

    private static BufferedImage png(Object base64) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64.toString())));
    }

    @Test
    void verdictAndItsOptionalReadAsLabelAndProbability() {
        // softmax([1, 0])[0] = e / (e + 1) = 0.7311
        Verdict v = Verdict.fromLogits(1f, 0f);
        assertEquals("FAKE (p = 0.731)", v.toString());
        DisplayData d = renderer().render(Optional.of(v));
        assertEquals("FAKE (p = 0.731)", d.getData(MIMEType.TEXT_PLAIN));
        assertTrue(d.getData(MIMEType.TEXT_HTML).toString().contains(">FAKE</span> (p = 0.731)"));
        assertEquals("(empty)", renderer().render(Optional.empty()).getData(MIMEType.TEXT_PLAIN));
        // other Optionals keep their usual form
        assertEquals("Optional[3]", renderer().render(Optional.of(3)).getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void reportReadsAsTextWithoutRecordSyntax() {
        assertEquals("scene <1>.png 128x64: FAKE (p = 0.731), 2 artifacts covering 6.3% of the image\n"
                + "  #1 \"the ball\": its shadow points <toward> the light [area 6.3%, box 8,4 32x16, score 0.88]\n"
                + "  #2 \"the sky\" [area 0.0%, score 0.25]", report().toString());
    }

    @Test
    void reportViewIsHtmlWithAnEnlargedOverlayAndAnEscapedTable() throws IOException {
        ArtifactReport r = report();
        BufferedImage image = new BufferedImage(128, 64, BufferedImage.TYPE_INT_RGB);
        DisplayData d = renderer().render(new ReportView(image, r));
        String html = d.getData(MIMEType.TEXT_HTML).toString();
        assertTrue(html.contains("<td style=\"text-align:left\">its shadow points &lt;toward&gt; the light</td>"),
                html);
        assertTrue(html.contains("<td style=\"text-align:left\">6.3%</td>"), html);
        assertTrue(html.contains("<td style=\"text-align:left\">8, 4, 32, 16</td>"), html);
        assertFalse(html.contains("<toward>"), "model text must be escaped");
        int at = html.indexOf("base64,") + "base64,".length();
        BufferedImage overlay = png(html.substring(at, html.indexOf('"', at)));
        // a 128-px image and its masks are enlarged 3x (384 px >= MIN_DISPLAY_WIDTH) before the overlay is drawn
        assertEquals(3 * 128, overlay.getWidth());
        assertEquals(new ReportView(image, r).overlay().getHeight(), overlay.getHeight());
        assertThrows(IllegalArgumentException.class, () -> new ReportView(new BufferedImage(64, 64,
                BufferedImage.TYPE_INT_RGB), r));
    }

    @Test
    void reportAloneShowsItsMasksAndMaskShowsAsPng() throws IOException {
        DisplayData d = renderer().render(report());
        assertTrue(d.getData(MIMEType.TEXT_HTML).toString().contains("<img alt=\"overlay of scene &lt;1"));
        BufferedImage mask = png(renderer().render(report().artifacts().get(0).mask()).getData(MIMEType.IMAGE_PNG));
        assertEquals(128, mask.getWidth());
        assertEquals(64, mask.getHeight());
        assertEquals(0xFFFFFF, mask.getRGB(8, 4) & 0xFFFFFF);
        assertEquals(0, mask.getRGB(7, 4) & 0xFFFFFF);
        DisplayData image = renderer().render(new BufferedImage(128, 64, BufferedImage.TYPE_INT_RGB));
        assertEquals("[image 128x64]", image.getData(MIMEType.TEXT_PLAIN));
        assertEquals(128, png(image.getData(MIMEType.IMAGE_PNG)).getWidth());
    }

    @Test
    void chartsRenderAsPngAndSvgOnRequest() throws IOException {
        DisplayData d = renderer().render(Charts.artifactAreas(report()));
        BufferedImage chart = png(d.getData(MIMEType.IMAGE_PNG));
        assertEquals(Charts.WIDTH, chart.getWidth());
        assertEquals(Charts.HEIGHT, chart.getHeight());
        assertNull(d.getData(MIMEType.IMAGE_SVG));
        String svg = renderer().renderAs(Charts.artifactAreas(report()), "image/svg+xml").getData(MIMEType.IMAGE_SVG)
                .toString();
        assertTrue(svg.contains("<svg"), svg.substring(0, Math.min(200, svg.length())));
        LossPlot plot = new LossPlot("t");
        assertNotNull(png(renderer().render(plot.chart()).getData(MIMEType.IMAGE_PNG)));
    }

    @Test
    void tablesKeepTheirShapeAndAlignAsText() {
        Table t = Table.artifacts(report());
        assertEquals(List.of("#", "phrase", "explanation", "area", "box (x, y, w, h)", "score"), t.headers());
        assertEquals(List.of("2", "the sky", "", "0.0%", "-", "0.250"), t.rows().get(1));
        assertEquals("Artifacts of scene <1>.png", t.toString().lines().findFirst().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> new Table("x", List.of("a", "b"), List.of(List.of("1"))));
    }
}
