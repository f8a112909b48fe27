package ai.legion.refine;

import ai.legion.core.report.BinaryMask;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One region the inpainting loop repainted in an iteration.
 *
 * @param artifactIndex the artifact's index in the iteration's report
 * @param phrase the artifact's phrase
 * @param explanation the artifact's explanation
 * @param prompt the inpainting prompt built from the explanation
 * @param mask the dilated mask sent to the inpainter (white = repaint)
 * @param maskFile where the mask was written ({@code iteration_N/mask_K.png}, K = artifact index)
 * @param seed the seed sent with the call (-1 = random)
 */
public record RegionEdit(int artifactIndex, String phrase, String explanation, String prompt, BinaryMask mask,
        Path maskFile, long seed) {

    /** Checks that nothing is null. */
    public RegionEdit {
        Objects.requireNonNull(phrase, "phrase");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(maskFile, "maskFile");
    }
}
