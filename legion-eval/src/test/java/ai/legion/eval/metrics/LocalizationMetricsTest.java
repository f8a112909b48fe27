package ai.legion.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hand-computed localization cases: empty and full masks, single-pixel overlaps, resizing, aggregation. */
class LocalizationMetricsTest {

    private static final int H = 4;
    private static final int W = 5;
    private static final int N = H * W;

    /** A 4x5 mask with the given row-major pixels set. */
    private static BinaryMask mask(int... pixels) {
        boolean[] b = new boolean[N];
        for (int p : pixels) {
            b[p] = true;
        }
        return BinaryMask.fromBooleans(b, H, W);
    }

    @Test
    void emptyPredictionOnEmptyGroundTruth() {
        BinaryMask e = BinaryMask.empty(H, W);
        // background: 20 / (20 + 1e-6); foreground 0 / (0 + 1e-6) = 0 (upstream's epsilon rule, not 1)
        assertEquals((N / (N + 1e-6) + 0.0) / 2, LocalizationMetrics.miou(e, e), 0.0);
        assertEquals(0.0, LocalizationMetrics.miouWithoutBackground(e, e), 0.0);
        assertEquals(0.0, LocalizationMetrics.iou(e, e), 0.0);
        assertEquals(1.0, LocalizationMetrics.f1(e, e), 0.0);
        assertEquals(1.0, LocalizationMetrics.giou(e, e), 0.0);
    }

    @Test
    void emptyPredictionOnFullGroundTruth() {
        BinaryMask e = BinaryMask.empty(H, W);
        BinaryMask f = BinaryMask.full(H, W);
        // background I = 0, U = 20; foreground I = 0, U = 20
        assertEquals(0.0, LocalizationMetrics.miou(e, f), 0.0);
        assertEquals(0.0, LocalizationMetrics.iou(e, f), 0.0);
        assertEquals(0.0, LocalizationMetrics.f1(e, f), 0.0); // P = 0 (undefined), R = 0
        assertEquals(0.0, LocalizationMetrics.giou(e, f), 0.0);
        // and the other way round: P = 0, R = 0 (undefined)
        assertEquals(0.0, LocalizationMetrics.f1(f, e), 0.0);
        assertEquals(0.0, LocalizationMetrics.miou(f, e), 0.0);
    }

    @Test
    void fullPredictionOnFullGroundTruth() {
        BinaryMask f = BinaryMask.full(H, W);
        // foreground 20/(20+1e-6); background I = 0, U = 0 -> 0/(0+1e-6) = 0
        assertEquals((0.0 + N / (N + 1e-6)) / 2, LocalizationMetrics.miou(f, f), 0.0);
        assertEquals(N / (N + 1e-6), LocalizationMetrics.miouWithoutBackground(f, f), 0.0);
        assertEquals(1.0, LocalizationMetrics.iou(f, f), 0.0);
        assertEquals(1.0, LocalizationMetrics.f1(f, f), 0.0);
        assertEquals(N / (N + 1e-5), LocalizationMetrics.giou(f, f), 0.0);
    }

    @Test
    void onePixelOverlapOfTwoPixelMasks() {
        BinaryMask pred = mask(0, 1);
        BinaryMask gt = mask(1, 2);
        // I = 1, U = 3; background I = 17, U = 19; P = R = 1/2
        assertEquals((17 / (19 + 1e-6) + 1 / (3 + 1e-6)) / 2, LocalizationMetrics.miou(pred, gt), 0.0);
        assertEquals(1 / (3 + 1e-6), LocalizationMetrics.miouWithoutBackground(pred, gt), 0.0);
        assertEquals(1.0 / 3, LocalizationMetrics.iou(pred, gt), 0.0);
        assertEquals(0.5, LocalizationMetrics.f1(pred, gt), 0.0);
        assertEquals(1 / (3 + 1e-5), LocalizationMetrics.giou(pred, gt), 0.0);
    }

    @Test
    void onePixelInsideALargerGroundTruth() {
        BinaryMask pred = mask(7);
        BinaryMask gt = mask(6, 7, 8, 11);
        // TP 1, FP 0, FN 3: P = 1, R = 1/4, F1 = 2·(1/4)/(5/4) = 0.4
        assertEquals(2 * (1.0 * 0.25) / (1.0 + 0.25), LocalizationMetrics.f1(pred, gt), 0.0);
        assertEquals(0.4, LocalizationMetrics.f1(pred, gt), 1e-15);
        assertEquals(0.25, LocalizationMetrics.iou(pred, gt), 0.0);
        // disjoint single pixels: everything foreground is 0
        assertEquals(0.0, LocalizationMetrics.f1(mask(0), mask(19)), 0.0);
        // background: I = 20 - 2 = 18, U = 20 - 0 = 20
        assertEquals((18 / (20 + 1e-6) + 0.0) / 2, LocalizationMetrics.miou(mask(0), mask(19)), 0.0);
        // the same single pixel: perfect foreground
        assertEquals(1.0, LocalizationMetrics.f1(mask(3), mask(3)), 0.0);
        assertEquals((19 / (19 + 1e-6) + 1 / (1 + 1e-6)) / 2, LocalizationMetrics.miou(mask(3), mask(3)), 0.0);
    }

    @Test
    void countsAreConsistent() {
        MaskCounts c = MaskCounts.of(mask(0, 1, 2), mask(2, 3));
        assertEquals(1, c.intersection());
        assertEquals(4, c.union());
        assertEquals(2, c.falsePositives());
        assertEquals(1, c.falseNegatives());
        assertEquals(16, c.backgroundIntersection());
        assertEquals(19, c.backgroundUnion());
        assertThrows(IllegalArgumentException.class, () -> new MaskCounts(2, 3, 1, 2, 10));
        assertThrows(IllegalArgumentException.class, () -> new MaskCounts(0, 5, 2, 2, 10));
    }

    @Test
    void opencvNearestIndices() {
        // upscale 3 -> 5: floor(x * 0.6) = 0, 0, 1, 1, 2
        assertArrayEquals(new int[] {0, 0, 1, 1, 2}, MaskResize.sourceIndices(3, 5));
        // downscale 5 -> 3: floor(x * 5/3) = 0, 1, 3 (top-left aligned; Pillow's centred rule gives 0, 2, 4)
        assertArrayEquals(new int[] {0, 1, 3}, MaskResize.sourceIndices(5, 3));
        assertArrayEquals(new int[] {0, 0, 1, 1}, MaskResize.sourceIndices(2, 4));
        assertArrayEquals(new int[] {0, 2}, MaskResize.sourceIndices(4, 2));
        assertArrayEquals(new int[] {0, 1, 2}, MaskResize.sourceIndices(3, 3));
    }

    @Test
    void predictionIsResizedToTheGroundTruth() {
        // 2x2 prediction with the top-left pixel set, scored on a 4x4 ground truth: it covers the 2x2 block
        BinaryMask small = BinaryMask.fromBooleans(new boolean[] {true, false, false, false}, 2, 2);
        BinaryMask big = MaskResize.nearest(small, 4, 4);
        assertEquals(4, big.area());
        assertTrue(big.get(0, 0) && big.get(1, 0) && big.get(0, 1) && big.get(1, 1));
        BinaryMask gt = BinaryMask.fromBooleans(new boolean[] {
            true, true, false, false,
            true, true, false, false,
            false, false, false, false,
            false, false, false, true}, 4, 4);
        MaskCounts c = MaskCounts.of(small, gt);
        assertEquals(4, c.intersection());
        assertEquals(5, c.union());
        assertEquals(16, c.pixels());
        assertEquals(0.8, LocalizationMetrics.iou(small, gt), 1e-15);
        BinaryMask same = BinaryMask.full(3, 3);
        assertSame(same, MaskResize.nearest(same, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> MaskResize.nearest(same, 0, 3));
    }

    @Test
    void accumulatorAggregatesOverallAndPerGroup() {
        LocalizationAccumulator acc = new LocalizationAccumulator();
        BinaryMask e = BinaryMask.empty(H, W);
        BinaryMask f = BinaryMask.full(H, W);
        acc.add(e, e, Map.of(LocalizationAccumulator.CONTENT_TYPE, "human", LocalizationAccumulator.ARTIFACT_TYPE, "physics"));
        acc.add(mask(0, 1), mask(1, 2), Map.of(LocalizationAccumulator.CONTENT_TYPE, "human"));
        acc.add(f, f, Map.of(LocalizationAccumulator.CONTENT_TYPE, "scene", LocalizationAccumulator.ARTIFACT_TYPE, "structure"));
        acc.add(e, f);
        assertEquals(4, acc.size());
        assertEquals(Set.of(LocalizationAccumulator.CONTENT_TYPE, LocalizationAccumulator.ARTIFACT_TYPE),
                acc.dimensions());

        double m0 = (N / (N + 1e-6)) / 2;
        double m1 = (17 / (19 + 1e-6) + 1 / (3 + 1e-6)) / 2;
        double m2 = (N / (N + 1e-6)) / 2;
        double m3 = 0;
        LocalizationSummary s = acc.summary();
        assertEquals(4, s.count());
        assertEquals((m0 + m1 + m2 + m3) / 4, s.miou(), 1e-15);
        assertEquals((1 + 0.5 + 1 + 0) / 4, s.f1(), 1e-15);
        assertEquals((0 + 1.0 / 3 + 1 + 0) / 4, s.iou(), 1e-15);
        assertEquals((1 + 1 / (3 + 1e-5) + N / (N + 1e-5) + 0) / 4, s.giou(), 1e-15);
        // cIoU: ΣI = 0 + 1 + 20 + 0, ΣU = 0 + 3 + 20 + 20
        assertEquals(21 / (43 + 1e-10), s.ciou(), 1e-15);
        // dataset level: background ΣI0 = 20 + 17 + 0 + 0, ΣU0 = 20 + 19 + 0 + 20
        assertEquals(37.0 / 59, s.datasetBackgroundIou(), 1e-15);
        assertEquals(21.0 / 43, s.datasetForegroundIou(), 1e-15);
        assertEquals((37.0 / 59 + 21.0 / 43) / 2, s.datasetMiou(), 1e-15);

        Map<String, LocalizationSummary> content = acc.summaryBy(LocalizationAccumulator.CONTENT_TYPE);
        assertEquals(List.of("human", "scene"), List.copyOf(content.keySet()));
        assertEquals(2, content.get("human").count());
        assertEquals((m0 + m1) / 2, content.get("human").miou(), 1e-15);
        assertEquals(0.75, content.get("human").f1(), 1e-15);
        assertEquals(m2, content.get("scene").miou(), 1e-15);
        Map<String, LocalizationSummary> artifact = acc.summaryBy(LocalizationAccumulator.ARTIFACT_TYPE);
        assertEquals(1, artifact.get("physics").count());
        // a group whose images are all empty/empty: foreground dataset IoU is 0/0 -> NaN, nanmean keeps background
        assertTrue(Double.isNaN(artifact.get("physics").datasetForegroundIou()));
        assertEquals(N / (double) N, artifact.get("physics").datasetMiou(), 0.0);
        assertEquals(0.0, artifact.get("physics").ciou(), 0.0);
        assertTrue(acc.summaryBy("no such dimension").isEmpty());
    }

    @Test
    void emptyAccumulatorIsNaN() {
        LocalizationSummary s = new LocalizationAccumulator().summary();
        assertEquals(0, s.count());
        assertTrue(Double.isNaN(s.miou()) && Double.isNaN(s.f1()) && Double.isNaN(s.datasetMiou()));
    }
}
