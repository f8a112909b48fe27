package ai.legion.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Real/fake detection metrics (paper Table 5; LEGION {@code scripts/cls/eval.py::validate}, UniversalFakeDetect
 * {@code validate.py::validate}). Every function takes a score per image, <b>the probability that the image is
 * fake</b>, and its label with <b>fake as the positive class</b>:
 * <ul>
 *   <li>LEGION: {@code p_fake = softmax(logits)[0]} because its head's index 1 means real
 *       ({@link #legionFakeProbability}); its own decision is the argmax ({@link #legionPredictsFake});
 *   <li>UniFD/CNNSpot/NPR: {@code p_fake = sigmoid(logit)}, label 1 = fake ({@link #sigmoid}).
 * </ul>
 *
 * <p>Threshold metrics predict fake when {@code score > threshold} (UniFD's {@code y_pred > thres}).
 * Ranking metrics follow scikit-learn exactly: {@link #averagePrecision} is
 * {@code average_precision_score} (no interpolation), {@link #rocAuc} is {@code roc_auc_score}
 * (trapezoids over {@code roc_curve}, so tied scores count one half), {@link #eer} is the false-positive
 * rate at {@code argmin |fnr − fpr|} on that curve.
 *
 * <p>Undefined values are NaN, never an exception: accuracy of an empty set, real (fake) accuracy
 * without real (fake) images, AP without any fake image (scikit-learn ≥ 1.1 returns 0 with a warning,
 * older versions NaN), AUC and EER when only one class is present (scikit-learn raises). Scores must
 * not be NaN (scikit-learn rejects them too).
 */
public final class DetectionMetrics {

    private DetectionMetrics() {}

    // ---- score conversions -------------------------------------------------------------------------

    /**
     * LEGION's fake probability from its two detection logits: {@code softmax([fake, real])[0]}, computed
     * stably as {@code 1 / (1 + exp(real − fake))}.
     */
    public static double legionFakeProbability(double logitFake, double logitReal) {
        return sigmoid(logitFake - logitReal);
    }

    /**
     * LEGION's own decision: {@code argmax(logits) == 0} (index 0 = fake). On a tie torch's argmax returns
     * the first index, so a tie counts as fake, whereas {@code p_fake > 0.5} would call it real.
     */
    public static boolean legionPredictsFake(double logitFake, double logitReal) {
        return !(logitReal > logitFake);
    }

    /** {@code 1 / (1 + exp(-x))}, without overflow for large {@code |x|}. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    // ---- threshold metrics --------------------------------------------------------------------------

    /** Share of images whose prediction ({@code score > threshold} = fake) matches the label; NaN if none. */
    public static double accuracy(double[] scores, boolean[] fake, double threshold) {
        check(scores, fake);
        return accuracyOf(scores, fake, threshold, null);
    }

    /** Accuracy over the real images only ({@code r_acc}); NaN if there are none. */
    public static double realAccuracy(double[] scores, boolean[] fake, double threshold) {
        check(scores, fake);
        return accuracyOf(scores, fake, threshold, Boolean.FALSE);
    }

    /** Accuracy over the fake images only ({@code f_acc}); NaN if there are none. */
    public static double fakeAccuracy(double[] scores, boolean[] fake, double threshold) {
        check(scores, fake);
        return accuracyOf(scores, fake, threshold, Boolean.TRUE);
    }

    /** Share of matching hard decisions (for LEGION's argmax); NaN for no images. */
    public static double accuracy(boolean[] predictedFake, boolean[] fake) {
        Objects.requireNonNull(predictedFake, "predictedFake");
        Objects.requireNonNull(fake, "fake");
        if (predictedFake.length != fake.length) {
            throw new IllegalArgumentException("DetectionMetrics: " + predictedFake.length + " predictions for "
                    + fake.length + " labels");
        }
        if (fake.length == 0) {
            return Double.NaN;
        }
        int right = 0;
        for (int i = 0; i < fake.length; i++) {
            if (predictedFake[i] == fake[i]) {
                right++;
            }
        }
        return (double) right / fake.length;
    }

    private static double accuracyOf(double[] scores, boolean[] fake, double threshold, Boolean only) {
        int n = 0;
        int right = 0;
        for (int i = 0; i < scores.length; i++) {
            if (only != null && fake[i] != only) {
                continue;
            }
            n++;
            if ((scores[i] > threshold) == fake[i]) {
                right++;
            }
        }
        return n == 0 ? Double.NaN : (double) right / n;
    }

    // ---- ranking metrics ----------------------------------------------------------------------------

    /**
     * scikit-learn's {@code _binary_clf_curve}: one point per distinct score, in decreasing score order,
     * with the cumulative true and false positives of all images scoring at least that much.
     *
     * @param thresholds the distinct scores, decreasing
     * @param tps fake images with {@code score >= threshold}
     * @param fps real images with {@code score >= threshold}
     */
    public record ClassificationCurve(double[] thresholds, double[] tps, double[] fps) {

        /** Number of points (distinct scores). */
        public int size() {
            return thresholds.length;
        }
    }

    /**
     * A ROC curve as {@code sklearn.metrics.roc_curve}: starts at (0, 0) with threshold +∞; with
     * {@code dropIntermediate} collinear points are removed as scikit-learn does by default.
     *
     * @param fpr false-positive rates (NaN everywhere when there is no real image)
     * @param tpr true-positive rates (NaN everywhere when there is no fake image)
     * @param thresholds decreasing, first +∞
     */
    public record RocCurve(double[] fpr, double[] tpr, double[] thresholds) {}

    /**
     * The classification curve: scores sorted in decreasing order (ND4J), tied scores merged into one
     * threshold, cumulative counts at the end of each tie group.
     *
     * @throws IllegalArgumentException on empty input, a length mismatch or a NaN score
     */
    public static ClassificationCurve classificationCurve(double[] scores, boolean[] fake) {
        check(scores, fake);
        if (scores.length == 0) {
            throw new IllegalArgumentException("DetectionMetrics: no scores");
        }
        int n = scores.length;
        double[] labels = new double[n];
        for (int i = 0; i < n; i++) {
            labels[i] = fake[i] ? 1 : 0;
        }
        // sort descending; the order inside a tie group is irrelevant because only group ends are kept
        INDArray[] sorted = Nd4j.sortWithIndices(Nd4j.createFromArray(scores), 0, false);
        long[] order = sorted[0].castTo(DataType.INT64).toLongVector();
        double[] s = sorted[1].toDoubleVector();
        if (order.length != n || s.length != n) {
            throw new IllegalStateException("DetectionMetrics: ND4J sort returned " + order.length + " of " + n);
        }
        double[] sortedLabels = new double[n];
        for (int i = 0; i < n; i++) {
            sortedLabels[i] = labels[(int) order[i]];
        }
        // cumulative true positives; exact, the partial sums are integers far below 2^53
        double[] cumTp = Nd4j.createFromArray(sortedLabels).cumsum(0).toDoubleVector();
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            if (s[i] != s[i + 1]) {
                ends.add(i);
            }
        }
        ends.add(n - 1);
        double[] thr = new double[ends.size()];
        double[] tps = new double[ends.size()];
        double[] fps = new double[ends.size()];
        for (int k = 0; k < ends.size(); k++) {
            int e = ends.get(k);
            thr[k] = s[e];
            tps[k] = cumTp[e];
            fps[k] = 1 + e - cumTp[e];
        }
        return new ClassificationCurve(thr, tps, fps);
    }

    /**
     * {@code sklearn.metrics.average_precision_score} with fake as positive: {@code Σ_n (R_n − R_{n−1})·P_n}
     * over the distinct scores in decreasing order ({@code R_0 = 0}), without interpolation; tied
     * scores form one threshold.
     *
     * @return AP in [0, 1]; NaN when there is no fake image
     */
    public static double averagePrecision(double[] scores, boolean[] fake) {
        ClassificationCurve c = classificationCurve(scores, fake);
        int k = c.size();
        double positives = c.tps()[k - 1];
        if (positives == 0) {
            return Double.NaN;
        }
        // scikit-learn: -sum(diff(recall) * precision[:-1]) over the reversed curve with (R=0, P=1) appended;
        // the appended point carries weight 0, so this is the plain sum below
        double ap = 0;
        double prevRecall = 0;
        for (int i = 0; i < k; i++) {
            double tp = c.tps()[i];
            double precision = tp / (tp + c.fps()[i]);
            double recall = tp / positives;
            ap += (recall - prevRecall) * precision;
            prevRecall = recall;
        }
        return ap;
    }

    /** {@code sklearn.metrics.roc_curve(fake, scores, drop_intermediate=dropIntermediate)}. */
    public static RocCurve rocCurve(double[] scores, boolean[] fake, boolean dropIntermediate) {
        ClassificationCurve c = classificationCurve(scores, fake);
        int k = c.size();
        List<Integer> keep = new ArrayList<>();
        if (dropIntermediate && k > 2) {
            // keep the ends and every point where either cumulative count bends (non-zero 2nd difference)
            keep.add(0);
            for (int i = 1; i < k - 1; i++) {
                double d2f = c.fps()[i + 1] - 2 * c.fps()[i] + c.fps()[i - 1];
                double d2t = c.tps()[i + 1] - 2 * c.tps()[i] + c.tps()[i - 1];
                if (d2f != 0 || d2t != 0) {
                    keep.add(i);
                }
            }
            keep.add(k - 1);
        } else {
            for (int i = 0; i < k; i++) {
                keep.add(i);
            }
        }
        int m = keep.size() + 1;
        double[] fpr = new double[m];
        double[] tpr = new double[m];
        double[] thr = new double[m];
        thr[0] = Double.POSITIVE_INFINITY;
        double totalFp = c.fps()[k - 1];
        double totalTp = c.tps()[k - 1];
        for (int j = 0; j < m; j++) {
            double fp = j == 0 ? 0 : c.fps()[keep.get(j - 1)];
            double tp = j == 0 ? 0 : c.tps()[keep.get(j - 1)];
            if (j > 0) {
                thr[j] = c.thresholds()[keep.get(j - 1)];
            }
            fpr[j] = totalFp <= 0 ? Double.NaN : fp / totalFp;
            tpr[j] = totalTp <= 0 ? Double.NaN : tp / totalTp;
        }
        return new RocCurve(fpr, tpr, thr);
    }

    /**
     * {@code sklearn.metrics.roc_auc_score}: trapezoidal area under {@link #rocCurve} (tied scores form one
     * point, so a fake/real pair with equal scores counts one half).
     *
     * @return AUC in [0, 1]; NaN when only one class is present
     */
    public static double rocAuc(double[] scores, boolean[] fake) {
        RocCurve r = rocCurve(scores, fake, true); // validates the input
        if (!hasBothClasses(fake)) {
            return Double.NaN;
        }
        double area = 0;
        for (int i = 1; i < r.fpr().length; i++) {
            area += (r.fpr()[i] - r.fpr()[i - 1]) * (r.tpr()[i] + r.tpr()[i - 1]) / 2;
        }
        return area;
    }

    /**
     * Equal error rate: on {@code roc_curve} (scikit-learn's default, intermediate points dropped) with
     * {@code fnr = 1 − tpr}, the {@code fpr} at the first index minimizing {@code |fnr − fpr|}.
     *
     * @return EER in [0, 1]; NaN when only one class is present
     */
    public static double eer(double[] scores, boolean[] fake) {
        RocCurve r = rocCurve(scores, fake, true); // validates the input
        if (!hasBothClasses(fake)) {
            return Double.NaN;
        }
        int best = 0;
        double bestGap = Double.POSITIVE_INFINITY;
        for (int i = 0; i < r.fpr().length; i++) {
            double gap = Math.abs((1 - r.tpr()[i]) - r.fpr()[i]);
            if (gap < bestGap) {
                bestGap = gap;
                best = i;
            }
        }
        return r.fpr()[best];
    }

    private static boolean hasBothClasses(boolean[] fake) {
        boolean anyFake = false;
        boolean anyReal = false;
        for (boolean f : fake) {
            anyFake |= f;
            anyReal |= !f;
        }
        return anyFake && anyReal;
    }

    static void check(double[] scores, boolean[] fake) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(fake, "fake");
        if (scores.length != fake.length) {
            throw new IllegalArgumentException("DetectionMetrics: " + scores.length + " scores for " + fake.length
                    + " labels");
        }
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("DetectionMetrics: score " + i + " is NaN");
            }
        }
    }
}
