package ai.legion.notebook;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BoundingBox;
import ai.legion.eval.metrics.DetectionAccumulator;
import ai.legion.eval.metrics.LocalizationSummary;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.ExplanationSummary;
import ai.legion.eval.runner.LocalizationResults;
import ai.legion.train.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.owasp.encoder.Encode;

/**
 * A titled table of text cells; a notebook shows it as an HTML table, {@link #toString()} as aligned text.
 *
 * @param title the caption ("" for none)
 * @param headers the column names
 * @param rows the rows, each as long as {@code headers}
 */
public record Table(String title, List<String> headers, List<List<String>> rows) {

    /** Validates the row lengths and copies the lists. */
    public Table {
        Objects.requireNonNull(title, "title");
        headers = List.copyOf(headers);
        List<List<String>> copy = new ArrayList<>(rows.size());
        for (List<String> row : rows) {
            if (row.size() != headers.size()) {
                throw new IllegalArgumentException("table '" + title + "': a row has " + row.size() + " cells, the "
                        + "header " + headers.size() + " " + headers);
            }
            copy.add(List.copyOf(row));
        }
        rows = List.copyOf(copy);
    }

    /** The artifacts of a report: number (as on the overlay), phrase, explanation, area, box and mask score. */
    public static Table artifacts(ArtifactReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (Artifact a : report.artifacts()) {
            rows.add(List.of(Integer.toString(a.index() + 1), a.phrase(), a.explanation(), percent(a.areaFraction()),
                    a.bbox().map(Table::box).orElse("-"), fixed(a.score())));
        }
        return new Table("Artifacts of " + ReportView.displayName(report.source()),
                List.of("#", "phrase", "explanation", "area", "box (x, y, w, h)", "score"), rows);
    }

    /**
     * Overall localization metrics against the two trivial baselines of the same run.
     *
     * @throws IllegalArgumentException when the run scored no localization
     */
    public static Table localization(EvalSummary summary) {
        if (summary.localization() == null) {
            throw new IllegalArgumentException("the evaluation scored no localization (tasks " + summary.tasks()
                    + ", " + summary.images() + " images, " + summary.failed() + " failed)");
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(locRow("model", summary.localization().all()));
        rows.add(locRow("empty mask", summary.emptyMask().all()));
        rows.add(locRow("full mask", summary.fullMask().all()));
        return new Table("Localization (" + summary.localization().all().count() + " images)", LOC_HEADERS, rows);
    }

    /** Localization metrics per group value of every dimension (e.g. per content type). */
    public static Table localizationByGroup(LocalizationResults results) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, LocalizationSummary>> dim : results.byDimension().entrySet()) {
            for (Map.Entry<String, LocalizationSummary> g : dim.getValue().entrySet()) {
                rows.add(locRow(dim.getKey() + " = " + g.getKey(), g.getValue()));
            }
        }
        return new Table("Localization by group", LOC_HEADERS, rows);
    }

    private static final List<String> LOC_HEADERS = List.of("", "images", "mIoU", "IoU", "F1", "gIoU", "cIoU");

    private static List<String> locRow(String name, LocalizationSummary s) {
        return List.of(name, Integer.toString(s.count()), fixed(s.miou()), fixed(s.iou()), fixed(s.f1()),
                fixed(s.giou()), fixed(s.ciou()));
    }

    /** Explanation quality: ROUGE-L (F, precision, recall), CSS when computed, the constant-caption baseline. */
    public static Table explanation(ExplanationSummary s) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("model", Integer.toString(s.count()), fixed(s.rougeL()), fixed(s.precision()),
                fixed(s.recall()), s.cssCount() > 0 ? fixed(s.css()) : "-"));
        rows.add(List.of("constant caption", Integer.toString(s.count()), fixed(s.constantCaptionRougeL()), "-", "-",
                "-"));
        return new Table("Explanation (" + s.count() + " images)", List.of("", "images", "ROUGE-L", "precision",
                "recall", "CSS"), rows);
    }

    /** Detection per generator and pooled, at the report's threshold. */
    public static Table detection(DetectionAccumulator.Report report) {
        List<List<String>> rows = new ArrayList<>();
        report.perGenerator().forEach((g, r) -> rows.add(detRow(g, r)));
        rows.add(detRow("pooled", report.pooled()));
        return new Table(String.format(Locale.ROOT, "Detection (p(fake) > %.2f is fake)", report.threshold()),
                List.of("", "images", "real", "fake", "accuracy", "real acc.", "fake acc.", "AP", "ROC AUC", "EER"),
                rows);
    }

    private static List<String> detRow(String name, DetectionAccumulator.Result r) {
        return List.of(name, Integer.toString(r.count()), Integer.toString(r.reals()), Integer.toString(r.fakes()),
                fixed(r.accuracy()), fixed(r.realAccuracy()), fixed(r.fakeAccuracy()), fixed(r.averagePrecision()),
                fixed(r.rocAuc()), fixed(r.eer()));
    }

    /** The tables of a summary for the tasks it scored (an unscored task has no summary part). */
    public static List<Table> of(EvalSummary summary) {
        List<Table> out = new ArrayList<>();
        if (summary.localization() != null) {
            out.add(localization(summary));
            if (!summary.localization().byDimension().isEmpty()) {
                out.add(localizationByGroup(summary.localization()));
            }
        }
        if (summary.explanation() != null) {
            out.add(explanation(summary.explanation()));
        }
        if (summary.detection() != null) {
            out.add(detection(summary.detection()));
        }
        if (out.isEmpty()) {
            out.add(new Table("No image scored", List.of("images", "failed"),
                    List.of(List.of(Integer.toString(summary.images()), Integer.toString(summary.failed())))));
        }
        return out;
    }

    /** One row per optimizer step of a training run: loss and its parts, learning rate, throughput. */
    public static Table steps(List<StepMetrics> history) {
        List<List<String>> rows = new ArrayList<>();
        for (StepMetrics m : history) {
            rows.add(List.of(Long.toString(m.step()), fixed(m.loss()), fixed(m.ce()), fixed(m.bce()), fixed(m.dice()),
                    String.format(Locale.ROOT, "%.2e", m.lr()), fixed(m.gradNorm()),
                    String.format(Locale.ROOT, "%.2f", m.samplesPerSecond())));
        }
        return new Table("Training steps", List.of("step", "loss", "CE", "BCE", "Dice", "lr", "grad norm",
                "samples/s"), rows);
    }

    /** The table as an HTML {@code <table>}; every cell is escaped. */
    public String html() {
        StringBuilder sb = new StringBuilder("<table class=\"legion-table\">");
        if (!title.isEmpty()) {
            sb.append("<caption style=\"text-align:left;font-weight:bold\">").append(Encode.forHtml(title))
                    .append("</caption>");
        }
        sb.append("<thead><tr>");
        for (String h : headers) {
            sb.append("<th style=\"text-align:left\">").append(Encode.forHtml(h)).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            sb.append("<tr>");
            for (String cell : row) {
                sb.append("<td style=\"text-align:left\">").append(Encode.forHtml(cell)).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    /** The table as aligned plain text (title, header, rows), for consoles and text-only front ends. */
    @Override
    public String toString() {
        int[] widths = new int[headers.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = headers.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        if (!title.isEmpty()) {
            sb.append(title).append('\n');
        }
        line(sb, headers, widths);
        for (List<String> row : rows) {
            line(sb, row, widths);
        }
        return sb.toString().stripTrailing();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] widths) {
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            sb.append(cell).append(" ".repeat(widths[c] - cell.length()));
            sb.append(c + 1 < cells.size() ? "  " : "");
        }
        sb.append('\n');
    }

    static String fixed(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String box(BoundingBox b) {
        return b.x() + ", " + b.y() + ", " + b.width() + ", " + b.height();
    }
}
