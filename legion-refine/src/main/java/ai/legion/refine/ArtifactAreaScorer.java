package ai.legion.refine;

/**
 * LEGION's own cheap quality signal: the artifact area ratio ("PAR" in upstream's inpainter), the share of
 * the image covered by the union of the predicted masks ({@code ArtifactReport.artifactAreaFraction()}, the
 * mean of upstream's {@code any(pred_masks > 0)}). In [0, 1]; lower is better; 0 means LEGION found no
 * artifact region.
 */
public final class ArtifactAreaScorer implements QualityScorer {

    /** The score's key in {@code summary.json}. */
    public static final String NAME = "artifact_area";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean higherIsBetter() {
        return false;
    }

    @Override
    public double score(ScoringInput input) {
        return input.report().artifactAreaFraction();
    }
}
