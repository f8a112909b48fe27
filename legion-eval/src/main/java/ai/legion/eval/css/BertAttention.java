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
 * HF {@code BertAttention}: {@link BertSelfAttention} followed by {@code BertSelfOutput},
 * {@code LayerNorm(dense(context) + x)} (post-norm residual, eps {@code layer_norm_eps}).
 *
 * <p>Keys: {@code self.*}, {@code output.dense.weight [H, H]}, {@code output.dense.bias [H]},
 * {@code output.LayerNorm.{weight,bias} [H]}.
 */
public final class BertAttention extends LegionBlock {

    private static final String NAME = "BertAttention";

    private final int hidden;
    private final double eps;
    private final BertSelfAttention self;
    private final Parameter dw;
    private final Parameter db;
    private final Parameter lnw;
    private final Parameter lnb;

    /** Declares the attention and its output projection for {@code config}. */
    public BertAttention(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        eps = config.layerNormEps();
        self = child("self", new BertSelfAttention(config));
        dw = param("output.dense.weight", hidden, hidden);
        db = param("output.dense.bias", hidden);
        lnw = param("output.LayerNorm.weight", hidden);
        lnb = param("output.LayerNorm.bias", hidden);
    }

    /**
     * Attention block.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, L, H]}
     * @param mask additive mask {@code [B, 1, 1, L]} or null
     * @param training whether gradients are being recorded
     * @return {@code [B, L, H]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        NDArray context = self.forward(ps, x, mask, training);
        NDArray h = Ops.linear(context, value(ps, dw, x, training), value(ps, db, x, training)).add(x);
        return Ops.layerNorm(h, value(ps, lnw, x, training), value(ps, lnb, x, training), eps);
    }

    /** The self-attention child. */
    public BertSelfAttention self() {
        return self;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
