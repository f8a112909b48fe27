package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One iteration of a refinement loop: the image {@code I_t}, the prompt it came from, LEGION's report on it
 * and its scores; for inpainting also the regions repainted to make {@code I_{t+1}}.
 *
 * @param iteration t, 0-based (folder {@code iteration_t})
 * @param folder the iteration's output folder
 * @param imageFile {@code iteration_t/image.png}
 * @param reportFile {@code iteration_t/report.json}
 * @param image the pixels of {@code I_t}
 * @param prompt regeneration: the prompt {@code P_t} that generated the image; inpainting: the evaluation
 *     prompt ("" when none; the per-region prompts are in {@code edits})
 * @param report LEGION's report on {@code I_t}
 * @param artifactArea the artifact area ratio (upstream's PAR) of {@code I_t}
 * @param scores every scorer's value by {@link QualityScorer#name()}, in scorer order (read-only)
 * @param edits inpainting: the regions repainted in this iteration, in artifact order; empty otherwise
 * @param generateMillis time spent in generator/inpainter calls that produced this iteration's image
 *     (regeneration) or its edits (inpainting)
 * @param analyzeMillis time spent in LEGION on this iteration's image
 */
public record IterationResult(int iteration, Path folder, Path imageFile, Path reportFile, RgbImage image,
        String prompt, ArtifactReport report, double artifactArea, Map<String, Double> scores, List<RegionEdit> edits,
        long generateMillis, long analyzeMillis) {

    /** Copies the collections and checks that nothing is null. */
    public IterationResult {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(imageFile, "imageFile");
        Objects.requireNonNull(reportFile, "reportFile");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(report, "report");
        scores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(scores));
        edits = List.copyOf(edits);
    }

    /** Whether LEGION found at least one artifact with a non-empty mask. */
    public boolean hasArtifacts() {
        return report.artifacts().stream().anyMatch(a -> a.hasMask());
    }
}
