package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import java.util.Objects;

/**
 * What a {@link QualityScorer} sees for one iteration.
 *
 * @param iteration the iteration (0-based)
 * @param image the iteration's image
 * @param report LEGION's report on it
 * @param prompt the prompt the image was made from (regeneration: the revised prompt of this iteration;
 *     inpainting: the evaluation prompt given to the loop, "" when none)
 * @param originalPrompt the user's prompt before any revision ("" when none)
 */
public record ScoringInput(int iteration, RgbImage image, ArtifactReport report, String prompt, String originalPrompt) {

    /** Checks that nothing is null. */
    public ScoringInput {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(originalPrompt, "originalPrompt");
    }
}
