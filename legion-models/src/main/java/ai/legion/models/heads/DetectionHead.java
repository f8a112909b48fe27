package ai.legion.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LegionConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Mlp;

/**
 * LEGION's stage-2 {@code prediction_head} ({@code LegionForCls}): {@code Sequential(Linear(mm→2·mm),
 * ReLU, Linear(2·mm→2))} on the CLIP CLS token of {@code hidden_states[-2]} (no post norm, no
 * projector). Labels: {@value #REAL_INDEX} = real, {@value #FAKE_INDEX} = fake.
 *
 * <p>Keys: {@code 0.weight [2·mm, mm]}, {@code 0.bias [2·mm]}, {@code 2.weight [2, 2·mm]},
 * {@code 2.bias [2]}. Caller prefix: {@code prediction_head.}.
 */
public final class DetectionHead extends Mlp {

    /** Logit index (and training label) of a real image: LEGION's convention, 1 = real. */
    public static final int REAL_INDEX = 1;
    /** Logit index (and training label) of a synthetic image: 0 = fake. */
    public static final int FAKE_INDEX = 0;
    /** Number of classes. */
    public static final int NUM_CLASSES = 2;

    private static final String NAME = "DetectionHead";

    /** From {@code mm_hidden_size} of a LEGION config (the CLIP width). */
    public DetectionHead(LegionConfig config) {
        this(config.mmHiddenSize());
    }

    /**
     * Declares the head for a CLIP width.
     *
     * @param mmHiddenSize CLIP width (1024 for ViT-L/14-336)
     */
    public DetectionHead(int mmHiddenSize) {
        super(NAME, sequentialNames("", 2), widths(mmHiddenSize), Activation.RELU, false);
    }

    private static long[] widths(int mmHiddenSize) {
        Checks.positive(NAME, "mm_hidden_size", mmHiddenSize);
        return new long[] {mmHiddenSize, 2L * mmHiddenSize, NUM_CLASSES};
    }

    /**
     * Classifies CLS features.
     *
     * @param ps parameter store
     * @param clsFeature {@code [B, mm_hidden]} (any leading dims allowed); cast to the weights' dtype
     * @param training whether gradients are being recorded
     * @return logits {@code [B, 2]}: index {@value #FAKE_INDEX} fake, {@value #REAL_INDEX} real
     * @throws IllegalArgumentException if the last axis is not {@code mm_hidden_size}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray clsFeature, boolean training) {
        Checks.features(NAME, clsFeature, inputDim());
        return super.forward(ps, clsFeature, training);
    }

    /**
     * Upstream's prediction: {@code argmax} over the class axis.
     *
     * @param logits {@code [..., 2]}
     * @return int64 class indices {@code [...]} ({@value #REAL_INDEX} = real)
     */
    public static NDArray predict(NDArray logits) {
        if (logits == null || logits.getShape().dimension() < 1
                || logits.getShape().get(logits.getShape().dimension() - 1) != NUM_CLASSES) {
            throw new IllegalArgumentException(NAME + ".predict: expected logits [..., 2], got "
                    + (logits == null ? "null" : logits.getShape()));
        }
        return logits.argMax(-1).toType(DataType.INT64, false);
    }
}
