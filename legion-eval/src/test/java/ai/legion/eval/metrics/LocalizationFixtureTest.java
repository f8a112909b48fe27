package ai.legion.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reproduces {@code fixtures/metrics/expected.json} (upstream LEGION's own metric functions run on real
 * annotations) from the fixture PNGs, case by case and prediction by prediction.
 */
class LocalizationFixtureTest {

    private static final double TOL = 1e-9;

    private record Item(String id, String name, BinaryMask pred, BinaryMask gt, JsonNode expected) {}

    private static List<Item> items() throws Exception {
        Path root = Fixtures.path("metrics");
        JsonNode doc = new ObjectMapper().readTree(root.resolve("expected.json").toFile());
        List<Item> out = new ArrayList<>();
        for (JsonNode c : doc.get("cases")) {
            BinaryMask gt = MaskImages.read(root.resolve(c.get("gt_mask").asText()));
            assertEquals(c.get("height").asInt(), gt.height(), "gt height " + c.get("annotation_id"));
            assertEquals(c.get("width").asInt(), gt.width(), "gt width " + c.get("annotation_id"));
            assertEquals(c.get("gt_foreground_pixels").asLong(), gt.area(), "gt area " + c.get("annotation_id"));
            for (JsonNode p : c.get("predictions")) {
                BinaryMask pred = MaskImages.read(root.resolve(p.get("mask").asText()));
                out.add(new Item(c.get("annotation_id").asText(), p.get("name").asText(), pred, gt, p));
            }
        }
        assertFalse(out.isEmpty(), "no fixture cases");
        return out;
    }

    @Test
    void everyCaseAndPredictionMatchesUpstream() throws Exception {
        double[] maxErr = new double[4];
        String[] keys = {"miou", "miou_without_background", "f1", "iou"};
        for (Item it : items()) {
            double[] got = {
                LocalizationMetrics.miou(it.pred, it.gt),
                LocalizationMetrics.miouWithoutBackground(it.pred, it.gt),
                LocalizationMetrics.f1(it.pred, it.gt),
                LocalizationMetrics.iou(it.pred, it.gt)};
            for (int k = 0; k < keys.length; k++) {
                double want = it.expected.get(keys[k]).asDouble();
                double err = Math.abs(want - got[k]);
                maxErr[k] = Math.max(maxErr[k], err);
                assertEquals(want, got[k], TOL, it.id + "/" + it.name + " " + keys[k]);
            }
        }
        System.out.printf("[metrics fixture] max |err| miou %.3e, miou_without_background %.3e, f1 %.3e, iou %.3e%n",
                maxErr[0], maxErr[1], maxErr[2], maxErr[3]);
    }

    @Test
    void accumulatorVectorsEqualTheScalarFunctions() throws Exception {
        List<Item> items = items();
        LocalizationAccumulator acc = new LocalizationAccumulator();
        double sumMiou = 0;
        double sumF1 = 0;
        double sumIou = 0;
        double sumFg = 0;
        double sumGiou = 0;
        long sumI = 0;
        long sumU = 0;
        for (Item it : items) {
            acc.add(it.pred, it.gt, Map.of(LocalizationAccumulator.CONTENT_TYPE, it.name));
            sumMiou += it.expected.get("miou").asDouble();
            sumF1 += it.expected.get("f1").asDouble();
            sumIou += it.expected.get("iou").asDouble();
            sumFg += it.expected.get("miou_without_background").asDouble();
            MaskCounts c = MaskCounts.of(it.pred, it.gt);
            sumGiou += LocalizationMetrics.giou(c);
            sumI += c.intersection();
            sumU += c.union();
        }
        // per image, the ND4J vectors are bit-identical to the scalar functions
        INDArray m = acc.perImageMetrics();
        for (int i = 0; i < items.size(); i++) {
            MaskCounts c = acc.counts().get(i);
            assertEquals(LocalizationMetrics.miou(c), m.getDouble(i, 0), 0.0, "miou row " + i);
            assertEquals(LocalizationMetrics.miouWithoutBackground(c), m.getDouble(i, 1), 0.0, "fg row " + i);
            assertEquals(LocalizationMetrics.iou(c), m.getDouble(i, 2), 0.0, "iou row " + i);
            assertEquals(LocalizationMetrics.f1(c), m.getDouble(i, 3), 0.0, "f1 row " + i);
            assertEquals(LocalizationMetrics.giou(c), m.getDouble(i, 4), 0.0, "giou row " + i);
        }
        List<LocalizationAccumulator.ImageResult> results = acc.results();
        assertEquals(items.size(), results.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode want = items.get(i).expected;
            assertEquals(want.get("miou").asDouble(), results.get(i).miou(), TOL);
            assertEquals(want.get("miou_without_background").asDouble(), results.get(i).miouWithoutBackground(), TOL);
            assertEquals(want.get("f1").asDouble(), results.get(i).f1(), TOL);
            assertEquals(want.get("iou").asDouble(), results.get(i).iou(), TOL);
            assertEquals(items.get(i).name, results.get(i).groups().get(LocalizationAccumulator.CONTENT_TYPE));
        }
        int n = items.size();
        LocalizationSummary s = acc.summary();
        assertEquals(n, s.count());
        assertEquals(sumMiou / n, s.miou(), 1e-12);
        assertEquals(sumF1 / n, s.f1(), 1e-12);
        assertEquals(sumIou / n, s.iou(), 1e-12);
        assertEquals(sumFg / n, s.miouWithoutBackground(), 1e-12);
        assertEquals(sumGiou / n, s.giou(), 1e-12);
        assertEquals(sumI / (sumU + 1e-10), s.ciou(), 1e-15);
        // grouped by prediction kind: each group's mean is the mean of its expected values
        Map<String, LocalizationSummary> by = acc.summaryBy(LocalizationAccumulator.CONTENT_TYPE);
        for (Map.Entry<String, LocalizationSummary> e : by.entrySet()) {
            double want = items.stream().filter(it -> it.name.equals(e.getKey()))
                    .mapToDouble(it -> it.expected.get("miou").asDouble()).average().orElseThrow();
            assertEquals(want, e.getValue().miou(), 1e-12, "group " + e.getKey());
            assertTrue(e.getValue().count() > 0);
        }
        assertEquals(n, by.values().stream().mapToInt(LocalizationSummary::count).sum());
    }
}
