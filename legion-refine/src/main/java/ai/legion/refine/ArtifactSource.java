package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;

/**
 * What the refinement loops need from LEGION: one report per image, with the artifacts' masks at the
 * image's size. {@code LegionAnalyzer::analyze} satisfies it ({@code analyze(RgbImage, String)}); tests
 * and other detectors can plug in their own.
 */
@FunctionalInterface
public interface ArtifactSource {

    /**
     * Analyzes one image.
     *
     * @param image the image
     * @param source a name for the image (kept in the report)
     * @return the report; every mask must be {@code image.height() x image.width()}
     */
    ArtifactReport analyze(RgbImage image, String source);
}
