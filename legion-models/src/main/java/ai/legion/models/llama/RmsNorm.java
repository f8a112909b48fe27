package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.UnaryBlock;

/**
 * {@code LlamaRMSNorm} (transformers 4.28): {@code x · rsqrt(mean(x²) + eps)} computed in float32,
 * cast back to the input dtype, times {@code weight}. State dict: {@code weight [hidden]} (created
 * {@link Init#ONES}).
 */
public final class RmsNorm extends UnaryBlock {

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
        this.weight = param("weight", Init.ONES, hidden);
    }

    /**
     * Normalizes over the last axis.
     *
     * @param x {@code [..., hidden]}
     * @return {@code [..., hidden]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.lastAxis("RmsNorm", x, hidden);
        return Ops.rmsNorm(x, value(ps, weight, x, training), eps);
    }
}
