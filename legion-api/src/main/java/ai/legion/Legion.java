package ai.legion;

import ai.legion.eval.runner.Evaluation;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.refine.InpaintingRefiner;
import ai.legion.refine.Refiner;
import ai.legion.refine.RegenerationRefiner;
import ai.legion.train.Stage1Trainer;
import ai.legion.train.Stage2Trainer;

/**
 * The entry point of LEGION for the JVM.
 *
 * <pre>{@code
 * try (LegionAnalyzer legion = Legion.analyzer().model(dir).clip(clipDir).build()) {
 *     ArtifactReport report = legion.analyze(Path.of("image.png"));
 * }
 * }</pre>
 */
public final class Legion {

    private Legion() {}

    /** An analyzer over a GLaMM/LEGION checkpoint folder: verdict, masks and explanations of images. */
    public static LegionAnalyzer.Builder analyzer() {
        return LegionAnalyzer.builder();
    }

    /** Stage 1: localization and explanation (LoRA on the LLM, heads, mask decoder). */
    public static Stage1Trainer.Builder stage1() {
        return Stage1Trainer.builder();
    }

    /** Stage 2: the detection head on CLIP's CLS token (LEGION's class order, 1 = real, unless set). */
    public static Stage2Trainer.Builder stage2() {
        return Stage2Trainer.builder();
    }

    /** An evaluation of localization (mIoU, F1), explanation (ROUGE-L, CSS) and detection (accuracy, AP). */
    public static Evaluation.Builder evaluation() {
        return Evaluation.of(java.util.EnumSet.allOf(ai.legion.eval.runner.Task.class));
    }

    /** The inpainting loop (paper Eq. 6). */
    public static InpaintingRefiner inpainting() {
        return Refiner.inpainting();
    }

    /** The regeneration loop (paper Eq. 5). */
    public static RegenerationRefiner regeneration() {
        return Refiner.regeneration();
    }
}
