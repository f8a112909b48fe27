package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a refinement loop.
 *
 * @param mode {@code "inpainting"} or {@code "regeneration"}
 * @param iterations every iteration in order (at least one)
 * @param summaryFile the {@code summary.json} written in the output folder
 * @param stopReason why the loop ended: {@code "rounds done"}, {@code "iterations done"} or
 *     {@code "no artifact left"}
 */
public record RefinementResult(String mode, List<IterationResult> iterations, Path summaryFile, String stopReason) {

    /** Copies the list and checks it is not empty. */
    public RefinementResult {
        Objects.requireNonNull(mode, "mode");
        iterations = List.copyOf(iterations);
        if (iterations.isEmpty()) {
            throw new IllegalArgumentException("a refinement result needs at least one iteration");
        }
        Objects.requireNonNull(summaryFile, "summaryFile");
        Objects.requireNonNull(stopReason, "stopReason");
    }

    /** The last iteration (the refined image and LEGION's final report). */
    public IterationResult last() {
        return iterations.get(iterations.size() - 1);
    }

    /** The refined image. */
    public RgbImage finalImage() {
        return last().image();
    }

    /** Whether the loop stopped before its iteration budget because LEGION found no artifact. */
    public boolean stoppedEarly() {
        return "no artifact left".equals(stopReason);
    }

    /** The per-iteration values of one score, in iteration order (NaN where it was not computed). */
    public double[] scores(String name) {
        return iterations.stream().mapToDouble(i -> i.scores().getOrDefault(name, Double.NaN)).toArray();
    }
}
