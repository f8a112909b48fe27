package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * HF {@code CLIPAttention}: multi-head self-attention without a mask. {@code q = q_proj(x) · d^-0.5}
 * (scaled before {@code q·kᵀ}), {@code softmax(q·kᵀ)·v}, {@code out_proj}; all four projections have
 * biases. The softmax runs in the activation dtype, as upstream's {@code nn.functional.softmax} does.
 * There is no dropout: CLIP's {@code attention_dropout} is 0 and the tower is always frozen.
 *
 * <p>Keys: {@code {q,k,v,out}_proj.weight [C, C]}, {@code {q,k,v,out}_proj.bias [C]}.
 */
public final class ClipAttention extends LegionBlock {

    private static final String NAME = "ClipAttention";

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
    private final Parameter ow;
    private final Parameter ob;

    /** Declares the projections for {@code hidden_size} and {@code num_attention_heads} of {@code config}. */
    public ClipAttention(ClipVisionConfig config) {
        ClipChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        heads = config.numAttentionHeads();
        headDim = config.headDim();
        // Python evaluates head_dim**-0.5 in double; torch applies it to a float tensor as a float.
        scale = (float) Math.pow(headDim, -0.5);
        qw = param("q_proj.weight", hidden, hidden);
        qb = param("q_proj.bias", hidden);
        kw = param("k_proj.weight", hidden, hidden);
        kb = param("k_proj.bias", hidden);
        vw = param("v_proj.weight", hidden, hidden);
        vb = param("v_proj.bias", hidden);
        ow = param("out_proj.weight", hidden, hidden);
        ob = param("out_proj.bias", hidden);
    }

    /**
     * Self-attention over all tokens.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, T, C]}
     * @param training whether gradients are being recorded
     * @return {@code [B, T, C]}
     * @throws IllegalArgumentException if {@code x} is not {@code [B, T, hidden_size]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        ClipChecks.tokens(NAME, x, hidden);
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray q = Ops.mul(Ops.linear(x, value(ps, qw, x, training), value(ps, qb, x, training)), scale)
                .reshape(b, t, heads, headDim).transpose(0, 2, 1, 3); // [B, H, T, D]
        NDArray kT = Ops.linear(x, value(ps, kw, x, training), value(ps, kb, x, training))
                .reshape(b, t, heads, headDim).transpose(0, 2, 3, 1); // [B, H, D, T]
        NDArray v = Ops.linear(x, value(ps, vw, x, training), value(ps, vb, x, training))
                .reshape(b, t, heads, headDim).transpose(0, 2, 1, 3); // [B, H, T, D]
        NDArray probs = q.matMul(kT).softmax(-1); // [B, H, T, T]
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, hidden);
        return Ops.linear(context, value(ps, ow, x, training), value(ps, ob, x, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
