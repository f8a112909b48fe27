package ai.legion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.legion.models.nn.WeightMap;
import ai.legion.train.optim.TrainableParameter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Which parameters train; everything else is frozen (no gradient, never touched by the optimizer). */
public final class Trainables {

    /**
     * LEGION stage 1 ({@code scripts/loc_exp/train.py::set_trainable_modules}, {@code setup_lora_config}): LoRA
     * adapters of the LLM, {@code lm_head}, {@code embed_tokens}, the SAM mask decoder and {@code text_hidden_fcs};
     * CLIP, the projector, the SAM image encoder and prompt encoder and the LLM's base weights are frozen.
     */
    public static final Predicate<String> LEGION_STAGE1 = key -> key.contains(".lora_A.") || key.contains(".lora_B.")
            || key.equals("lm_head.weight") || key.equals("model.embed_tokens.weight")
            || key.startsWith("model.grounding_encoder.mask_decoder.") || key.startsWith("model.text_hidden_fcs.");

    /** LEGION stage 2: only the detection head. */
    public static final Predicate<String> LEGION_STAGE2 = key -> key.startsWith("prediction_head.");

    /** Everything (training a small model from scratch). */
    public static final Predicate<String> ALL = key -> true;

    private Trainables() {}

    /**
     * Marks the parameters whose key {@code trainable} accepts as requiring gradients and all others as
     * not, and returns the trainable ones (weight decay flagged for tensors of rank >= 2, as upstream).
     *
     * @throws IllegalArgumentException if a trainable parameter is neither float32 nor float16 (float16
     *     trainables get float32 master copies in {@link ai.legion.train.optim.AdamW})
     */
    public static List<TrainableParameter> apply(WeightMap map, Predicate<String> trainable) {
        List<TrainableParameter> out = new ArrayList<>();
        for (WeightMap.Entry e : map.entries().values()) {
            NDArray a = e.parameter().getArray();
            boolean train = trainable.test(e.key());
            if (train && a.getDataType() != DataType.FLOAT32 && a.getDataType() != DataType.FLOAT16) {
                throw new IllegalArgumentException(e.key() + " is " + a.getDataType()
                        + ": trainable parameters must be float32 or float16 (load with FloatPolicy.FLOAT32 or FLOAT16)");
            }
            a.setRequiresGradient(train);
            if (train) {
                out.add(new TrainableParameter(e.key(), e.parameter(), e.shape().dimension() >= 2));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no parameter matches the trainable selection");
        }
        return out;
    }
}
