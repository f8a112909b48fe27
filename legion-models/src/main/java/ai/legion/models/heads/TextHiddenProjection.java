package ai.legion.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LegionConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Mlp;

/**
 * LEGION's {@code text_hidden_fcs}: {@code ModuleList([Sequential(Linear(H→H), ReLU, Linear(H→out_dim),
 * Dropout(0.0))])}, projecting the post-norm LLM states of the [SEG] positions into SAM's prompt space.
 * Dropout has p = 0 upstream, so it is the identity here in training too.
 *
 * <p>Keys: {@code 0.0.weight [H, H]}, {@code 0.0.bias [H]}, {@code 0.2.weight [out_dim, H]},
 * {@code 0.2.bias [out_dim]}. Caller prefix: {@code model.text_hidden_fcs.}.
 */
public final class TextHiddenProjection extends Mlp {

    private static final String NAME = "TextHiddenProjection";

    /** From the LLM {@code hidden_size} and {@code out_dim} of a LEGION config. */
    public TextHiddenProjection(LegionConfig config) {
        this(config.llama().hiddenSize(), config.outDim());
    }

    /**
     * Declares the projection for explicit sizes.
     *
     * @param hiddenSize LLM width H
     * @param outDim output width (SAM prompt width, 256 for LEGION)
     */
    public TextHiddenProjection(int hiddenSize, int outDim) {
        super(NAME, sequentialNames("0.", 2), widths(hiddenSize, outDim), Activation.RELU, false);
    }

    private static long[] widths(int hiddenSize, int outDim) {
        Checks.positive(NAME, "hidden_size", hiddenSize);
        Checks.positive(NAME, "out_dim", outDim);
        return new long[] {hiddenSize, hiddenSize, outDim};
    }

    /**
     * Projects LLM hidden states.
     *
     * @param ps parameter store
     * @param hidden post-norm LLM states {@code [..., H]} (e.g. {@code [B, T, H]} or {@code [K, H]});
     *     cast to the weights' dtype
     * @param training whether gradients are being recorded
     * @return {@code [..., out_dim]}
     * @throws IllegalArgumentException if the last axis is not H
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray hidden, boolean training) {
        Checks.features(NAME, hidden, inputDim());
        return super.forward(ps, hidden, training);
    }

    /** Output width. */
    public int outDim() {
        return (int) outputDim();
    }
}
