package ai.legion.eval.report;

import ai.legion.eval.grounding.GroundingSummary;
import ai.legion.eval.metrics.DetectionAccumulator;
import ai.legion.eval.metrics.LocalizationAccumulator;
import ai.legion.eval.metrics.LocalizationSummary;
import ai.legion.eval.robust.Metric;
import ai.legion.eval.robust.RobustnessTable;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.ExplanationSummary;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.LocalizationResults;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The report's tables, built from a summary; values ×100 like the paper. */
final class ReportTables {

    /** SynthScars' content types in Table 2's column order. */
    static final List<String> CONTENT_ORDER = List.of("object", "animal", "human", "scene");

    private ReportTables() {}

    /** A fraction ×100 with two decimals; "–" when undefined. */
    static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", 100 * v) : "–";
    }

    /** A number with {@code d} decimals; "–" when undefined. */
    static String num(double v, int d) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + d + "f", v) : "–";
    }

    static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The groups of a dimension in display order (content types in Table 2's order first). */
    static List<String> groupOrder(Map<String, LocalizationSummary> groups) {
        List<String> out = new ArrayList<>();
        for (String c : CONTENT_ORDER) {
            if (groups.containsKey(c)) {
                out.add(c);
            }
        }
        for (String g : groups.keySet()) {
            if (!out.contains(g)) {
                out.add(g);
            }
        }
        return out;
    }

    /**
     * Table 2's layout: mIoU / F1 per group of {@code dimension} (or overall only when {@code dimension} is
     * null) for the run and the trivial baselines.
     */
    static Table localization(EvalSummary s, String runLabel, String allLabel, String dimension) {
        LocalizationResults[] sets = {s.localization(), s.emptyMask(), s.fullMask()};
        String[] labels = {runLabel, "empty mask (baseline)", "full mask (baseline)"};
        List<String> groups = dimension == null ? List.of()
                : groupOrder(s.localization().byDimension().get(dimension));
        List<String> header = new ArrayList<>();
        header.add("mIoU / F1");
        groups.forEach(g -> header.add(cap(g)));
        header.add(allLabel);
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < sets.length; i++) {
            List<String> row = new ArrayList<>();
            row.add(labels[i]);
            for (String g : groups) {
                LocalizationSummary ls = sets[i].byDimension().get(dimension).get(g);
                row.add(ls == null ? "–" : pct(ls.miou()) + " / " + pct(ls.f1()));
            }
            row.add(pct(sets[i].all().miou()) + " / " + pct(sets[i].all().f1()));
            rows.add(row);
        }
        String by = dimension == null ? "" : " by " + dimension.replace('_', ' ');
        return new Table("table2" + (dimension == null ? "" : "-" + dimension), "Localization" + by
                + " (paper Table 2 layout): per-image mIoU (background + foreground) / pixel F1, ×100", header, rows,
                "Images per column: " + counts(s, dimension, groups) + ".");
    }

    private static String counts(EvalSummary s, String dimension, List<String> groups) {
        List<String> parts = new ArrayList<>();
        for (String g : groups) {
            parts.add(cap(g) + " " + s.localization().byDimension().get(dimension).get(g).count());
        }
        parts.add("all " + s.localization().all().count());
        return String.join(", ", parts);
    }

    /** Every localization metric, overall, for the run and the baselines. */
    static Table localizationDetails(EvalSummary s, String runLabel) {
        List<String> header = List.of("overall, ×100", "mIoU", "F1", "IoU", "fg IoU (ε)", "gIoU", "cIoU",
                "dataset mIoU (mmseg)", "images");
        List<List<String>> rows = new ArrayList<>();
        LocalizationResults[] sets = {s.localization(), s.emptyMask(), s.fullMask()};
        String[] labels = {runLabel, "empty mask (baseline)", "full mask (baseline)"};
        for (int i = 0; i < sets.length; i++) {
            LocalizationSummary a = sets[i].all();
            rows.add(List.of(labels[i], pct(a.miou()), pct(a.f1()), pct(a.iou()), pct(a.miouWithoutBackground()),
                    pct(a.giou()), pct(a.ciou()), pct(a.datasetMiou()), Integer.toString(a.count())));
        }
        return new Table("localization-details", "Localization, all metrics", header, rows,
                "mIoU and F1 are LEGION's per-image means (Table 2); IoU = I/U; fg IoU = I/(U+1e-6); gIoU/cIoU as "
                        + "GLaMM/LISA validation; dataset mIoU = mmseg/PAL4VST ΣI/ΣU per class.");
    }

    /** The paper's Table 2. */
    static Table paperTable2() {
        return paperTable("paper-table2", "Paper Table 2 (mIoU / F1) — for reference: real datasets, 8B model",
                "paper (×100)", PaperTargets.TABLE2_COLUMNS, PaperTargets.TABLE2, ReportTables::pairs,
                "Marks: * = fine-tuned on SynthScars (the others: published weights), ☆ = outputs masks, "
                        + "□ = boxes. Not comparable to scars-sim or a small model.");
    }

    /**
     * One of the paper's tables: a header row ({@code corner}, then the columns) and a row per method whose
     * cells {@code cells} formats.
     */
    private static <V> Table paperTable(String id, String title, String corner, List<String> columns,
            Map<String, V> table, Function<V, List<String>> cells, String note) {
        List<String> header = new ArrayList<>();
        header.add(corner);
        header.addAll(columns);
        List<List<String>> rows = new ArrayList<>();
        table.forEach((method, v) -> {
            List<String> row = new ArrayList<>();
            row.add(method);
            row.addAll(cells.apply(v));
            rows.add(row);
        });
        return new Table(id, title, header, rows, note);
    }

    /** Cells of metric pairs, e.g. {@code "56.10 / 60.03"}. */
    private static List<String> pairs(double[][] v) {
        return Arrays.stream(v).map(c -> num(c[0], 2) + " / " + num(c[1], 2)).toList();
    }

    /** Table 3's layout for the run and the constant-caption baseline. */
    static Table explanation(EvalSummary s, String runLabel, String datasetLabel, boolean stemming) {
        ExplanationSummary e = s.explanation();
        List<String> header = List.of(datasetLabel, "ROUGE-L", "CSS", "ROUGE-L P", "ROUGE-L R", "images");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(runLabel, pct(e.rougeL()), num(e.css(), 2), pct(e.precision()), pct(e.recall()),
                Integer.toString(e.count())));
        rows.add(List.of("constant caption (baseline)", pct(e.constantCaptionRougeL()), "–", "–", "–",
                Integer.toString(e.count())));
        String note = "ROUGE-L F (rouge_score rougeL, " + (stemming ? "Porter stemming" : "no stemming")
                + ") ×100 of the generated explanation against the "
                + "reference; CSS = 100 · cos of MiniLM sentence embeddings"
                + (e.cssCount() == 0 ? " (not computed: no --css-model)" : "") + ". Constant caption: "
                + (e.constantCaption() == null ? "–" : "\"" + shorten(e.constantCaption(), 160) + "\"");
        return new Table("table3", "Explanation (paper Table 3 layout), ×100", header, rows, note);
    }

    /** Grounding on data with scene facts: object and kind accuracy, hallucination rate, their baselines. */
    static Table grounding(EvalSummary s, String runLabel, String datasetLabel) {
        GroundingSummary g = s.grounding();
        List<String> header = List.of(datasetLabel, "object accuracy", "kind accuracy", "hallucination rate",
                "GT artifacts", "images");
        String artifacts = Integer.toString(g.artifacts());
        String images = Integer.toString(g.images());
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(runLabel, pct(g.objectAccuracy()), pct(g.kindAccuracy()), pct(g.hallucinationRate()),
                artifacts, images));
        if (g.mostFrequentObject() != null) {
            rows.add(List.of("always the most frequent object, " + g.mostFrequentObject() + " (baseline)",
                    pct(g.mostFrequentObjectAccuracy()), "–", "–", artifacts, images));
            rows.add(List.of("always the most frequent kind, " + g.mostFrequentKind() + " (baseline)", "–",
                    pct(g.mostFrequentKindAccuracy()), "–", artifacts, images));
        }
        if (Double.isFinite(g.constantCaptionHallucinationRate())) {
            rows.add(List.of("constant caption (baseline)", "–", "–", pct(g.constantCaptionHallucinationRate()), "–",
                    images));
        }
        String note = "Per ground-truth artifact, the predicted artifact matched to it (largest mask IoU first, then "
                + "in order; " + pct(g.maskMatched()) + "% matched by mask overlap) names its object (as a whole word)"
                + " and states its kind (the kind of the nearest annotated explanation, object and colour words "
                + "removed); an unmatched artifact counts as wrong"
                + (g.artifacts() == 0 ? "" : " (" + pct(g.unmatched()) + "% had no predicted artifact left; the "
                + "number of artifacts was right on " + pct(g.countAccuracy()) + "% of the images)")
                + ". Hallucination: images whose text names an "
                + "object type of the annotations that is not in the image. Lower is better for hallucination. "
                + (g.artifacts() == 0 ? "The predictions list no artifacts (stored texts): only the hallucination "
                + "rate is scored. " : "") + "Definitions: docs/EVAL.md, Grounding.";
        return new Table("grounding", "Grounding (data with scene facts), ×100", header, rows, note);
    }

    static String shorten(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n) + " …";
    }

    /** The paper's Table 3. */
    static Table paperTable3() {
        return paperTable("paper-table3", "Paper Table 3 — for reference", "paper (×100)",
                List.of("SynthScars ROUGE-L / CSS", "LOKI ROUGE-L / CSS"), PaperTargets.TABLE3, ReportTables::pairs,
                "Other models' outputs were converted to SynthScars' answer format by the paper's authors.");
    }

    /** Detection per generator (Table 5 is the accuracy column). */
    static Table detection(EvalSummary s) {
        DetectionAccumulator.Report d = s.detection();
        DetectionAccumulator.Report a = s.alwaysFake();
        List<String> header = List.of("generator", "images (real/fake)", "Acc", "real Acc", "fake Acc", "AP", "AUC", "EER",
                "always-fake Acc");
        List<List<String>> rows = new ArrayList<>();
        d.perGenerator().forEach((g, r) -> rows.add(List.of(g, r.count() + " (" + r.reals() + "/" + r.fakes() + ")",
                pct(r.accuracy()), pct(r.realAccuracy()), pct(r.fakeAccuracy()), pct(r.averagePrecision()),
                pct(r.rocAuc()), pct(r.eer()), pct(a.perGenerator().get(g).accuracy()))));
        rows.add(List.of("mean over generators", "", pct(d.meanAccuracy()), "", "", pct(d.meanAveragePrecision()), "", "",
                pct(a.meanAccuracy())));
        DetectionAccumulator.Result p = d.pooled();
        rows.add(List.of("pooled", p.count() + " (" + p.reals() + "/" + p.fakes() + ")", pct(p.accuracy()),
                pct(p.realAccuracy()), pct(p.fakeAccuracy()), pct(p.averagePrecision()), pct(p.rocAuc()), pct(p.eer()),
                pct(a.pooled().accuracy())));
        return new Table("table5", "Detection (paper Table 5 reports Acc), ×100, threshold p(fake) > "
                + num(d.threshold(), 2), header, rows, "Table 5's final number is the unweighted mean over generators.");
    }

    /** The paper's Table 5. */
    static Table paperTable5() {
        return paperTable("paper-table5", "Paper Table 5 (UniversalFakeDetect, trained on ProGAN) — for reference",
                "paper Acc (×100)", PaperTargets.TABLE5_COLUMNS, PaperTargets.TABLE5,
                v -> Arrays.stream(v).mapToObj(x -> num(x, 2)).toList(), null);
    }

    /** Table 10's layout: one column per condition, a value row and a ratio row per metric. */
    static Table robustness(RobustnessTable t) {
        List<String> header = new ArrayList<>();
        header.add("metric");
        for (RobustnessTable.Row r : t.rows()) {
            header.add(r.condition().equals("clean") ? "clean" : r.family() + " " + r.level());
        }
        List<List<String>> rows = new ArrayList<>();
        for (Metric m : t.metrics()) {
            List<String> v = new ArrayList<>();
            List<String> q = new ArrayList<>();
            v.add(m.label() + " ×100");
            q.add(m.label() + " ratio");
            for (RobustnessTable.Row r : t.rows()) {
                v.add(pct(t.value(r, m)));
                q.add(ratio(t.ratio(r, m)));
            }
            rows.add(v);
            rows.add(q);
        }
        return new Table("table10", "Robustness (paper Table 10 layout): value and degradation ratio perturbed / clean",
                header, rows, "Perturbations as upstream's eval/utils.py: JPEG quality (libjpeg tables), Gaussian "
                        + "noise σ on the [0, 1] scale, OpenCV Gaussian blur kernel k; applied to the decoded image "
                        + "before both encoders.");
    }

    /** A degradation ratio with the paper's change in percent: {@code 0.975 (-2.5%)}; "–" when undefined. */
    static String ratio(double r) {
        if (!Double.isFinite(r)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.3f (%+.1f%%)", r, 100 * (r - 1));
    }

    /** The paper's Table 10 with its ratios to the clean row. */
    static Table paperTable10() {
        List<String> header = new ArrayList<>();
        header.add("paper (×100)");
        for (String c : PaperTargets.TABLE10_CONDITIONS) {
            String[] fl = RobustnessTable.familyAndLevel(c);
            header.add(c.equals("clean") ? "clean" : fl[0] + " " + fl[1]);
        }
        List<List<String>> rows = new ArrayList<>();
        PaperTargets.TABLE10.forEach((method, v) -> {
            for (int m = 0; m < 2; m++) {
                List<String> value = new ArrayList<>();
                List<String> ratios = new ArrayList<>();
                String name = method + (m == 0 ? " mIoU" : " F1");
                value.add(name);
                ratios.add(name + " ratio");
                for (double[] c : v) {
                    value.add(num(c[m], 2));
                    ratios.add(ratio(c[m] / v[0][m]));
                }
                rows.add(value);
                rows.add(ratios);
            }
        });
        return new Table("paper-table10", "Paper Table 10 (SynthScars localization under perturbations) — for reference",
                header, rows, "The paper prints the change for the strongest level of each family only (LEGION: JPEG 20 "
                        + "mIoU -2.5% / F1 -7.3%, noise 0.3 -4.9% / -13.1%, blur 15 -3.2% / -9.3%); the other ratios are "
                        + "computed here from its values.");
    }

    /** The first {@code max} failures with their reasons. */
    static Table failures(List<ImageResult> results, int max) {
        List<List<String>> rows = new ArrayList<>();
        int n = 0;
        for (ImageResult r : results) {
            if (!r.ok()) {
                n++;
                if (rows.size() < max) {
                    rows.add(List.of(r.id(), r.error()));
                }
            }
        }
        return new Table("failures", "Images that could not be scored (" + n + ")", List.of("id", "reason"), rows,
                n > max ? (n - max) + " more in the results file." : null);
    }

    /** Key/value overview. */
    static Table overview(Map<String, String> facts) {
        List<List<String>> rows = new ArrayList<>();
        facts.forEach((k, v) -> rows.add(List.of(k, v)));
        return new Table("overview", "Run", List.of("", "value"), rows, null);
    }

    /** The content-type dimension when present, else the first dimension, else null. */
    static List<String> dimensions(EvalSummary s) {
        Map<String, Boolean> dims = new LinkedHashMap<>();
        if (s.localization() != null) {
            if (s.localization().byDimension().containsKey(LocalizationAccumulator.CONTENT_TYPE)) {
                dims.put(LocalizationAccumulator.CONTENT_TYPE, true);
            }
            s.localization().byDimension().keySet().forEach(k -> dims.put(k, true));
        }
        return new ArrayList<>(dims.keySet());
    }
}
