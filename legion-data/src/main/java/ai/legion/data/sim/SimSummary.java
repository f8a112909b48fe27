package ai.legion.data.sim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ScarsSimGenerator#generate} wrote, with the statistics also stored in
 * {@code ROOT/stats.json} (all but {@link #elapsed()}, which would break byte-for-byte determinism).
 *
 * @param root dataset root
 * @param train SynthScars-layout train split
 * @param test SynthScars-layout test split
 * @param detectTrain detection train folder counts
 * @param detectTest detection test folder counts
 * @param artifactsByKind artifact counts over both SynthScars splits, by kind name
 * @param artifactsByCategory the same by category (STRUCTURE, DISTORTION, PHYSICS)
 * @param elapsed wall time of the whole generation
 */
public record SimSummary(
        Path root,
        SplitStats train,
        SplitStats test,
        DetectStats detectTrain,
        DetectStats detectTest,
        Map<String, Integer> artifactsByKind,
        Map<String, Integer> artifactsByCategory,
        Duration elapsed) {

    /** Copies the maps. */
    public SimSummary {
        Objects.requireNonNull(root, "root");
        artifactsByKind = Map.copyOf(artifactsByKind);
        artifactsByCategory = Map.copyOf(artifactsByCategory);
    }

    /**
     * One SynthScars-layout split.
     *
     * @param images records (= images) written
     * @param refs refs over all records
     * @param unionArea distribution of the per-image union of all ref polygons, as a fraction of the image
     * @param emptyMaskMiou mean per-image mIoU (LEGION's, bg and fg, ε = 1e-6) of an all-background
     *     prediction; NaN for an empty split
     * @param fullMaskMiou the same for an all-foreground prediction
     * @param constantCaptionRougeL mean ROUGE-L F1 (rouge_score tokens, no stemming) of one fixed caption,
     *     the most typical of the first 64 train captions, against every caption of this split: the
     *     text score of a predictor that ignores the image; NaN for the train split or without train data
     * @param constantCaption that caption, or null
     */
    public record SplitStats(int images, int refs, AreaStats unionArea, double emptyMaskMiou, double fullMaskMiou,
            double constantCaptionRougeL, String constantCaption) {
    }

    /**
     * One detection split ({@code 0_real}, {@code 1_fake}).
     *
     * @param real real images
     * @param fake fake images
     * @param fakeFromScars how many of the fakes are copies of SynthScars-layout images of the same split
     */
    public record DetectStats(int real, int fake, int fakeFromScars) {
    }

    /**
     * Summary of a set of fractions.
     *
     * @param count values
     * @param mean mean (NaN when empty)
     * @param min minimum
     * @param p10 10th percentile (nearest rank)
     * @param median 50th percentile (nearest rank)
     * @param p90 90th percentile (nearest rank)
     * @param max maximum
     * @param within5to30 share of values in {@code [0.05, 0.30]}
     */
    public record AreaStats(int count, double mean, double min, double p10, double median, double p90, double max,
            double within5to30) {

        /** Statistics of {@code values} (not modified). */
        public static AreaStats of(double[] values) {
            if (values.length == 0) {
                return new AreaStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double[] v = values.clone();
            Arrays.sort(v);
            double sum = 0;
            int within = 0;
            for (double d : v) {
                sum += d;
                if (d >= 0.05 && d <= 0.30) {
                    within++;
                }
            }
            return new AreaStats(v.length, sum / v.length, v[0], rank(v, 0.1), rank(v, 0.5), rank(v, 0.9), v[v.length - 1],
                    (double) within / v.length);
        }

        private static double rank(double[] sorted, double q) {
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }
}
