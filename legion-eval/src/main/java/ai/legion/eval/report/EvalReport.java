package ai.legion.eval.report;

import static ai.legion.eval.runner.ResultsFile.number;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.text.SafeText;
import ai.legion.data.ValidationReport;
import ai.legion.eval.grounding.GroundingSummary;
import ai.legion.eval.metrics.DetectionAccumulator;
import ai.legion.eval.metrics.LocalizationSummary;
import ai.legion.eval.robust.Metric;
import ai.legion.eval.robust.RobustnessTable;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.ExplanationSummary;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.LocalizationResults;
import ai.legion.eval.runner.Task;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The report of an evaluation: a self-contained XHTML page ({@value #HTML}: tables in the layout of the
 * paper's Tables 2, 3, 5 and 10 next to the trivial baselines and the paper's numbers, inline SVG charts, a
 * gallery of the best and worst images with ground-truth vs predicted masks and explanation pairs, the
 * failures), a Markdown summary ({@value #MARKDOWN}) and the machine-readable aggregate ({@value #JSON}, all
 * values as fractions in [0, 1] except CSS).
 *
 * <pre>{@code
 * EvalReport.builder().title("scars-sim").summary(result.summary()).results(result.results()).write(outDir);
 * }</pre>
 */
public final class EvalReport {

    /** The HTML report's file name. */
    public static final String HTML = "report.html";
    /** The Markdown summary's file name. */
    public static final String MARKDOWN = "report.md";
    /** The JSON aggregate's file name. */
    public static final String JSON = "report.json";

    private static final String CSS = "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;"
            + "margin:24px auto;max-width:1100px;color:#222;line-height:1.4}"
            + "table{border-collapse:collapse;margin:8px 0 4px}caption{text-align:left;font-weight:600;padding:4px 0}"
            + "th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}td{text-align:right}"
            + "thead th{background:#f2f2f2}tbody th{text-align:left;font-weight:normal}"
            + ".note{color:#666;font-size:12px;margin:2px 0 14px}.chart{margin:6px 12px 6px 0}"
            + ".ct{font-size:13px;font-weight:600}.cl,.tick,.cat{font-size:11px;fill:#333}"
            + ".grid{stroke:#e4e4e4}.axis{stroke:#555}.ref{stroke:#d62728;stroke-dasharray:4 3}"
            + ".cards{display:flex;flex-wrap:wrap;gap:12px}.card{margin:0;border:1px solid #ddd;padding:6px;max-width:520px}"
            + ".card img{max-width:100%}figcaption{font-size:12px}.lbl{font-weight:600;color:#555}"
            + "h2{border-bottom:1px solid #ddd;padding-bottom:2px;margin-top:28px}";

    private final Builder b;

    private EvalReport(Builder b) {
        this.b = b;
    }

    /** Configures a report. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The files written.
     *
     * @param html the HTML report
     * @param markdown the Markdown summary
     * @param json the JSON aggregate
     */
    public record Files(Path html, Path markdown, Path json) {}

    /** Settings of a report: a summary (or a robustness table) is required. */
    public static final class Builder {
        private String title = "LEGION evaluation";
        private String dataset = "";
        private String source = "";
        private EvalSummary summary;
        private List<ImageResult> results = List.of();
        private RobustnessTable robustness;
        private int gallery = 6;
        private boolean stemming = true;
        private final Map<String, String> facts = new LinkedHashMap<>();
        private ImageLoader loader = new ImageLoader();

        private Builder() {}

        /** The page title. */
        public Builder title(String value) {
            this.title = Objects.requireNonNull(value);
            return this;
        }

        /** What was evaluated (e.g. {@code scars-sim test}); used as the "all" column name. */
        public Builder dataset(String value) {
            this.dataset = Objects.requireNonNull(value);
            return this;
        }

        /** What made the predictions (model folder, predictions path); the run's row label. */
        public Builder source(String value) {
            this.source = Objects.requireNonNull(value);
            return this;
        }

        /** The aggregate (the clean run's for a robustness report; default: the table's clean row). */
        public Builder summary(EvalSummary value) {
            this.summary = value;
            return this;
        }

        /** Per-image results (gallery and failures; the clean run's for a robustness report). */
        public Builder results(List<ImageResult> value) {
            this.results = List.copyOf(value);
            return this;
        }

        /** A robustness sweep to show as Table 10. */
        public Builder robustness(RobustnessTable value) {
            this.robustness = value;
            return this;
        }

        /** Whether the run's ROUGE-L used Porter stemming (default true; only the table note says it). */
        public Builder stemming(boolean value) {
            this.stemming = value;
            return this;
        }

        /** Best and worst images shown (default 6 each; 0: no gallery). */
        public Builder gallery(int n) {
            this.gallery = Math.max(0, n);
            return this;
        }

        /** An extra line of the overview table. */
        public Builder fact(String key, String value) {
            facts.put(key, value);
            return this;
        }

        /** Decoding options for gallery images. */
        public Builder imageOptions(ImageLoader.Options options) {
            this.loader = new ImageLoader(options);
            return this;
        }

        /** The report. */
        public EvalReport build() {
            if (summary == null && robustness != null) {
                summary = robustness.clean().summary();
            }
            if (summary == null) {
                throw new IllegalArgumentException("a report needs a summary or a robustness table");
            }
            return new EvalReport(this);
        }

        /** Builds and writes the three files into {@code dir} (created if needed). */
        public Files write(Path dir) throws IOException {
            return build().write(dir);
        }
    }

    /** Writes {@value #HTML}, {@value #MARKDOWN} and {@value #JSON} into {@code dir}, each atomically. */
    public Files write(Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        Files f = new Files(dir.resolve(HTML), dir.resolve(MARKDOWN), dir.resolve(JSON));
        writeText(f.html(), html());
        writeText(f.markdown(), markdown());
        writeText(f.json(), json());
        return f;
    }

    private static void writeText(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            IoUtils.writeAtomically(file, bytes);
        } catch (CheckpointException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private String runLabel() {
        return b.source.isEmpty() ? "this run" : "this run (" + b.source + ")";
    }

    private String allLabel() {
        return b.dataset.isEmpty() ? "All" : "All (" + b.dataset + ")";
    }

    private Map<String, String> overview() {
        EvalSummary s = b.summary;
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dataset", b.dataset);
        m.put("predictions", b.source);
        m.put("tasks", String.join(", ", s.tasks().stream().map(Task::shortName).toList()));
        m.put("images", s.images() + " (" + s.scored() + " scored, " + s.failed() + " failed)");
        if (s.skipped().count() > 0) {
            ValidationReport.Issue first = s.skipped().examples().isEmpty() ? null : s.skipped().examples().get(0);
            m.put("records skipped by the reader", s.skipped().line()
                    + (first == null ? "" : "; first: " + first.recordId() + ": " + first.message()));
        }
        m.putAll(b.facts);
        m.put("written", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return m;
    }

    /** The tables in page order. */
    private List<Table> tables() {
        EvalSummary s = b.summary;
        List<Table> out = new ArrayList<>();
        out.add(ReportTables.overview(overview()));
        if (s.localization() != null) {
            out.add(ReportTables.localization(s, runLabel(), allLabel(), null));
            for (String dim : ReportTables.dimensions(s)) {
                out.add(ReportTables.localization(s, runLabel(), allLabel(), dim));
            }
            out.add(ReportTables.localizationDetails(s, runLabel()));
            out.add(ReportTables.paperTable2());
        }
        if (s.explanation() != null) {
            out.add(ReportTables.explanation(s, runLabel(), b.dataset.isEmpty() ? "" : b.dataset, b.stemming));
            out.add(ReportTables.paperTable3());
            if (s.grounding() != null) {
                out.add(ReportTables.grounding(s, runLabel(), b.dataset.isEmpty() ? "" : b.dataset));
            }
        }
        if (s.detection() != null) {
            out.add(ReportTables.detection(s));
            out.add(ReportTables.paperTable5());
        }
        if (b.robustness != null) {
            out.add(ReportTables.robustness(b.robustness));
            out.add(ReportTables.paperTable10());
        }
        return out;
    }

    /** The Markdown summary. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(Table.md(b.title)).append("\n\n");
        for (Table t : tables()) {
            sb.append(t.markdown());
        }
        if (b.summary.failed() > 0) {
            sb.append(ReportTables.failures(b.results, 20).markdown());
        }
        return sb.toString();
    }

    /** The self-contained XHTML page. */
    public String html() {
        EvalSummary s = b.summary;
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>").append(SafeText.forHtml(b.title))
                .append("</title>\n<style>").append(CSS).append("</style>\n</head>\n<body>\n<h1>")
                .append(SafeText.forHtml(b.title)).append("</h1>\n");
        List<Table> tables = tables();
        sb.append(tables.get(0).html());
        int i = 1;
        if (s.localization() != null) {
            sb.append("<section id=\"localization\">\n<h2>Localization</h2>\n");
            while (i < tables.size() && (tables.get(i).id().startsWith("table2") || tables.get(i).id()
                    .equals("localization-details"))) {
                sb.append(tables.get(i++).html());
            }
            sb.append(localizationCharts(s));
            sb.append(tables.get(i++).html()); // paper Table 2
            sb.append("</section>\n");
        }
        if (s.explanation() != null) {
            sb.append("<section id=\"explanation\">\n<h2>Explanation</h2>\n").append(tables.get(i++).html());
            sb.append(explanationCharts(s));
            sb.append(tables.get(i++).html()).append("</section>\n");
            if (s.grounding() != null) {
                sb.append("<section id=\"grounding\">\n<h2>Grounding</h2>\n").append(tables.get(i++).html())
                        .append("</section>\n");
            }
        }
        if (s.detection() != null) {
            sb.append("<section id=\"detection\">\n<h2>Detection</h2>\n").append(tables.get(i++).html());
            sb.append(detectionChart(s.detection(), s.alwaysFake()));
            sb.append(tables.get(i++).html()).append("</section>\n");
        }
        if (b.robustness != null) {
            sb.append("<section id=\"robustness\">\n<h2>Robustness</h2>\n").append(tables.get(i++).html());
            sb.append(robustnessChart(b.robustness)).append(tables.get(i++).html()).append("</section>\n");
        }
        if (b.gallery > 0 && !b.results.isEmpty()) {
            List<List<ImageResult>> sel = Gallery.select(b.results, b.gallery);
            if (!sel.get(0).isEmpty() || !sel.get(1).isEmpty()) {
                String by = s.localization() != null ? "mIoU" : "ROUGE-L";
                sb.append("<section id=\"gallery\">\n<h2>Gallery</h2>\n<p class=\"note\">Each strip: the image, the ground "
                        + "truth (green) and the prediction (red). Ranked by per-image ").append(by).append(".</p>\n");
                sb.append("<h3>Best</h3>\n<div class=\"cards\">\n");
                sel.get(0).forEach(r -> sb.append(Gallery.card(r, b.loader)));
                sb.append("</div>\n<h3>Worst</h3>\n<div class=\"cards\">\n");
                sel.get(1).forEach(r -> sb.append(Gallery.card(r, b.loader)));
                sb.append("</div>\n</section>\n");
            }
        }
        if (s.failed() > 0) {
            sb.append("<section id=\"failures\">\n<h2>Failures</h2>\n").append(ReportTables.failures(b.results, 50).html())
                    .append("</section>\n");
        }
        sb.append("<p class=\"note\">Written by legion-eval. Metrics: upstream LEGION conventions (docs/EVAL.md); the "
                + "paper's numbers are shown for reference only.</p>\n</body>\n</html>\n");
        return sb.toString();
    }

    private String localizationCharts(EvalSummary s) {
        StringBuilder sb = new StringBuilder();
        List<String> cats = List.of("mIoU", "F1", "IoU", "gIoU");
        List<SvgChart.Series> series = new ArrayList<>();
        String[] names = {"this run", "empty mask", "full mask"};
        LocalizationResults[] sets = {s.localization(), s.emptyMask(), s.fullMask()};
        for (int k = 0; k < sets.length; k++) {
            LocalizationSummary a = sets[k].all();
            series.add(new SvgChart.Series(names[k], new double[] {100 * a.miou(), 100 * a.f1(), 100 * a.iou(),
                    100 * a.giou()}));
        }
        sb.append(SvgChart.bars("Localization vs trivial baselines (×100)", cats, series, 100, "%.0f", "%.2f", Double.NaN));
        for (String dim : ReportTables.dimensions(s)) {
            Map<String, LocalizationSummary> g = s.localization().byDimension().get(dim);
            List<String> groups = ReportTables.groupOrder(g);
            double[] miou = new double[groups.size()];
            double[] f1 = new double[groups.size()];
            for (int k = 0; k < groups.size(); k++) {
                miou[k] = 100 * g.get(groups.get(k)).miou();
                f1[k] = 100 * g.get(groups.get(k)).f1();
            }
            sb.append(SvgChart.bars("By " + dim.replace('_', ' ') + " (×100)", groups.stream().map(ReportTables::cap)
                    .toList(), List.of(new SvgChart.Series("mIoU", miou), new SvgChart.Series("F1", f1)), 100, "%.0f",
                    "%.2f", Double.NaN));
        }
        List<Double> per = b.results.stream().filter(r -> r.ok() && r.localization() != null)
                .map(r -> r.localization().miou()).toList();
        sb.append(histogram("Per-image mIoU (images per bin)", per));
        return sb.toString();
    }

    private String explanationCharts(EvalSummary s) {
        ExplanationSummary e = s.explanation();
        StringBuilder sb = new StringBuilder();
        sb.append(SvgChart.bars("ROUGE-L (×100)", List.of("this run", "constant caption", "paper: SynthScars",
                "paper: LOKI"), List.of(new SvgChart.Series("ROUGE-L", new double[] {100 * e.rougeL(),
                        100 * e.constantCaptionRougeL(), PaperTargets.TABLE3.get(PaperTargets.LEGION_TABLE3)[0][0],
                        PaperTargets.TABLE3.get(PaperTargets.LEGION_TABLE3)[1][0]})), 100, "%.0f", "%.2f", Double.NaN));
        List<Double> per = b.results.stream().filter(r -> r.ok() && r.explanation() != null)
                .map(r -> r.explanation().rougeL().fmeasure()).toList();
        sb.append(histogram("Per-image ROUGE-L (images per bin)", per));
        return sb.toString();
    }

    private static String detectionChart(DetectionAccumulator.Report d, DetectionAccumulator.Report always) {
        List<String> cats = new ArrayList<>(d.perGenerator().keySet());
        double[] acc = new double[cats.size() + 1];
        double[] base = new double[cats.size() + 1];
        for (int k = 0; k < cats.size(); k++) {
            acc[k] = 100 * d.perGenerator().get(cats.get(k)).accuracy();
            base[k] = 100 * always.perGenerator().get(cats.get(k)).accuracy();
        }
        acc[cats.size()] = 100 * d.meanAccuracy();
        base[cats.size()] = 100 * always.meanAccuracy();
        cats.add("mean");
        return SvgChart.bars("Accuracy per generator (×100)", cats, List.of(new SvgChart.Series("this run", acc),
                new SvgChart.Series("always fake", base)), 100, "%.0f", "%.2f", 50);
    }

    /**
     * The degradation ratio of every metric per condition, next to the paper's LEGION mIoU ratio (Table 10)
     * where the condition is one of the paper's.
     */
    static String robustnessChart(RobustnessTable t) {
        List<String> cats = new ArrayList<>();
        for (RobustnessTable.Row r : t.rows()) {
            cats.add(r.condition());
        }
        List<SvgChart.Series> series = new ArrayList<>();
        for (Metric m : t.metrics()) {
            double[] v = new double[t.rows().size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = t.ratio(t.rows().get(k), m);
            }
            series.add(new SvgChart.Series(m.label() + " ratio", v));
        }
        if (t.metrics().contains(Metric.MIOU)) {
            double[] paper = new double[cats.size()];
            boolean any = false;
            for (int k = 0; k < paper.length; k++) {
                paper[k] = PaperTargets.legionTable10Ratio(cats.get(k), 0);
                any |= k > 0 && Double.isFinite(paper[k]);
            }
            if (any) {
                series.add(new SvgChart.Series("paper LEGION mIoU ratio", paper));
            }
        }
        double max = Math.max(1.2, Math.ceil(SvgChart.maxOf(series) * 10) / 10);
        return SvgChart.bars("Degradation ratio perturbed / clean (1 = unaffected)", cats, series, max, "%.2f", "%.3f", 1.0);
    }

    /** Ten bins over [0, 1] (a value of 1 falls in the last): how many values each holds. */
    static String histogram(String title, List<Double> values) {
        int bins = 10;
        double[] counts = new double[bins];
        for (double v : values) {
            if (Double.isFinite(v)) {
                counts[Math.min(bins - 1, Math.max(0, (int) Math.floor(v * bins)))]++;
            }
        }
        List<String> cats = new ArrayList<>();
        for (int k = 0; k < bins; k++) {
            cats.add((k * 10) + "–" + (k * 10 + 10));
        }
        // at least 4 so that the four tick steps are whole numbers
        double max = SvgChart.niceCeil(Math.max(4, SvgChart.maxOf(List.of(new SvgChart.Series("", counts)))));
        return SvgChart.bars(title, cats, List.of(new SvgChart.Series("images", counts)), max, "%.0f", "%.0f", Double.NaN);
    }

    /** The JSON aggregate (fractions in [0, 1]; CSS ×100; undefined values null). */
    public String json() {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("format", "legion-eval-report");
        root.put("version", 1);
        root.put("title", b.title);
        root.put("dataset", b.dataset);
        root.put("source", b.source);
        root.put("rouge_l_stemming", b.stemming);
        ObjectNode facts = root.putObject("facts");
        b.facts.forEach(facts::put);
        summaryJson(root.putObject("summary"), b.summary);
        if (b.robustness != null) {
            ArrayNode rows = root.putObject("robustness").putArray("rows");
            for (RobustnessTable.Row r : b.robustness.rows()) {
                ObjectNode n = rows.addObject();
                n.put("condition", r.condition());
                n.put("family", r.family());
                n.put("level", r.level());
                ObjectNode values = n.putObject("values");
                ObjectNode ratios = n.putObject("ratios");
                for (Metric m : b.robustness.metrics()) {
                    number(values, m.label(), b.robustness.value(r, m));
                    number(ratios, m.label(), b.robustness.ratio(r, m));
                }
                summaryJson(n.putObject("summary"), r.summary());
            }
        }
        try {
            return om.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void summaryJson(ObjectNode n, EvalSummary s) {
        ArrayNode tasks = n.putArray("tasks");
        s.tasks().forEach(t -> tasks.add(t.shortName()));
        n.put("images", s.images());
        n.put("failed", s.failed());
        ObjectNode skipped = n.putObject("skipped_records");
        skipped.put("count", s.skipped().count());
        ObjectNode reasons = skipped.putObject("reasons");
        s.skipped().reasons().forEach(reasons::put);
        ArrayNode examples = skipped.putArray("examples");
        for (ValidationReport.Issue i : s.skipped().examples()) {
            examples.addObject().put("id", i.recordId()).put("reason", i.kind()).put("message", i.message());
        }
        if (s.localization() != null) {
            ObjectNode loc = n.putObject("localization");
            locJson(loc.putObject("prediction"), s.localization());
            locJson(loc.putObject("empty_mask"), s.emptyMask());
            locJson(loc.putObject("full_mask"), s.fullMask());
        }
        if (s.explanation() != null) {
            ExplanationSummary e = s.explanation();
            ObjectNode exp = n.putObject("explanation");
            exp.put("count", e.count());
            number(exp, "rouge_l", e.rougeL());
            number(exp, "rouge_l_precision", e.precision());
            number(exp, "rouge_l_recall", e.recall());
            number(exp, "css", e.css());
            exp.put("css_count", e.cssCount());
            number(exp, "constant_caption_rouge_l", e.constantCaptionRougeL());
            if (e.constantCaption() != null) {
                exp.put("constant_caption", e.constantCaption());
            }
        }
        if (s.grounding() != null) {
            GroundingSummary g = s.grounding();
            ObjectNode gr = n.putObject("grounding");
            gr.put("images", g.images());
            gr.put("artifacts", g.artifacts());
            number(gr, "object_accuracy", g.objectAccuracy());
            number(gr, "kind_accuracy", g.kindAccuracy());
            number(gr, "hallucination_rate", g.hallucinationRate());
            number(gr, "mask_matched", g.maskMatched());
            number(gr, "unmatched", g.unmatched());
            number(gr, "count_accuracy", g.countAccuracy());
            if (g.mostFrequentObject() != null) {
                gr.put("most_frequent_object", g.mostFrequentObject());
                number(gr, "most_frequent_object_accuracy", g.mostFrequentObjectAccuracy());
                gr.put("most_frequent_kind", g.mostFrequentKind());
                number(gr, "most_frequent_kind_accuracy", g.mostFrequentKindAccuracy());
            }
            number(gr, "constant_caption_hallucination_rate", g.constantCaptionHallucinationRate());
        }
        if (s.detection() != null) {
            detJson(n.putObject("detection"), s.detection());
            detJson(n.putObject("always_fake"), s.alwaysFake());
        }
    }

    private static void locJson(ObjectNode n, LocalizationResults r) {
        locSummary(n.putObject("all"), r.all());
        if (!r.byDimension().isEmpty()) {
            ObjectNode by = n.putObject("by");
            r.byDimension().forEach((dim, groups) -> {
                ObjectNode d = by.putObject(dim);
                groups.forEach((g, ls) -> locSummary(d.putObject(g), ls));
            });
        }
    }

    private static void locSummary(ObjectNode n, LocalizationSummary s) {
        n.put("count", s.count());
        number(n, "miou", s.miou());
        number(n, "f1", s.f1());
        number(n, "iou", s.iou());
        number(n, "miou_without_background", s.miouWithoutBackground());
        number(n, "giou", s.giou());
        number(n, "ciou", s.ciou());
        number(n, "dataset_miou", s.datasetMiou());
        number(n, "dataset_background_iou", s.datasetBackgroundIou());
        number(n, "dataset_foreground_iou", s.datasetForegroundIou());
    }

    private static void detJson(ObjectNode n, DetectionAccumulator.Report r) {
        number(n, "threshold", r.threshold());
        number(n, "mean_accuracy", r.meanAccuracy());
        number(n, "mean_average_precision", r.meanAveragePrecision());
        detResult(n.putObject("pooled"), r.pooled());
        ObjectNode per = n.putObject("per_generator");
        r.perGenerator().forEach((g, res) -> detResult(per.putObject(g), res));
    }

    private static void detResult(ObjectNode n, DetectionAccumulator.Result r) {
        n.put("count", r.count());
        n.put("reals", r.reals());
        n.put("fakes", r.fakes());
        number(n, "accuracy", r.accuracy());
        number(n, "real_accuracy", r.realAccuracy());
        number(n, "fake_accuracy", r.fakeAccuracy());
        number(n, "average_precision", r.averagePrecision());
        number(n, "roc_auc", r.rocAuc());
        number(n, "eer", r.eer());
    }
}
