package ai.legion.notebook;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.Verdict;
import ai.legion.eval.metrics.DetectionAccumulator;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.ExplanationSummary;
import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.RenderContext;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.owasp.encoder.Encode;

/**
 * Rich display of LEGION's types in Jupyter through JJava's renderer: the kernel finds this class as an
 * {@link Extension} ({@code META-INF/services}) on the class path examples/notebooks/install-kernel.sh gives it,
 * and a cell's value or {@code display(x)} then shows
 *
 * <ul>
 *   <li>{@link ReportView} (image + report) and {@link ArtifactReport} as HTML: verdict, summary, the overlay (a
 *       report alone: its masks on grey) and the artifacts table;
 *   <li>{@link Verdict} (also inside an {@link Optional}, as {@code report.verdict()} returns it) as a coloured
 *       label and {@code FAKE (p = 0.973)};
 *   <li>{@link BinaryMask} as a PNG, XChart charts as PNG (SVG on request);
 *   <li>{@link Table}, {@link EvalSummary}, {@link EvalResult}, {@link ExplanationSummary} and
 *       {@link DetectionAccumulator.Report} as HTML tables.
 * </ul>
 *
 * <p>A {@code BufferedImage} shows as PNG (as the kernel shows it itself) with {@code [image WxH]} as its text.
 */
public final class LegionDisplay implements Extension {

    /** Registers the renderers with the kernel that loads this extension. */
    @Override
    public void install(BaseKernel kernel) {
        register(kernel.getRenderer());
    }

    /** Registers LEGION's render functions with {@code renderer}. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static void register(Renderer renderer) {
        renderer.createRegistration(ReportView.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.IMAGE_PNG)
                .register((v, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, v::html);
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> pngBase64(v.overlay()));
                });
        renderer.createRegistration(ArtifactReport.class).preferring(MIMEType.TEXT_HTML)
                .supporting(MIMEType.IMAGE_PNG).register((r, ctx) -> {
                    ReportView v = ReportView.masksOnly(r);
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, v::html);
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> pngBase64(v.overlay()));
                });
        renderer.createRegistration(Verdict.class).preferring(MIMEType.TEXT_HTML)
                .register((v, ctx) -> ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> verdictHtml(v)));
        // report.verdict() is an Optional: show what it holds, not "Optional[...]", for LEGION's own types
        renderer.createRegistration(Optional.class).preferring(MIMEType.TEXT_PLAIN).supporting(MIMEType.TEXT_HTML)
                .register((Optional o, RenderContext ctx) -> {
                    if (o.isPresent() && o.get().getClass().getName().startsWith("ai.legion.")) {
                        ctx.getOutputContainer().assign(ctx.getRenderer().render(o.get()));
                    } else {
                        ctx.renderIfRequested(MIMEType.TEXT_PLAIN,
                                () -> o.isPresent() ? String.valueOf(o) : "(empty)");
                    }
                });
        // the kernel's own image renderer leaves BufferedImage's debugging toString as the text form
        renderer.createRegistration(BufferedImage.class).preferring(MIMEType.IMAGE_PNG)
                .register((i, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "[image " + i.getWidth() + "x" + i.getHeight()
                            + "]");
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> pngBase64(i));
                });
        renderer.createRegistration(BinaryMask.class).preferring(MIMEType.IMAGE_PNG)
                .register((m, ctx) -> ctx.renderIfRequested(MIMEType.IMAGE_PNG,
                        () -> pngBase64(MaskImages.toImage(m))));
        renderer.createRegistration(Chart.class).preferring(MIMEType.IMAGE_PNG).supporting(MIMEType.IMAGE_SVG)
                .register((Chart c, RenderContext ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "[chart] " + c.getTitle());
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> chartPng(c));
                    ctx.renderIfRequested(MIMEType.IMAGE_SVG, () -> chartSvg(c));
                });
        renderer.createRegistration(Table.class).preferring(MIMEType.TEXT_HTML)
                .register((t, ctx) -> ctx.renderIfRequested(MIMEType.TEXT_HTML, t::html));
        renderer.createRegistration(EvalSummary.class).preferring(MIMEType.TEXT_HTML)
                .register((s, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> text(Table.of(s)));
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> html(Table.of(s)));
                });
        renderer.createRegistration(EvalResult.class).preferring(MIMEType.TEXT_HTML)
                .register((r, ctx) -> {
                    String head = String.format(Locale.ROOT, "%d images: %d evaluated now, %d from the results file, "
                            + "%d failed", r.results().size(), r.evaluated(), r.resumed(), r.failures().size());
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> head + "\n" + text(Table.of(r.summary())));
                    ctx.renderIfRequested(MIMEType.TEXT_HTML,
                            () -> "<p>" + Encode.forHtml(head) + "</p>" + html(Table.of(r.summary())));
                });
        renderer.createRegistration(ExplanationSummary.class).preferring(MIMEType.TEXT_HTML)
                .register((s, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> Table.explanation(s).toString());
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> Table.explanation(s).html());
                });
        renderer.createRegistration(DetectionAccumulator.Report.class).preferring(MIMEType.TEXT_HTML)
                .register((d, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> Table.detection(d).toString());
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> Table.detection(d).html());
                });
    }

    static String verdictHtml(Verdict v) {
        String color = v.isFake() ? "#c62828" : "#2e7d32";
        return "<span style=\"color:" + color + ";font-weight:bold\">" + v.label() + "</span>"
                + String.format(Locale.ROOT, " (p = %.3f)", v.probability());
    }

    /** The image as PNG in base64, the form Jupyter's {@code image/png} output takes. */
    static String pngBase64(RenderedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer for " + image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed in memory", e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static String chartPng(Chart<?, ?> chart) {
        try {
            return Base64.getEncoder().encodeToString(BitmapEncoder.getBitmapBytes(chart,
                    BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("chart PNG encoding failed in memory", e);
        }
    }

    private static String chartSvg(Chart<?, ?> chart) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException("chart SVG encoding failed in memory", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String html(List<Table> tables) {
        StringBuilder sb = new StringBuilder();
        tables.forEach(t -> sb.append(t.html()));
        return sb.toString();
    }

    private static String text(List<Table> tables) {
        StringBuilder sb = new StringBuilder();
        tables.forEach(t -> sb.append(t).append("\n\n"));
        return sb.toString().stripTrailing();
    }
}
