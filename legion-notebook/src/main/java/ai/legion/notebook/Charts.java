package ai.legion.notebook;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.Overlay;
import ai.legion.eval.runner.EvalSummary;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * XChart charts of LEGION results; a notebook shows any XChart chart as a PNG ({@link LegionDisplay}).
 */
public final class Charts {

    /** Default chart size in pixels. */
    public static final int WIDTH = 640;

    /** Default chart height in pixels. */
    public static final int HEIGHT = 360;

    private static final int LABEL_CHARS = 28;

    private Charts() {}

    /**
     * The share of the image each artifact's mask covers, one bar per artifact in its overlay color, labelled
     * with its overlay number and (shortened) phrase.
     */
    public static CategoryChart artifactAreas(ArtifactReport report) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Artifact areas: " + ReportView.displayName(report.source())).xAxisTitle("artifact")
                .yAxisTitle("% of the image").build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setStacked(true);
        chart.getStyler().setLegendVisible(false);
        List<Artifact> artifacts = report.artifacts();
        List<String> labels = new ArrayList<>();
        for (Artifact a : artifacts) {
            labels.add((a.index() + 1) + " " + shorten(a.phrase()));
        }
        if (artifacts.isEmpty()) {
            // XChart cannot paint a category axis without categories: one empty bar says "nothing found"
            chart.addSeries("no artifacts", List.of("none found"), List.of(0.0));
            return chart;
        }
        // one series per artifact, zero elsewhere, stacked: each bar takes its artifact's overlay color
        for (int k = 0; k < artifacts.size(); k++) {
            List<Double> values = new ArrayList<>(Collections.nCopies(artifacts.size(), 0.0));
            values.set(k, 100 * artifacts.get(k).areaFraction());
            chart.addSeries(labels.get(k), labels, values).setFillColor(new Color(Overlay.colorOf(k)));
        }
        return chart;
    }

    /**
     * The headline metrics of an evaluation next to their trivial baselines: mIoU and F1 (empty mask), ROUGE-L
     * (constant caption), detection accuracy and AP (calling every image fake); only the tasks the run scored.
     */
    public static CategoryChart metrics(EvalSummary summary) {
        Map<String, double[]> bars = new LinkedHashMap<>();
        if (summary.localization() != null) {
            bars.put("mIoU", new double[] {summary.localization().all().miou(), summary.emptyMask().all().miou()});
            bars.put("F1", new double[] {summary.localization().all().f1(), summary.emptyMask().all().f1()});
        }
        if (summary.explanation() != null) {
            bars.put("ROUGE-L", new double[] {summary.explanation().rougeL(),
                summary.explanation().constantCaptionRougeL()});
        }
        if (summary.detection() != null) {
            bars.put("accuracy", new double[] {summary.detection().pooled().accuracy(),
                summary.alwaysFake().pooled().accuracy()});
            bars.put("AP", new double[] {summary.detection().pooled().averagePrecision(),
                summary.alwaysFake().pooled().averagePrecision()});
        }
        if (bars.isEmpty()) {
            throw new IllegalArgumentException("the summary scored no image (" + summary.images() + " images, "
                    + summary.failed() + " failed): nothing to chart");
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Evaluation: model vs trivial baseline").yAxisTitle("score").build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        List<String> names = new ArrayList<>(bars.keySet());
        List<Double> model = new ArrayList<>();
        List<Double> baseline = new ArrayList<>();
        for (double[] v : bars.values()) {
            model.add(nanToZero(v[0]));
            baseline.add(nanToZero(v[1]));
        }
        chart.addSeries("model", names, model).setFillColor(new Color(Overlay.colorOf(2)));
        chart.addSeries("baseline", names, baseline).setFillColor(new Color(Overlay.UNION_ONLY_COLOR));
        return chart;
    }

    /** A bar chart of named values (e.g. per-image scores), in the map's order. */
    public static CategoryChart bars(String title, String yAxisTitle, Map<String, ? extends Number> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("chart '" + title + "' has no values");
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .yAxisTitle(yAxisTitle).build();
        style(chart);
        chart.getStyler().setLegendVisible(false);
        List<String> names = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        values.forEach((k, v) -> {
            names.add(shorten(k));
            ys.add(nanToZero(v.doubleValue()));
        });
        chart.addSeries(title, names, ys).setFillColor(new Color(Overlay.colorOf(2)));
        return chart;
    }

    static void style(CategoryChart chart) {
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        // XChart prints a single bar's value with every digit otherwise (9.48486328125)
        chart.getStyler().setYAxisDecimalPattern("#0.###");
        chart.getStyler().setXAxisLabelRotation(20);
    }

    private static String shorten(String s) {
        String t = s.strip();
        return t.length() <= LABEL_CHARS ? t : t.substring(0, LABEL_CHARS - 3) + "...";
    }

    // XChart draws NaN as a gap only on XY charts; on bar charts an undefined metric shows as an empty bar
    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0.0 : v;
    }
}
