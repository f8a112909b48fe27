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
 * HF {@code BertOutput}: {@code LayerNorm(dense(h) + residual)}, projecting the intermediate activations
 * back to the hidden size (dropout is an identity at inference).
 *
 * <p>Keys: {@code dense.weight [H, I]}, {@code dense.bias [H]}, {@code LayerNorm.{weight,bias} [H]}.
 */
public final class BertOutput extends LegionBlock {

    private static final String NAME = "BertOutput";

    private final int hidden;
    private final int intermediate;
    private final double eps;
    private final Parameter w;
    private final Parameter b;
    private final Parameter lnw;
    private final Parameter lnb;

    /** Declares the projection and norm for {@code config}. */
    public BertOutput(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        intermediate = config.intermediateSize();
        eps = config.layerNormEps();
        w = param("dense.weight", hidden, intermediate);
        b = param("dense.bias", hidden);
        lnw = param("LayerNorm.weight", hidden);
        lnb = param("LayerNorm.bias", hidden);
    }

    /**
     * @param ps parameter store
     * @param h intermediate activations {@code [B, L, I]}
     * @param residual the attention block's output {@code [B, L, H]}
     * @param training whether gradients are being recorded
     * @return {@code [B, L, H]}
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray residual, boolean training) {
        BertChecks.tokens(NAME, h, intermediate);
        BertChecks.tokens(NAME, residual, hidden);
        NDArray x = Ops.linear(h, value(ps, w, h, training), value(ps, b, h, training)).add(residual);
        return Ops.layerNorm(x, value(ps, lnw, h, training), value(ps, lnb, h, training), eps);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[1]};
    }
}
