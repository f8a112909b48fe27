package ai.legion.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * {@code torch.nn.utils.clip_grad_norm_}: the global L2 norm over all gradients; if it exceeds
 * {@code maxNorm}, every gradient is scaled in place by {@code maxNorm / (norm + 1e-6)}. (DJL's
 * {@code optClipGrad} clamps element-wise, which is not the same.)
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Clips and returns the norm before clipping (NaN or infinite if a gradient is).
     *
     * @param scratch a manager for temporaries (closed by the caller)
     */
    public static double clip(List<TrainableParameter> params, double maxNorm, NDManager scratch) {
        double norm = norm(params, scratch);
        double coef = coefficient(norm, maxNorm);
        if (coef < 1) {
            for (TrainableParameter p : params) {
                NDArray g = p.parameter().getArray().getGradient();
                g.attach(scratch);
                g.muli((float) coef);
            }
        }
        return norm;
    }

    /** The global L2 norm of the gradients (NaN or infinite if a gradient is), summed in float64. */
    public static double norm(List<TrainableParameter> params, NDManager scratch) {
        double sq = 0;
        for (TrainableParameter p : params) {
            NDArray g = p.parameter().getArray().getGradient();
            g.attach(scratch);
            // in float64: a float32 sum of squares overflows long before any gradient is unusable
            sq += g.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).square().sum().getDouble();
        }
        return Math.sqrt(sq);
    }

    /** torch's factor for a norm: {@code min(1, maxNorm / (norm + 1e-6))}; 1 for a non-finite norm. */
    public static double coefficient(double norm, double maxNorm) {
        double coef = maxNorm / (norm + 1e-6);
        return coef < 1 && Double.isFinite(norm) ? coef : 1.0;
    }
}
