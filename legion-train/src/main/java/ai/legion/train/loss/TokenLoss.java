package ai.legion.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.legion.models.nn.Ops;

/** Cross-entropy of next-token logits against labels (upstream: mean over supervised tokens). */
public final class TokenLoss {

    private TokenLoss() {}

    /**
     * Summed negative log-likelihood.
     *
     * @param logits {@code [M, V]} logits at the positions that predict a supervised token
     * @param targets {@code [M]} int64 the supervised tokens
     * @return a scalar: {@code Σ −log softmax(logits)[target]} (in float32)
     */
    public static NDArray nllSum(NDArray logits, NDArray targets) {
        NDArray logp = Ops.cast(logits, DataType.FLOAT32).logSoftmax(-1);
        return logp.gather(targets.toType(DataType.INT64, false).expandDims(1), 1).neg().sum();
    }
}
