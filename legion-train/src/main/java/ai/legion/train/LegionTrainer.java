package ai.legion.train;

import ai.legion.data.sample.ClassIndex;
import ai.legion.models.LegionModel;

/**
 * The entry point for training LEGION's two stages.
 *
 * <pre>{@code
 * // stage 1: localization + explanation (LoRA on q/v, heads, mask decoder)
 * LegionTrainer.stage1().model(model).train(trainSet).validate(valSet).lora(LoraConfig.legionDefault(LoraConfig.LLAMA_DEFAULT_TARGETS))
 *     .epochs(3).batchSize(16).accumulate(1).lr(1e-4).checkpointDir(dir).checkpointEvery(500)
 *     .listener(myListener).fit();
 *
 * // stage 2: the detection head on CLIP's CLS token (CLIP frozen, features computed once)
 * Stage2Trainer s2 = LegionTrainer.stage2(model).epochs(3).lr(1e-3).balanced(true);
 * Stage2Trainer.Features f = s2.features(records, processor, loader);
 * s2.fit(f);
 * }</pre>
 */
public final class LegionTrainer {

    private LegionTrainer() {}

    /** A stage-1 configuration (upstream defaults; see {@link Stage1Trainer.Builder}). */
    public static Stage1Trainer.Builder stage1() {
        return Stage1Trainer.builder();
    }

    /**
     * Stage 2 on {@code model}'s detection head, with LEGION's class order (0 = real, 1 = fake).
     *
     * @throws IllegalArgumentException if the model has no detection head
     */
    public static Stage2Trainer stage2(LegionModel model) {
        return new Stage2Trainer(model, ClassIndex.LEGION);
    }
}
