package ai.legion.eval.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Collects detection scores per generator (UniversalFakeDetect's test folders: progan, stylegan, ...,
 * or LEGION's categories) and reports every {@link DetectionMetrics} metric per generator, pooled over
 * all images, and the unweighted mean over generators that the paper's Table 5 averages.
 *
 * <p>Not thread-safe.
 */
public final class DetectionAccumulator {

    /**
     * Metrics of one set of images (NaN where undefined, see {@link DetectionMetrics}).
     *
     * @param count images
     * @param reals real images
     * @param fakes fake images
     * @param accuracy accuracy at the threshold
     * @param realAccuracy accuracy on real images ({@code r_acc})
     * @param fakeAccuracy accuracy on fake images ({@code f_acc})
     * @param averagePrecision scikit-learn AP, fake positive
     * @param rocAuc ROC AUC
     * @param eer equal error rate
     */
    public record Result(int count, int reals, int fakes, double accuracy, double realAccuracy, double fakeAccuracy,
            double averagePrecision, double rocAuc, double eer) {}

    /**
     * A full report.
     *
     * @param threshold the {@code p_fake} threshold used
     * @param perGenerator per generator, in order of first appearance
     * @param pooled all images as one set
     * @param meanAccuracy unweighted mean of the generators' accuracies (Table 5's averaging); NaN when no
     *     image was added
     * @param meanAveragePrecision unweighted mean of the generators' defined APs (NaN if none)
     */
    public record Report(double threshold, Map<String, Result> perGenerator, Result pooled, double meanAccuracy,
            double meanAveragePrecision) {

        /** Copies the map, keeping its order. */
        public Report {
            perGenerator = Collections.unmodifiableMap(new LinkedHashMap<>(perGenerator));
        }
    }

    private final Map<String, List<double[]>> byGenerator = new LinkedHashMap<>();

    /**
     * Adds one image.
     *
     * @param generator its generator or category name
     * @param fakeProbability {@code p_fake} (not NaN)
     * @param fake whether the image is fake
     */
    public void add(String generator, double fakeProbability, boolean fake) {
        Objects.requireNonNull(generator, "generator");
        if (Double.isNaN(fakeProbability)) {
            throw new IllegalArgumentException("DetectionAccumulator: NaN score for generator " + generator);
        }
        byGenerator.computeIfAbsent(generator, g -> new ArrayList<>()).add(new double[] {fakeProbability, fake ? 1 : 0});
    }

    /** Number of images added. */
    public int size() {
        return byGenerator.values().stream().mapToInt(List::size).sum();
    }

    /** All metrics at {@code threshold} (UniFD and LEGION use 0.5). */
    public Report report(double threshold) {
        Map<String, Result> per = new LinkedHashMap<>();
        List<double[]> all = new ArrayList<>();
        double accSum = 0;
        int accN = 0;
        double apSum = 0;
        int apN = 0;
        for (Map.Entry<String, List<double[]>> e : byGenerator.entrySet()) {
            Result r = evaluate(e.getValue(), threshold);
            per.put(e.getKey(), r);
            all.addAll(e.getValue());
            if (!Double.isNaN(r.accuracy())) {
                accSum += r.accuracy();
                accN++;
            }
            if (!Double.isNaN(r.averagePrecision())) {
                apSum += r.averagePrecision();
                apN++;
            }
        }
        Result pooled = evaluate(all, threshold);
        return new Report(threshold, per, pooled, accN == 0 ? Double.NaN : accSum / accN,
                apN == 0 ? Double.NaN : apSum / apN);
    }

    /** Metrics of a list of (score, label) pairs; all NaN (count 0) for an empty list. */
    static Result evaluate(List<double[]> rows, double threshold) {
        int n = rows.size();
        if (n == 0) {
            double x = Double.NaN;
            return new Result(0, 0, 0, x, x, x, x, x, x);
        }
        double[] scores = new double[n];
        boolean[] fake = new boolean[n];
        int fakes = 0;
        for (int i = 0; i < n; i++) {
            scores[i] = rows.get(i)[0];
            fake[i] = rows.get(i)[1] != 0;
            fakes += fake[i] ? 1 : 0;
        }
        return new Result(n, n - fakes, fakes,
                DetectionMetrics.accuracy(scores, fake, threshold),
                DetectionMetrics.realAccuracy(scores, fake, threshold),
                DetectionMetrics.fakeAccuracy(scores, fake, threshold),
                DetectionMetrics.averagePrecision(scores, fake),
                DetectionMetrics.rocAuc(scores, fake),
                DetectionMetrics.eer(scores, fake));
    }
}
