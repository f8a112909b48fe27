package ai.legion.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.LegionConfig;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * LEGION's {@code text_hidden_fcs}: {@code ModuleList([Sequential(Linear(H→H), ReLU, Linear(H→out_dim),
 * Dropout(0.0))])}, projecting the post-norm LLM states of the [SEG] positions into SAM's prompt space.
 * Dropout has p = 0 upstream, so it is the identity here in training too.
 *
 * <p>Keys: {@code 0.0.weight [H, H]}, {@code 0.0.bias [H]}, {@code 0.2.weight [out_dim, H]},
 * {@code 0.2.bias [out_dim]}. Caller prefix: {@code model.text_hidden_fcs.}.
 */
public final class TextHiddenProjection extends LegionBlock {

    private static final String NAME = "TextHiddenProjection";

    private final int hiddenSize;
    private final int outDim;
    private final Parameter w0;
    private final Parameter b0;
    private final Parameter w2;
    private final Parameter b2;

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
        HeadChecks.positive(NAME, "hidden_size", hiddenSize);
        HeadChecks.positive(NAME, "out_dim", outDim);
        this.hiddenSize = hiddenSize;
        this.outDim = outDim;
        w0 = param("0.0.weight", hiddenSize, hiddenSize);
        b0 = param("0.0.bias", hiddenSize);
        w2 = param("0.2.weight", outDim, hiddenSize);
        b2 = param("0.2.bias", outDim);
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
    public NDArray forward(ParameterStore ps, NDArray hidden, boolean training) {
        HeadChecks.features(NAME, hidden, hiddenSize);
        NDArray w = value(ps, w0, hidden, training);
        NDArray h = Ops.relu(Ops.linear(HeadChecks.like(hidden, w), w, value(ps, b0, hidden, training)));
        return Ops.linear(h, value(ps, w2, hidden, training), value(ps, b2, hidden, training));
    }

    /** Output width. */
    public int outDim() {
        return outDim;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long[] dims = inputShapes[0].getShape().clone();
        dims[dims.length - 1] = outDim;
        return new Shape[] {new Shape(dims)};
    }
}
