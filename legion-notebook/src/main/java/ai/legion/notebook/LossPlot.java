package ai.legion.notebook;

import ai.legion.train.StepMetrics;
import ai.legion.train.TrainListener;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A training listener that records the loss and its parts per optimizer step and redraws a chart of them; a
 * notebook shows the chart once and replaces it after every step:
 *
 * <pre>{@code
 * LossPlot plot = new LossPlot("stage 1");
 * String id = display(plot.chart());
 * plot.onUpdate(chart -> updateDisplay(id, chart));
 * runner.stage1(plot, false);
 * }</pre>
 */
public final class LossPlot implements TrainListener {

    private final String title;
    private final List<StepMetrics> steps = new ArrayList<>();
    private Consumer<XYChart> onUpdate = chart -> { };

    /** A plot titled {@code title}. */
    public LossPlot(String title) {
        this.title = Objects.requireNonNull(title, "title");
    }

    /** What to do with the redrawn chart after each step (e.g. replace the displayed one). */
    public LossPlot onUpdate(Consumer<XYChart> action) {
        onUpdate = Objects.requireNonNull(action, "action");
        return this;
    }

    @Override
    public void onStep(StepMetrics metrics) {
        synchronized (steps) {
            steps.add(metrics);
        }
        onUpdate.accept(chart());
    }

    /** The steps recorded so far. */
    public List<StepMetrics> steps() {
        synchronized (steps) {
            return List.copyOf(steps);
        }
    }

    /** A chart of the loss and its weighted-in parts (CE, BCE, Dice) against the step, of the steps so far. */
    public XYChart chart() {
        List<StepMetrics> s = steps();
        XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(title + (s.isEmpty() ? " (waiting for the first step)" : ": step " + s.get(s.size() - 1).step()))
                .xAxisTitle("step").yAxisTitle("loss").build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        if (s.isEmpty()) {
            // XChart needs data to lay out its axes: an empty plot spans step 0..1, loss 0..1
            chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
            chart.addSeries("loss", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE)
                    .setLineColor(new Color(0, 0, 0, 0));
            return chart;
        }
        double[] x = new double[s.size()];
        double[][] y = new double[4][s.size()];
        for (int i = 0; i < s.size(); i++) {
            StepMetrics m = s.get(i);
            x[i] = m.step();
            y[0][i] = m.loss();
            y[1][i] = m.ce();
            y[2][i] = m.bce();
            y[3][i] = m.dice();
        }
        String[] names = {"loss", "CE", "BCE", "Dice"};
        for (int k = 0; k < names.length; k++) {
            XYSeries series = chart.addSeries(names[k], x, y[k]);
            series.setMarker(s.size() <= 50 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return chart;
    }
}
