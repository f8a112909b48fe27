package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * HF {@code BertIntermediate}: {@code gelu(dense(x))} with the exact (erf) GELU of {@code hidden_act "gelu"}.
 *
 * <p>Keys: {@code dense.weight [I, H]}, {@code dense.bias [I]}.
 */
public final class BertIntermediate extends LegionBlock {

    private static final String NAME = "BertIntermediate";

    private final int hidden;
    private final int intermediate;
    private final Parameter w;
    private final Parameter b;

    /** Declares the projection for {@code config}. */
    public BertIntermediate(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        intermediate = config.intermediateSize();
        w = param("dense.weight", intermediate, hidden);
        b = param("dense.bias", intermediate);
    }

    /**
     * @param ps parameter store
     * @param x {@code [B, L, H]}
     * @param training whether gradients are being recorded
     * @return {@code [B, L, I]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        BertChecks.tokens(NAME, x, hidden);
        return Ops.gelu(Ops.linear(x, value(ps, w, x, training), value(ps, b, x, training)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), intermediate)};
    }
}
