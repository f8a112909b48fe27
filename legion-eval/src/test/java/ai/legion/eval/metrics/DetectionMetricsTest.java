package ai.legion.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-computed detection metrics, scikit-learn's documented examples, ties and one-class edge cases. */
class DetectionMetricsTest {

    private static final double[] DOC_SCORES = {0.1, 0.4, 0.35, 0.8};
    private static final boolean[] DOC_FAKE = {false, false, true, true};

    @Test
    void scikitLearnDocumentationExample() {
        // average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333..., roc_auc_score = 0.75
        assertEquals(0.8333333333333333, DetectionMetrics.averagePrecision(DOC_SCORES, DOC_FAKE), 1e-15);
        assertEquals(0.75, DetectionMetrics.rocAuc(DOC_SCORES, DOC_FAKE), 1e-15);
        DetectionMetrics.RocCurve r = DetectionMetrics.rocCurve(DOC_SCORES, DOC_FAKE, true);
        assertArrayEquals(new double[] {0, 0, 0.5, 0.5, 1}, r.fpr(), 0.0);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 1, 1}, r.tpr(), 0.0);
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 0.8, 0.4, 0.35, 0.1}, r.thresholds(), 0.0);
        // fnr = 1, .5, .5, 0, 0 -> |fnr - fpr| = 1, .5, 0, .5, 1 -> fpr 0.5
        assertEquals(0.5, DetectionMetrics.eer(DOC_SCORES, DOC_FAKE), 0.0);
        // at 0.5 only 0.8 is called fake
        assertEquals(0.75, DetectionMetrics.accuracy(DOC_SCORES, DOC_FAKE, 0.5), 0.0);
        assertEquals(1.0, DetectionMetrics.realAccuracy(DOC_SCORES, DOC_FAKE, 0.5), 0.0);
        assertEquals(0.5, DetectionMetrics.fakeAccuracy(DOC_SCORES, DOC_FAKE, 0.5), 0.0);
        // the threshold is strict: a score equal to it is real
        assertEquals(0.5, DetectionMetrics.fakeAccuracy(DOC_SCORES, DOC_FAKE, 0.35), 0.0);
        assertEquals(1.0, DetectionMetrics.fakeAccuracy(DOC_SCORES, DOC_FAKE, 0.3), 0.0);
    }

    @Test
    void tiedScoresFormOneThreshold() {
        double[] s = {0.5, 0.5, 0.5, 0.2};
        boolean[] y = {true, false, true, false};
        DetectionMetrics.ClassificationCurve c = DetectionMetrics.classificationCurve(s, y);
        assertArrayEquals(new double[] {0.5, 0.2}, c.thresholds(), 0.0);
        assertArrayEquals(new double[] {2, 2}, c.tps(), 0.0);
        assertArrayEquals(new double[] {1, 2}, c.fps(), 0.0);
        // one threshold reaches recall 1 at precision 2/3; no interpolation
        assertEquals(2.0 / 3, DetectionMetrics.averagePrecision(s, y), 1e-15);
        // ROC (0,0) (0.5,1) (1,1): the tied fake/real pair counts one half (Mann-Whitney 3/4)
        assertEquals(0.75, DetectionMetrics.rocAuc(s, y), 1e-15);
        assertEquals(0.5, DetectionMetrics.eer(s, y), 0.0);
        // all scores equal: AP = prevalence, AUC = 1/2
        double[] same = {0.3, 0.3, 0.3, 0.3};
        assertEquals(0.5, DetectionMetrics.averagePrecision(same, y), 1e-15);
        assertEquals(0.5, DetectionMetrics.rocAuc(same, y), 1e-15);
    }

    @Test
    void intermediatePointsAreDroppedLikeScikitLearn() {
        double[] s = {0.9, 0.8, 0.7, 0.6};
        boolean[] y = {true, true, false, false};
        DetectionMetrics.RocCurve dropped = DetectionMetrics.rocCurve(s, y, true);
        assertArrayEquals(new double[] {0, 0, 0, 1}, dropped.fpr(), 0.0);
        assertArrayEquals(new double[] {0, 0.5, 1, 1}, dropped.tpr(), 0.0);
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 0.9, 0.8, 0.6}, dropped.thresholds(), 0.0);
        DetectionMetrics.RocCurve full = DetectionMetrics.rocCurve(s, y, false);
        assertEquals(5, full.fpr().length);
        assertEquals(1.0, DetectionMetrics.rocAuc(s, y), 0.0);
        assertEquals(1.0, DetectionMetrics.averagePrecision(s, y), 0.0);
        assertEquals(0.0, DetectionMetrics.eer(s, y), 0.0);
    }

    @Test
    void oneClassOnly() {
        double[] s = {0.2, 0.9, 0.6};
        boolean[] allFake = {true, true, true};
        boolean[] allReal = {false, false, false};
        assertEquals(1.0, DetectionMetrics.averagePrecision(s, allFake), 0.0); // precision is 1 everywhere
        assertTrue(Double.isNaN(DetectionMetrics.averagePrecision(s, allReal)));
        assertTrue(Double.isNaN(DetectionMetrics.rocAuc(s, allFake)));
        assertTrue(Double.isNaN(DetectionMetrics.rocAuc(s, allReal)));
        assertTrue(Double.isNaN(DetectionMetrics.eer(s, allReal)));
        assertTrue(Double.isNaN(DetectionMetrics.realAccuracy(s, allFake, 0.5)));
        assertTrue(Double.isNaN(DetectionMetrics.fakeAccuracy(s, allReal, 0.5)));
        assertEquals(2.0 / 3, DetectionMetrics.fakeAccuracy(s, allFake, 0.5), 1e-15);
        assertTrue(Double.isNaN(DetectionMetrics.accuracy(new double[0], new boolean[0], 0.5)));
        // a single image
        assertEquals(1.0, DetectionMetrics.averagePrecision(new double[] {0.3}, new boolean[] {true}), 0.0);
        assertTrue(Double.isNaN(DetectionMetrics.rocCurve(s, allFake, true).fpr()[1]));
    }

    @Test
    void invalidInput() {
        assertThrows(IllegalArgumentException.class, () -> DetectionMetrics.accuracy(new double[] {0.1}, new boolean[2], 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> DetectionMetrics.averagePrecision(new double[] {Double.NaN}, new boolean[] {true}));
        assertThrows(IllegalArgumentException.class, () -> DetectionMetrics.averagePrecision(new double[0], new boolean[0]));
    }

    @Test
    void randomScoresAgreeWithDirectDefinitions() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 30; trial++) {
            int n = 5 + rnd.nextInt(60);
            double[] s = new double[n];
            boolean[] y = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(12) / 11.0; // few distinct values: many ties
                y[i] = rnd.nextBoolean();
            }
            y[0] = true;
            y[1] = false;
            // AUC = P(score_fake > score_real) + 0.5 P(equal)
            double wins = 0;
            int pairs = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (y[i] && !y[j]) {
                        pairs++;
                        wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
                }
            }
            assertEquals(wins / pairs, DetectionMetrics.rocAuc(s, y), 1e-12, "auc trial " + trial);
            // AP over the distinct thresholds, counted from scratch
            double[] distinct = java.util.Arrays.stream(s).distinct().sorted().toArray();
            int positives = 0;
            for (boolean f : y) {
                positives += f ? 1 : 0;
            }
            double ap = 0;
            double prevRecall = 0;
            for (int k = distinct.length - 1; k >= 0; k--) {
                int tp = 0;
                int predicted = 0;
                for (int i = 0; i < n; i++) {
                    if (s[i] >= distinct[k]) {
                        predicted++;
                        tp += y[i] ? 1 : 0;
                    }
                }
                double recall = (double) tp / positives;
                ap += (recall - prevRecall) * tp / predicted;
                prevRecall = recall;
            }
            assertEquals(ap, DetectionMetrics.averagePrecision(s, y), 1e-12, "ap trial " + trial);
            double eer = DetectionMetrics.eer(s, y);
            assertTrue(eer >= 0 && eer <= 1);
        }
    }

    @Test
    void legionAndUnifdConversions() {
        // softmax([2, 1])[0] = 1 / (1 + e^-1)
        assertEquals(1 / (1 + Math.exp(-1)), DetectionMetrics.legionFakeProbability(2, 1), 1e-15);
        assertEquals(0.5, DetectionMetrics.legionFakeProbability(3, 3), 0.0);
        assertEquals(1.0, DetectionMetrics.sigmoid(800), 0.0);
        assertEquals(0.0, DetectionMetrics.sigmoid(-800), 0.0);
        assertTrue(DetectionMetrics.legionPredictsFake(3, 3)); // torch.argmax picks index 0 (fake) on a tie
        assertFalse(DetectionMetrics.legionPredictsFake(1, 2));
        assertEquals(2.0 / 3, DetectionMetrics.accuracy(new boolean[] {true, false, true}, new boolean[] {true, true, true}),
                1e-15);
    }

    @Test
    void accumulatorReportsPerGeneratorAndTheirMean() {
        DetectionAccumulator acc = new DetectionAccumulator();
        for (int i = 0; i < DOC_SCORES.length; i++) {
            acc.add("progan", DOC_SCORES[i], DOC_FAKE[i]);
        }
        acc.add("crn", 0.9, true);
        acc.add("crn", 0.1, false);
        assertEquals(6, acc.size());
        DetectionAccumulator.Report r = acc.report(0.5);
        assertEquals(List.of("progan", "crn"), List.copyOf(r.perGenerator().keySet()));
        DetectionAccumulator.Result progan = r.perGenerator().get("progan");
        assertEquals(4, progan.count());
        assertEquals(2, progan.fakes());
        assertEquals(0.75, progan.accuracy(), 0.0);
        assertEquals(0.8333333333333333, progan.averagePrecision(), 1e-15);
        DetectionAccumulator.Result crn = r.perGenerator().get("crn");
        assertEquals(1.0, crn.accuracy(), 0.0);
        assertEquals(1.0, crn.rocAuc(), 0.0);
        // Table 5 averages generators, not images: (0.75 + 1) / 2, while pooled accuracy is 5/6
        assertEquals(0.875, r.meanAccuracy(), 1e-15);
        assertEquals(5.0 / 6, r.pooled().accuracy(), 1e-15);
        assertEquals((0.8333333333333333 + 1) / 2, r.meanAveragePrecision(), 1e-15);
        assertTrue(Double.isNaN(new DetectionAccumulator().report(0.5).meanAccuracy()));
    }
}
