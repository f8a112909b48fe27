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
 * HF {@code BertSelfAttention} (absolute positions, no cross-attention): per head
 * {@code softmax(q·kᵀ / √d + mask)·v}, scaled after the product as upstream does; attention dropout is an
 * identity at inference. The result is the concatenated heads, before {@link BertAttention}'s output
 * projection.
 *
 * <p>Keys: {@code {query,key,value}.weight [H, H]}, {@code {query,key,value}.bias [H]}.
 */
public final class BertSelfAttention extends LegionBlock {

    private static final String NAME = "BertSelfAttention";

    private final int hidden;
    private final int heads;
    private final int headDim;
    private final float scale;
    private final Parameter qw;
    private final Parameter qb;
    private final Parameter kw;
    private final Parameter kb;
    private final Parameter vw;
    private final Parameter vb;

    /** Declares the projections for {@code config}. */
    public BertSelfAttention(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        heads = config.numAttentionHeads();
        headDim = config.headDim();
        // upstream divides the float32 scores by the Python float math.sqrt(head_dim)
        scale = (float) Math.sqrt(headDim);
        qw = param("query.weight", hidden, hidden);
        qb = param("query.bias", hidden);
        kw = param("key.weight", hidden, hidden);
        kb = param("key.bias", hidden);
        vw = param("value.weight", hidden, hidden);
        vb = param("value.bias", hidden);
    }

    /**
     * Multi-head self-attention.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, L, H]}
     * @param mask additive mask {@code [B, 1, 1, L]} (0 = attend, {@code finfo.min} = padding), or null
     * @param training whether gradients are being recorded
     * @return context {@code [B, L, H]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        BertChecks.tokens(NAME, x, hidden);
        BertChecks.additiveMask(NAME, mask, x.getShape());
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        NDArray q = Ops.linear(x, value(ps, qw, x, training), value(ps, qb, x, training))
                .reshape(b, l, heads, headDim).transpose(0, 2, 1, 3); // [B, h, L, d]
        NDArray kT = Ops.linear(x, value(ps, kw, x, training), value(ps, kb, x, training))
                .reshape(b, l, heads, headDim).transpose(0, 2, 3, 1); // [B, h, d, L]
        NDArray v = Ops.linear(x, value(ps, vw, x, training), value(ps, vb, x, training))
                .reshape(b, l, heads, headDim).transpose(0, 2, 1, 3); // [B, h, L, d]
        NDArray scores = q.matMul(kT).div(scale);
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = scores.softmax(-1);
        return probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, l, hidden);
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
