package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * {@code LlamaRMSNorm} (transformers 4.28): {@code x · rsqrt(mean(x²) + eps)} computed in float32,
 * cast back to the input dtype, times {@code weight}. State dict: {@code weight [hidden]}.
 */
public final class RmsNorm extends LegionBlock {

    private final long hidden;
    private final double eps;
    private final Parameter weight;

    /**
     * @param hidden normalized width
     * @param eps {@code rms_norm_eps}
     */
    public RmsNorm(long hidden, double eps) {
        this.hidden = hidden;
        this.eps = eps;
        this.weight = param("weight", hidden);
    }

    /**
     * Normalizes over the last axis.
     *
     * @param x {@code [..., hidden]}
     * @return {@code [..., hidden]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != hidden) {
            throw new IllegalArgumentException("RmsNorm: expected input [..., " + hidden + "], got " + s);
        }
        return Ops.rmsNorm(x, value(ps, weight, x, training), eps);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
