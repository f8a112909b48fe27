package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipEncoderConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.UnaryBlock;

/**
 * HF {@code CLIPAttention}: multi-head self-attention, unmasked in the vision tower and causal in the text tower.
 * {@code q = q_proj(x) · d^-0.5} (scaled before {@code q·kᵀ}), {@code softmax(q·kᵀ)·v}, {@code out_proj}; all
 * four projections have biases. The softmax runs in the activation dtype, as upstream's
 * {@code nn.functional.softmax} does. There is no dropout: CLIP's {@code attention_dropout} is 0, in pretraining
 * too.
 *
 * <p>Keys: {@code {q,k,v,out}_proj.weight [C, C]}, {@code {q,k,v,out}_proj.bias [C]}.
 */
public final class ClipAttention extends UnaryBlock {

    private static final String NAME = "ClipAttention";

    private final int hidden;
    private final int heads;
    private final float scale;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

    /** Declares the projections for {@code hidden_size} and {@code num_attention_heads} of {@code config}. */
    public ClipAttention(ClipEncoderConfig config) {
        ClipChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        heads = config.numAttentionHeads();
        // Python evaluates head_dim**-0.5 in double; torch applies it to a float tensor as a float.
        scale = (float) Math.pow(config.headDim(), -0.5);
        qProj = child("q_proj", new Linear(hidden, hidden, true));
        kProj = child("k_proj", new Linear(hidden, hidden, true));
        vProj = child("v_proj", new Linear(hidden, hidden, true));
        outProj = child("out_proj", new Linear(hidden, hidden, true));
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
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, null, training);
    }

    /**
     * Self-attention with an additive mask (HF's {@code causal_attention_mask} of the text tower).
     *
     * @param mask added to the attention logits, broadcastable to {@code [B, H, T, T]} ({@code -inf} or the
     *     dtype's minimum where a token may not look), or null for none
     * @return {@code [B, T, C]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        Checks.tokens(NAME, x, hidden);
        NDArray q = Ops.splitHeads(Ops.mul(qProj.forward(ps, x, training), scale), heads); // [B, H, T, D]
        NDArray kT = Ops.splitHeads(kProj.forward(ps, x, training), heads).transpose(0, 1, 3, 2); // [B, H, D, T]
        NDArray v = Ops.splitHeads(vProj.forward(ps, x, training), heads); // [B, H, T, D]
        NDArray logits = q.matMul(kT); // [B, H, T, T]
        NDArray probs = (mask == null ? logits : logits.add(mask)).softmax(-1);
        return outProj.forward(ps, Ops.mergeHeads(probs.matMul(v)), training);
    }
}
