package ai.legion.notebook;

import ai.legion.core.report.ArtifactReport;
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
     * The overlay without its legend (the table carries the explanations uncut), enlarged to at least
     * {@link #MIN_DISPLAY_WIDTH} pixels wide by a whole factor.
     */
    public BufferedImage overlay() {
        BufferedImage o = Overlay.render(image, report, Overlay.Options.DEFAULT.withLegend(false));
        int factor = (MIN_DISPLAY_WIDTH + o.getWidth() - 1) / o.getWidth();
        if (factor <= 1) {
            return o;
        }
        BufferedImage big = new BufferedImage(o.getWidth() * factor, o.getHeight() * factor,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(o, 0, 0, big.getWidth(), big.getHeight(), null);
        } finally {
            g.dispose();
        }
        return big;
    }

    /** The HTML a notebook shows: the verdict line, the summary, the overlay and the artifacts table. */
    public String html() {
        StringBuilder sb = new StringBuilder("<div class=\"legion-report\">");
        sb.append("<p><b>").append(Encode.forHtml(report.source())).append("</b> ").append(report.imageWidth())
                .append('\u00d7').append(report.imageHeight()).append(" \u2014 ");
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
