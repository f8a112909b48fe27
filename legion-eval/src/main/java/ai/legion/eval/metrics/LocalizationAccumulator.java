package ai.legion.eval.metrics;

import ai.legion.core.report.BinaryMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Collects per-image localization counts over an evaluation run and summarizes them overall and per
 * group (for example by SynthScars content type or by artifact type).
 *
 * <p>Only the {@link MaskCounts} of each image are kept. Summaries evaluate every per-image metric for
 * all images at once as ND4J double vectors (the same IEEE operations, in the same order, as
 * {@link LocalizationMetrics}, so each per-image value is bit-identical to the scalar function), and
 * group means are one matrix product of a group-indicator matrix with the per-image metric matrix.
 *
 * <p>Not thread-safe: use one accumulator per thread, or synchronize externally.
 */
public final class LocalizationAccumulator {

    /** Conventional group dimension: SynthScars content type (human, animal, object, scene). */
    public static final String CONTENT_TYPE = "content_type";
    /** Conventional group dimension: artifact category (physics, structure, distortion). */
    public static final String ARTIFACT_TYPE = "artifact_type";

    /** Per-image metric columns of the matrix built in {@link #perImageMetrics}. */
    private static final int MIOU = 0;
    private static final int MIOU_FG = 1;
    private static final int IOU = 2;
    private static final int F1 = 3;
    private static final int GIOU = 4;
    private static final int METRICS = 5;

    private final List<MaskCounts> counts = new ArrayList<>();
    private final List<Map<String, String>> groups = new ArrayList<>();

    /** Adds one image without group keys; returns its counts. */
    public MaskCounts add(BinaryMask prediction, BinaryMask groundTruth) {
        return add(prediction, groundTruth, Map.of());
    }

    /**
     * Adds one image (the prediction is resized to the ground truth's size if needed).
     *
     * @param groups dimension → value, e.g. {@code {content_type: "human"}}; may be empty
     * @return the image's counts
     */
    public MaskCounts add(BinaryMask prediction, BinaryMask groundTruth, Map<String, String> groups) {
        MaskCounts c = MaskCounts.of(prediction, groundTruth);
        add(c, groups);
        return c;
    }

    /** Adds one image's counts with its group keys (dimension → value; no null keys or values). */
    public void add(MaskCounts counts, Map<String, String> groups) {
        Objects.requireNonNull(counts, "counts");
        Objects.requireNonNull(groups, "groups");
        groups.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("LocalizationAccumulator: null group dimension or value in " + groups);
            }
        });
        this.counts.add(counts);
        this.groups.add(Collections.unmodifiableMap(new LinkedHashMap<>(groups))); // keeps the caller's order
    }

    /** Number of images added. */
    public int size() {
        return counts.size();
    }

    /** The counts of every image, in the order added. */
    public List<MaskCounts> counts() {
        return Collections.unmodifiableList(counts);
    }

    /**
     * One image's metrics, as upstream's per-image result entry.
     *
     * @param counts the pixel counts
     * @param groups its group keys
     * @param miou {@link LocalizationMetrics#miou}
     * @param miouWithoutBackground {@link LocalizationMetrics#miouWithoutBackground}
     * @param iou {@link LocalizationMetrics#iou}
     * @param f1 {@link LocalizationMetrics#f1}
     * @param giou {@link LocalizationMetrics#giou}
     */
    public record ImageResult(MaskCounts counts, Map<String, String> groups, double miou, double miouWithoutBackground,
            double iou, double f1, double giou) {}

    /** Every image's metrics, in the order added (evaluated together as ND4J vectors). */
    public List<ImageResult> results() {
        List<ImageResult> out = new ArrayList<>(counts.size());
        if (counts.isEmpty()) {
            return out;
        }
        INDArray m = perImageMetrics();
        for (int i = 0; i < counts.size(); i++) {
            out.add(new ImageResult(counts.get(i), groups.get(i), m.getDouble(i, MIOU), m.getDouble(i, MIOU_FG),
                    m.getDouble(i, IOU), m.getDouble(i, F1), m.getDouble(i, GIOU)));
        }
        return out;
    }

    /** Every group dimension seen, in order of first appearance. */
    public Set<String> dimensions() {
        Set<String> dims = new LinkedHashSet<>();
        groups.forEach(g -> dims.addAll(g.keySet()));
        return dims;
    }

    /** Metrics over all images ({@link LocalizationSummary#empty()} when none were added). */
    public LocalizationSummary summary() {
        if (counts.isEmpty()) {
            return LocalizationSummary.empty();
        }
        int[] all = new int[counts.size()];
        Arrays.setAll(all, i -> i);
        return summarize(Map.of("", all)).get("");
    }

    /**
     * Metrics per value of one group dimension, in order of first appearance; images without that
     * dimension are left out.
     */
    public Map<String, LocalizationSummary> summaryBy(String dimension) {
        Objects.requireNonNull(dimension, "dimension");
        Map<String, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            String v = groups.get(i).get(dimension);
            if (v != null) {
                members.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
        }
        Map<String, int[]> idx = new LinkedHashMap<>();
        members.forEach((k, v) -> idx.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        return summarize(idx);
    }

    private Map<String, LocalizationSummary> summarize(Map<String, int[]> members) {
        Map<String, LocalizationSummary> out = new LinkedHashMap<>();
        if (members.isEmpty()) {
            return out;
        }
        int n = counts.size();
        INDArray metrics = perImageMetrics(); // [n, METRICS]
        // group indicator [g, n] times metrics [n, METRICS] = per-group sums of every metric at once
        List<String> keys = new ArrayList<>(members.keySet());
        INDArray indicator = Nd4j.zeros(DataType.DOUBLE, keys.size(), n);
        for (int g = 0; g < keys.size(); g++) {
            for (int i : members.get(keys.get(g))) {
                indicator.putScalar(g, i, 1.0);
            }
        }
        INDArray sums = indicator.mmul(metrics);
        for (int g = 0; g < keys.size(); g++) {
            int[] rows = members.get(keys.get(g));
            double size = rows.length;
            long sumI = 0;
            long sumU = 0;
            long sumBgI = 0;
            long sumBgU = 0;
            for (int i : rows) {
                MaskCounts c = counts.get(i);
                sumI += c.intersection();
                sumU += c.union();
                sumBgI += c.backgroundIntersection();
                sumBgU += c.backgroundUnion();
            }
            // mmseg: I/U per class with 0/0 = NaN, then nanmean over classes
            double bg = (double) sumBgI / sumBgU;
            double fg = (double) sumI / sumU;
            double datasetMiou = Double.isNaN(bg) ? fg : Double.isNaN(fg) ? bg : (bg + fg) / 2;
            out.put(keys.get(g), new LocalizationSummary(rows.length,
                    sums.getDouble(g, MIOU) / size,
                    sums.getDouble(g, MIOU_FG) / size,
                    sums.getDouble(g, IOU) / size,
                    sums.getDouble(g, F1) / size,
                    sums.getDouble(g, GIOU) / size,
                    sumI / (sumU + 1e-10),
                    datasetMiou, bg, fg));
        }
        return out;
    }

    /**
     * Every per-image metric as a {@code [n, 5]} double matrix (columns mIoU, foreground IoU with eps,
     * IoU, F1, gIoU term), evaluated element-wise with the formulas of {@link LocalizationMetrics}.
     */
    INDArray perImageMetrics() {
        int n = counts.size();
        double[] inter = new double[n];
        double[] union = new double[n];
        double[] pred = new double[n];
        double[] gt = new double[n];
        double[] pixels = new double[n];
        for (int i = 0; i < n; i++) {
            MaskCounts c = counts.get(i);
            inter[i] = c.intersection();
            union[i] = c.union();
            pred[i] = c.predictionArea();
            gt[i] = c.groundTruthArea();
            pixels[i] = c.pixels();
        }
        INDArray intersection = Nd4j.createFromArray(inter);
        INDArray u = Nd4j.createFromArray(union);
        INDArray p = Nd4j.createFromArray(pred);
        INDArray g = Nd4j.createFromArray(gt);
        INDArray px = Nd4j.createFromArray(pixels);
        INDArray emptyUnion = u.eq(0.0).castTo(DataType.DOUBLE);

        INDArray foreground = intersection.div(u.add(LocalizationMetrics.MIOU_EPS));
        INDArray background = px.sub(u).div(px.sub(intersection).add(LocalizationMetrics.MIOU_EPS));
        INDArray miou = background.add(foreground).div(2.0);
        // I <= U, so I / max(U, 1) is I/U where U > 0 and exactly 0 where U = 0 (the same holds for P, R below)
        INDArray iou = intersection.div(Transforms.max(u, 1.0));
        INDArray precision = intersection.div(Transforms.max(p, 1.0));
        INDArray recall = intersection.div(Transforms.max(g, 1.0));
        // 2·(P·R)/(P+R); where P+R = 0 the numerator is 0 too, so any positive divisor yields F1 = 0
        INDArray f1 = precision.mul(recall).mul(2.0).div(Transforms.max(precision.add(recall), Double.MIN_NORMAL));
        f1.addi(emptyUnion); // both masks empty: F1 = 1 (f1 is exactly 0 there)
        INDArray giou = intersection.div(u.add(LocalizationMetrics.GIOU_EPS)).addi(emptyUnion);

        INDArray m = Nd4j.create(DataType.DOUBLE, n, METRICS);
        m.putColumn(MIOU, miou);
        m.putColumn(MIOU_FG, foreground);
        m.putColumn(IOU, iou);
        m.putColumn(F1, f1);
        m.putColumn(GIOU, giou);
        return m;
    }
}
