package ai.legion.refine;

/**
 * Scores each iteration's image; the loops record every scorer's value per iteration in
 * {@code summary.json}. The library ships {@link ArtifactAreaScorer} (LEGION's own artifact area ratio,
 * lower is better), which costs nothing beyond the analysis the loop runs anyway.
 *
 * <p><b>HPS v2 semantics</b> (the paper's metric; upstream {@code scripts/refine/regenerator.py::hpsv2_score}, HPSv2
 * {@code hpsv2/img_score.py}), for implementations that wrap it (e.g. an HTTP call to a Python service running
 * {@code hpsv2.score(images, prompt, hps_version="v2.1")}): the score is the cosine similarity between the
 * L2-normalized OpenCLIP ViT-H-14 image and text embeddings of the HPS v2.1 checkpoint
 * ({@code HPS_v2.1_compressed.pt}; v2.0 scores are not comparable), without logit scale; higher is better; typical
 * values 0.20 to 0.35 (papers print them x100). The image is scaled so its longest side is 224 (bicubic), zero-padded
 * to 224x224 centred, CLIP-normalized; the text is CLIP-BPE with context 77. Upstream's regenerator scores against
 * the <em>current revised</em> prompt ({@link ScoringInput#prompt()}); scoring against
 * {@link ScoringInput#originalPrompt()} too is advisable because a revised prompt can drift from what the user asked
 * for.
 */
public interface QualityScorer {

    /** The key of this score in {@code summary.json} (e.g. {@code artifact_area}, {@code hps_v2.1}). */
    String name();

    /** Whether larger values mean a better image (true for HPS, false for artifact area). */
    default boolean higherIsBetter() {
        return true;
    }

    /**
     * Scores one iteration.
     *
     * @throws RefineException when the score cannot be computed (a remote scorer failed)
     */
    double score(ScoringInput input) throws RefineException;
}
