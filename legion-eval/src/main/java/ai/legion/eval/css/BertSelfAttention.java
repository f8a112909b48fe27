package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;

/**
 * HF {@code BertSelfAttention} (absolute positions, no cross-attention): per head
 * {@code softmax(q·kᵀ / √d + mask)·v}, scaled after the product as upstream does; attention dropout is an
 * identity at inference. The result is the concatenated heads, before {@link BertAttention}'s output
 * projection.
 *
 * <p>Keys: {@code {query,key,value}.weight [H, H]}, {@code {query,key,value}.bias [H]}.
 */
public final class BertSelfAttention extends MaskedBlock {

    private static final String NAME = "BertSelfAttention";

    private final int hidden;
    private final int heads;
    private final float scale;
    private final Linear queryProj;
    private final Linear keyProj;
    private final Linear valueProj;

    /** Declares the projections for {@code config}. */
    public BertSelfAttention(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        heads = config.numAttentionHeads();
        // upstream divides the float32 scores by the Python float math.sqrt(head_dim)
        scale = (float) Math.sqrt(config.headDim());
        queryProj = child("query", new Linear(hidden, hidden, true));
        keyProj = child("key", new Linear(hidden, hidden, true));
        valueProj = child("value", new Linear(hidden, hidden, true));
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
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        BertChecks.tokens(NAME, x, hidden);
        BertChecks.additiveMask(NAME, mask, x.getShape());
        NDArray q = Ops.splitHeads(queryProj.forward(ps, x, training), heads); // [B, h, L, d]
        NDArray kT = Ops.splitHeads(keyProj.forward(ps, x, training), heads).transpose(0, 1, 3, 2); // [B, h, d, L]
        NDArray v = Ops.splitHeads(valueProj.forward(ps, x, training), heads); // [B, h, L, d]
        NDArray scores = q.matMul(kT).div(scale);
        if (mask != null) {
            scores = scores.add(mask);
        }
        return Ops.mergeHeads(scores.softmax(-1).matMul(v));
    }
}
