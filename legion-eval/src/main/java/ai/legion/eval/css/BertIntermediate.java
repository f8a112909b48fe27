package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.UnaryBlock;

/**
 * HF {@code BertIntermediate}: {@code gelu(dense(x))} with the exact (erf) GELU of {@code hidden_act "gelu"}.
 *
 * <p>Keys: {@code dense.weight [I, H]}, {@code dense.bias [I]}.
 */
public final class BertIntermediate extends UnaryBlock {

    private static final String NAME = "BertIntermediate";

    private final int hidden;
    private final int intermediate;
    private final Linear dense;

    /** Declares the projection for {@code config}. */
    public BertIntermediate(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        intermediate = config.intermediateSize();
        dense = child("dense", new Linear(hidden, intermediate, true));
    }

    /**
     * @param ps parameter store
     * @param x {@code [B, L, H]}
     * @param training whether gradients are being recorded
     * @return {@code [B, L, I]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        BertChecks.tokens(NAME, x, hidden);
        return Ops.gelu(dense.forward(ps, x, training));
    }

    @Override
    protected Shape outputShape(Shape input) {
        return new Shape(input.get(0), input.get(1), intermediate);
    }
}
