package ai.legion.eval.report;

import ai.legion.core.text.SafeText;
import java.util.List;
import java.util.Locale;

/** Inline SVG bar charts for the HTML report (no script, no external resources). */
final class SvgChart {

    /** Colors of successive series. */
    static final List<String> COLORS = List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f");

    /**
     * One series of a bar chart.
     *
     * @param name the legend entry
     * @param values one value per category (NaN: no bar)
     */
    record Series(String name, double[] values) {}

    private SvgChart() {}

    /**
     * A grouped bar chart.
     *
     * @param title the chart title
     * @param categories the groups along the x axis
     * @param series the bars of each group
     * @param max the top of the y axis (values above it are clipped)
     * @param tickFormat how axis ticks are printed ({@link String#format} pattern for one double)
     * @param valueFormat how a bar's value is printed in its tooltip ({@code <title>})
     * @param reference a horizontal reference line at this value (NaN: none), e.g. 1 for ratios
     */
    static String bars(String title, List<String> categories, List<Series> series, double max, String tickFormat,
            String valueFormat, double reference) {
        int w = Math.max(420, Math.min(960, 90 + categories.size() * Math.max(36, 16 * series.size() + 12)));
        int left = 48;
        int right = 12;
        // legend entries flow left to right and wrap onto further 14-px rows; the plot starts below them
        double[] legendX = new double[series.size()];
        int[] legendRow = new int[series.size()];
        double lx = left;
        int rows = 1;
        for (int s = 0; s < series.size(); s++) {
            double entry = 30 + 7.2 * series.get(s).name().length();
            if (lx > left && lx + entry - 16 > w - right) {
                lx = left;
                rows++;
            }
            legendX[s] = lx;
            legendRow[s] = rows - 1;
            lx += entry;
        }
        int top = 44 + 14 * (rows - 1);
        int longest = categories.stream().mapToInt(String::length).max().orElse(1);
        boolean rotate = longest * 6.5 > 0.95 * (w - left - right) / Math.max(1, categories.size());
        int bottom = rotate ? Math.min(150, 24 + (int) Math.ceil(longest * 6.5 * 0.58)) : 36;
        int h = top + 156 + bottom;
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        double top0 = max > 0 && Double.isFinite(max) ? max : 1;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" class=\"chart\">%n", w, h, w, h));
        sb.append("<title>").append(SafeText.forHtml(title)).append("</title>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" class=\"ct\">%s</text>%n", left,
                SafeText.forHtml(title)));
        for (int s = 0; s < series.size(); s++) {
            int y = 24 + 14 * legendRow[s];
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" class=\"cl\">%s</text>%n", legendX[s], y, color(s), legendX[s] + 14,
                    y + 9, SafeText.forHtml(series.get(s).name())));
        }
        // axis and ticks
        for (int t = 0; t <= 4; t++) {
            double v = top0 * t / 4;
            double y = top + plotH - plotH * t / 4;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>%n", left, y, left + plotW, y,
                    left - 4, y + 4, SafeText.forHtml(String.format(Locale.ROOT, tickFormat, v))));
        }
        double groupW = plotW / Math.max(1, categories.size());
        double barW = Math.max(2, groupW * 0.8 / Math.max(1, series.size()));
        for (int c = 0; c < categories.size(); c++) {
            double gx = left + c * groupW + groupW * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double v = series.get(s).values()[c];
                if (!Double.isFinite(v)) {
                    continue;
                }
                double clipped = Math.max(0, Math.min(v, top0));
                double bh = plotH * clipped / top0;
                double x = gx + s * barW;
                double y = top + plotH - bh;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"%s\"><title>%s</title></rect>%n", x, y, barW - 1, bh, color(s),
                        SafeText.forHtml(series.get(s).name() + ", " + categories.get(c) + ": "
                                + String.format(Locale.ROOT, valueFormat, v))));
            }
            String label = categories.get(c);
            double cx = left + c * groupW + groupW / 2;
            if (rotate) {
                sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"cat\" text-anchor=\"end\" "
                        + "transform=\"rotate(-35 %.1f %.1f)\">%s</text>%n", cx, top + plotH + 14, cx, top + plotH + 14,
                        SafeText.forHtml(label)));
            } else {
                sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"cat\" text-anchor=\"middle\">"
                        + "%s</text>%n", cx, top + plotH + 16, SafeText.forHtml(label)));
            }
        }
        if (Double.isFinite(reference) && reference >= 0 && reference <= top0) {
            double y = top + plotH - plotH * reference / top0;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"ref\"/>%n",
                    left, y, left + plotW, y));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>%n",
                left, top + plotH, left + plotW, top + plotH));
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** The largest finite value of the series (0 when none). */
    static double maxOf(List<Series> series) {
        double m = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (Double.isFinite(v)) {
                    m = Math.max(m, v);
                }
            }
        }
        return m;
    }

    /**
     * An axis top at or above {@code v} whose four tick steps are "nice" (1, 2 or 5 × a power of ten), so that
     * counts get whole-number ticks.
     */
    static double niceCeil(double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            return 4;
        }
        double step = v / 4;
        double p = Math.pow(10, Math.floor(Math.log10(step)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= step - 1e-12) {
                return 4 * m * p;
            }
        }
        return 40 * p;
    }

    private static String color(int s) {
        return COLORS.get(s % COLORS.size());
    }
}
