package ai.legion.eval.runner;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.Verdict;
import java.util.List;

/**
 * What a {@link PredictionSource} says about one image; every part is optional ({@code null}) because a
 * source may produce only masks, only texts or only scores.
 *
 * @param mask the predicted artifact mask (upstream's union {@code mask.png}), any size (it is resized to
 *     the ground truth's with OpenCV's nearest rule)
 * @param explanation the predicted explanation text
 * @param fakeProbability {@code p(fake)} in [0, 1]
 * @param generatedTokens tokens generated for the explanation (0 when unknown)
 * @param millis time spent on the image (0 when unknown)
 * @param error why there is no prediction for this image, or {@code null}
 * @param artifacts the predicted artifacts (phrase, explanation, mask) in output order, when the source lists
 *     them (an analyzer does; stored texts do not: {@code null}); grounding metrics match them to the
 *     ground-truth artifacts
 */
public record Prediction(BinaryMask mask, String explanation, Double fakeProbability, int generatedTokens,
        double millis, String error, List<Artifact> artifacts) {

    /** Copies the artifact list. */
    public Prediction {
        artifacts = artifacts == null ? null : List.copyOf(artifacts);
    }

    /** A prediction without a per-artifact list. */
    public Prediction(BinaryMask mask, String explanation, Double fakeProbability, int generatedTokens, double millis,
            String error) {
        this(mask, explanation, fakeProbability, generatedTokens, millis, error, null);
    }

    /**
     * A prediction from an analyzer report: the union mask, the cleaned explanation, the verdict's p(fake) and
     * the artifacts.
     */
    public static Prediction of(ArtifactReport report) {
        Double pFake = report.verdict().map(Verdict::pFake).orElse(null);
        return new Prediction(report.union(), report.explanationText(), pFake, report.generatedTokens(),
                report.timings().totalMs(), null, report.artifacts());
    }

    /** A prediction with some of mask, text and score (the others {@code null}). */
    public static Prediction of(BinaryMask mask, String explanation, Double fakeProbability) {
        return new Prediction(mask, explanation, fakeProbability, 0, 0, null);
    }

    /** No prediction, and why. */
    public static Prediction failed(String error) {
        return new Prediction(null, null, null, 0, 0, error == null ? "unknown error" : error);
    }

    /** Whether there is a prediction. */
    public boolean ok() {
        return error == null;
    }
}
