package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * {@code torch.nn.LayerNorm(dim, eps)} over the last axis: {@code weight [dim]} (created
 * {@link Init#ONES}) and {@code bias [dim]} ({@link Init#ZEROS}).
 */
public final class LayerNorm extends UnaryBlock {

    private final long dim;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param dim normalized width
     * @param eps added to the variance
     */
    public LayerNorm(long dim, double eps) {
        Checks.positive("LayerNorm", "dim", dim);
        this.dim = dim;
        this.eps = eps;
        weight = param("weight", Init.ONES, dim);
        bias = param("bias", Init.ZEROS, dim);
    }

    /**
     * @param x {@code [..., dim]}
     * @return {@code [..., dim]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.lastAxis("LayerNorm", x, dim);
        return Ops.layerNorm(x, value(ps, weight, x, training), value(ps, bias, x, training), eps);
    }
}
