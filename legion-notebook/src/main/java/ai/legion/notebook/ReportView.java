package ai.legion.notebook;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.Overlay;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.Objects;
import org.owasp.encoder.Encode;

/**
 * A report with the image it describes; a notebook shows it as the overlay (the masks on the image, numbered)
 * above the verdict and the table of artifacts. A report alone ({@link LegionDisplay}) shows its masks on a
 * neutral background instead.
 *
 * @param image the analyzed image, at the size the report's masks have
 * @param report the analyzer's report
 */
public record ReportView(BufferedImage image, ArtifactReport report) {

    /** Overlays narrower than this are enlarged (nearest neighbour) so small images stay readable inline. */
    public static final int MIN_DISPLAY_WIDTH = 384;

    private static final int NEUTRAL = 0x808080;

    /**
     * Checks that the image has the report's size.
     *
     * @throws IllegalArgumentException when the sizes differ (the report was made for another image)
     */
    public ReportView {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(report, "report");
        if (image.getWidth() != report.imageWidth() || image.getHeight() != report.imageHeight()) {
            throw new IllegalArgumentException("image is " + image.getWidth() + "x" + image.getHeight()
                    + " but the report of " + report.source() + " is for " + report.imageWidth() + "x"
                    + report.imageHeight());
        }
    }

    /** A view of a report's masks alone, on a neutral grey image of the report's size. */
    public static ReportView masksOnly(ArtifactReport report) {
        BufferedImage grey = new BufferedImage(report.imageWidth(), report.imageHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grey.createGraphics();
        try {
            g.setColor(new Color(NEUTRAL));
            g.fillRect(0, 0, grey.getWidth(), grey.getHeight());
        } finally {
            g.dispose();
        }
        return new ReportView(grey, report);
    }

    /**
     * The overlay without its legend (the table carries the explanations uncut). An image narrower than
     * {@link #MIN_DISPLAY_WIDTH} is first enlarged by a whole factor, image and masks alike (nearest neighbour),
     * so that the numbers and the verdict banner are drawn at a readable size rather than scaled up with it.
     */
    public BufferedImage overlay() {
        Overlay.Options options = Overlay.Options.DEFAULT.withLegend(false);
        int factor = (MIN_DISPLAY_WIDTH + image.getWidth() - 1) / image.getWidth();
        if (factor <= 1) {
            return Overlay.render(image, report, options);
        }
        return Overlay.render(enlarge(image, factor), enlarge(report, factor), options);
    }

    private static BufferedImage enlarge(BufferedImage image, int factor) {
        BufferedImage big = new BufferedImage(image.getWidth() * factor, image.getHeight() * factor,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(image, 0, 0, big.getWidth(), big.getHeight(), null);
        } finally {
            g.dispose();
        }
        return big;
    }

    /** The report with every mask enlarged by {@code factor} (each pixel becomes a factor x factor block). */
    private static ArtifactReport enlarge(ArtifactReport r, int factor) {
        ArtifactReport.Builder b = ArtifactReport.builder(r.source(), r.imageWidth() * factor,
                r.imageHeight() * factor).verdict(r.verdict().orElse(null)).summary(r.summary())
                .union(enlarge(r.union(), factor));
        for (Artifact a : r.artifacts()) {
            b.addArtifact(new Artifact(a.index(), a.phrase(), a.explanation(), enlarge(a.mask(), factor), a.score()));
        }
        return b.build();
    }

    private static BinaryMask enlarge(BinaryMask m, int factor) {
        int w = m.width() * factor;
        boolean[] px = new boolean[w * m.height() * factor];
        for (int y = 0; y < m.height() * factor; y++) {
            for (int x = 0; x < w; x++) {
                px[y * w + x] = m.get(x / factor, y / factor);
            }
        }
        return BinaryMask.fromBooleans(px, m.height() * factor, w);
    }

    /** The last part of a source path ({@code a/b/c.png} gives {@code c.png}), for headings and chart labels. */
    static String displayName(String source) {
        int cut = Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\'));
        return cut >= 0 && cut < source.length() - 1 ? source.substring(cut + 1) : source;
    }

    /** The HTML a notebook shows: the verdict line, the summary, the overlay and the artifacts table. */
    public String html() {
        StringBuilder sb = new StringBuilder("<div class=\"legion-report\">");
        sb.append("<p><b>").append(Encode.forHtml(displayName(report.source()))).append("</b> ")
                .append(report.imageWidth()).append('\u00d7').append(report.imageHeight()).append(" \u2014 ");
        report.verdict().ifPresentOrElse(v -> sb.append(LegionDisplay.verdictHtml(v)), () -> sb.append("no verdict"));
        sb.append(String.format(Locale.ROOT, " \u2014 %d artifact%s covering %.1f%% of the image</p>",
                report.artifacts().size(), report.artifacts().size() == 1 ? "" : "s",
                100 * report.artifactAreaFraction()));
        if (!report.summary().isEmpty()) {
            sb.append("<p>").append(Encode.forHtml(report.summary())).append("</p>");
        }
        BufferedImage o = overlay();
        sb.append("<img alt=\"overlay of ").append(Encode.forHtmlAttribute(report.source())).append("\" width=\"")
                .append(o.getWidth()).append("\" src=\"data:image/png;base64,").append(LegionDisplay.pngBase64(o))
                .append("\"/>");
        if (!report.artifacts().isEmpty()) {
            sb.append(Table.artifacts(report).html());
        }
        return sb.append("</div>").toString();
    }

    /** The report's readable summary ({@link ArtifactReport#toString()}). */
    @Override
    public String toString() {
        return report.toString();
    }
}
