package ai.legion.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The inline SVG bar charts: bar geometry follows the values (plot area 156 px high, top at y = 44), values above
 * the axis top are clipped, undefined values draw nothing, and every bar carries its exact value as a tooltip.
 */
class SvgChartTest {

    /** Plot height and top of {@link SvgChart#bars} (200 px + the label band, minus the 44 px title/legend band). */
    static final double PLOT_H = 156;
    static final double TOP = 44;

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    /** The bars (rects with a tooltip; legend swatches have none), in document order. */
    static List<Element> bars(Document doc) {
        NodeList rects = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getElementsByTagNameNS("*", "title").getLength() == 1) {
                out.add(r);
            }
        }
        return out;
    }

    static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }

    static String tooltip(Element e) {
        return e.getElementsByTagNameNS("*", "title").item(0).getTextContent();
    }

    @Test
    void barHeightsAreProportionalToTheValuesAndTooltipsHoldThem() throws Exception {
        String svg = SvgChart.bars("t <&>", List.of("a", "b", "c"), List.of(
                new SvgChart.Series("run", new double[] {50, 25, 130}),
                new SvgChart.Series("base", new double[] {Double.NaN, -3, 100})), 100, "%.0f", "%.2f", Double.NaN);
        Document doc = parse(svg);
        List<Element> bars = bars(doc);
        assertEquals(5, bars.size(), "the NaN value draws no bar");
        // group by group: 50/100, 25/100, -3 clipped to 0, 130 clipped to 100, 100/100
        double[] heights = {78, 39, 0, 156, 156};
        String[] tips = {"run, a: 50.00", "run, b: 25.00", "base, b: -3.00", "run, c: 130.00", "base, c: 100.00"};
        for (int i = 0; i < bars.size(); i++) {
            Element r = bars.get(i);
            assertEquals(heights[i], attr(r, "height"), 0.051, tips[i]);
            assertEquals(TOP + PLOT_H - heights[i], attr(r, "y"), 0.051, tips[i]);
            assertEquals(tips[i], tooltip(r));
        }
        // the second series sits right of the first within a group; groups are a third of the plot apart
        assertTrue(attr(bars.get(2), "x") > attr(bars.get(1), "x"));
        assertEquals(attr(bars.get(3), "x") - attr(bars.get(1), "x"), attr(bars.get(1), "x") - attr(bars.get(0), "x"),
                0.051);
        assertEquals("t <&>", doc.getDocumentElement().getElementsByTagNameNS("*", "title").item(0).getTextContent());
    }

    @Test
    void theReferenceLineAndTicksSitAtTheirValues() throws Exception {
        String svg = SvgChart.bars("ratios", List.of("clean", "jpeg:50"), List.of(
                new SvgChart.Series("mIoU ratio", new double[] {1, 0.9})), 2, "%.2f", "%.3f", 1.0);
        Document doc = parse(svg);
        NodeList lines = doc.getElementsByTagNameNS("*", "line");
        Element ref = null;
        List<Double> gridY = new ArrayList<>();
        for (int i = 0; i < lines.getLength(); i++) {
            Element l = (Element) lines.item(i);
            if (l.getAttribute("class").equals("ref")) {
                ref = l;
            } else if (l.getAttribute("class").equals("grid")) {
                gridY.add(attr(l, "y1"));
            }
        }
        assertEquals(TOP + PLOT_H / 2, attr(ref, "y1"), 0.051); // 1.0 of 2.0
        assertEquals(List.of(200.0, 161.0, 122.0, 83.0, 44.0), gridY);
        List<String> ticks = new ArrayList<>();
        NodeList texts = doc.getElementsByTagNameNS("*", "text");
        for (int i = 0; i < texts.getLength(); i++) {
            if (((Element) texts.item(i)).getAttribute("class").equals("tick")) {
                ticks.add(texts.item(i).getTextContent());
            }
        }
        assertEquals(List.of("0.00", "0.50", "1.00", "1.50", "2.00"), ticks);
        assertEquals("mIoU ratio, jpeg:50: 0.900", tooltip(bars(doc).get(1)));
        assertEquals(PLOT_H * 0.45, attr(bars(doc).get(1), "height"), 0.051);
    }

    @Test
    void axisTopsAreNiceNumbers() {
        assertEquals(8, SvgChart.niceCeil(7), 0.0);
        assertEquals(40, SvgChart.niceCeil(37), 0.0);
        assertEquals(4, SvgChart.niceCeil(4), 0.0);
        assertEquals(200, SvgChart.niceCeil(101), 0.0);
        assertEquals(0.8, SvgChart.niceCeil(0.75), 1e-12);
        assertEquals(4, SvgChart.niceCeil(0), 0.0);
        assertEquals(4, SvgChart.niceCeil(Double.NaN), 0.0);
        assertEquals(3, SvgChart.maxOf(List.of(new SvgChart.Series("x", new double[] {1, Double.NaN, 3}))), 0.0);
    }

    @Test
    void aHistogramCountsValuesPerTenthWithOneInTheLastBin() throws Exception {
        String svg = EvalReport.histogram("h", List.of(0.0, 0.05, 0.45, 0.449, 0.5, 0.999, 1.0, Double.NaN));
        List<Element> bars = bars(parse(svg));
        List<String> tips = bars.stream().map(SvgChartTest::tooltip).toList();
        assertEquals(List.of("images, 0–10: 2", "images, 10–20: 0", "images, 20–30: 0", "images, 30–40: 0",
                "images, 40–50: 2", "images, 50–60: 1", "images, 60–70: 0", "images, 70–80: 0", "images, 80–90: 0",
                "images, 90–100: 2"), tips);
        // axis top 4 (whole-number ticks 0..4 for small counts): a count of 2 fills half the plot
        assertEquals(PLOT_H / 2, attr(bars.get(0), "height"), 0.051);
        assertEquals(PLOT_H / 4, attr(bars.get(5), "height"), 0.051);
    }

    @Test
    void aLegendTooWideForOneRowWrapsAndThePlotMovesDown() throws Exception {
        List<String> names = List.of("mIoU ratio", "F1 ratio", "ROUGE-L ratio", "paper LEGION mIoU ratio");
        List<SvgChart.Series> series = names.stream().map(n -> new SvgChart.Series(n, new double[] {1, 1, 1, 0.5}))
                .toList();
        Document doc = parse(SvgChart.bars("r", List.of("clean", "jpeg:50", "noise:0.3", "blur:15"), series, 2, "%.2f",
                "%.3f", 1.0));
        assertEquals(420, attr(doc.getDocumentElement(), "width"), 0.0);
        NodeList labels = doc.getElementsByTagNameNS("*", "text");
        List<Double> legendY = new ArrayList<>();
        for (int i = 0; i < labels.getLength(); i++) {
            Element t = (Element) labels.item(i);
            if (t.getAttribute("class").equals("cl")) {
                legendY.add(attr(t, "y"));
                assertTrue(attr(t, "x") + 7.2 * t.getTextContent().length() <= 420, t.getTextContent());
            }
        }
        assertEquals(List.of(33.0, 33.0, 33.0, 47.0), legendY); // the fourth entry starts a second row
        Element last = bars(doc).get(15);
        assertEquals(PLOT_H / 4, attr(last, "height"), 0.051);
        assertEquals(TOP + 14 + PLOT_H - PLOT_H / 4, attr(last, "y"), 0.051);
        assertEquals(TOP + 14 + PLOT_H + 36, attr(doc.getDocumentElement(), "height"), 0.0);
    }
}
