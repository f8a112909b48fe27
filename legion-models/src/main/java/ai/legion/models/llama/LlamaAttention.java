package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.lm.KvCache;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;

/**
 * {@code LlamaAttention} (transformers 4.28) with grouped-query attention: {@code q/k/v/o_proj}
 * without biases ({@link Linear}, so LoRA can target them), RoPE on q and k, scores
 * {@code q·kᵀ/√headDim + mask} clamped at {@code finfo.min}, softmax in float32, optional KV cache.
 *
 * <p>With {@code num_key_value_heads < num_attention_heads}, query head {@code h} uses key/value head
 * {@code h / groups} (HF {@code repeat_kv} order). Instead of materializing the repeated keys and
 * values, the queries of a group are stacked: {@code q [B, kvH, groups·T, d]} against
 * {@code k [B, kvH, S, d]}, which computes the same dot products.
 */
public final class LlamaAttention extends LegionBlock {

    private final int layerIndex;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final long hidden;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final RotaryEmbedding rotary;

    /**
     * @param config model config (sizes, heads, rope theta)
     * @param layerIndex which decoder layer this is (its slot in a {@link KvCache})
     */
    public LlamaAttention(LlamaConfig config, int layerIndex) {
        this.layerIndex = layerIndex;
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.hidden = config.hiddenSize();
        if ((long) heads * headDim != hidden || heads % kvHeads != 0) {
            throw new IllegalArgumentException("LlamaAttention: hidden " + hidden + " must equal heads " + heads
                    + " x head dim " + headDim + " and heads must be a multiple of kv heads " + kvHeads);
        }
        this.qProj = child("q_proj", new Linear(hidden, (long) heads * headDim, false));
        this.kProj = child("k_proj", new Linear(hidden, (long) kvHeads * headDim, false));
        this.vProj = child("v_proj", new Linear(hidden, (long) kvHeads * headDim, false));
        this.oProj = child("o_proj", new Linear((long) heads * headDim, hidden, false));
        this.rotary = new RotaryEmbedding(headDim, config.ropeTheta());
    }

    /** The rotary embedding (no parameters). */
    public RotaryEmbedding rotary() {
        return rotary;
    }

    /**
     * Self-attention.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, T, hidden]}
     * @param rope cos/sin for the T positions ({@link RotaryEmbedding#forward})
     * @param mask additive mask {@code [B or 1, 1, T, past + T]} from {@link LlamaMasks#decoderMask}, or null
     * @param cache KV cache (keys/values are appended at {@code cache.length()}), or null
     * @param training passed to the projections (LoRA dropout)
     * @return {@code [B, T, hidden]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, RotaryEmbedding.CosSin rope, NDArray mask, KvCache cache,
            boolean training) {
        Checks.tokens("LlamaAttention", x, hidden);
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray q = qProj.forward(ps, x, training).reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = kProj.forward(ps, x, training).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray v = vProj.forward(ps, x, training).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        q = RotaryEmbedding.apply(q, rope);
        k = RotaryEmbedding.apply(k, rope);
        if (cache != null) {
            NDArray[] kv = cache.append(layerIndex, k, v);
            k = kv[0];
            v = kv[1];
        }
        long keysLen = k.getShape().get(2);
        if (mask != null && (mask.getShape().dimension() != 4 || mask.getShape().get(2) != t
                || mask.getShape().get(3) != keysLen)) {
            throw new IllegalArgumentException("LlamaAttention: expected mask [B, 1, " + t + ", " + keysLen + "], got "
                    + mask.getShape());
        }
        long groups = heads / kvHeads;
        // [B, H, T, d] -> [B, kvH, groups*T, d]: heads kv*groups + j are contiguous
        NDArray qg = q.reshape(b, kvHeads, groups * t, headDim);
        NDArray scores = Ops.div(qg.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(headDim))
                .reshape(b, heads, t, keysLen);
        if (mask != null) {
            // HF 4.28: attn_weights + mask, then max(attn_weights, finfo.min)
            scores = Ops.maximum(scores.add(mask), LlamaMasks.finfoMin(scores.getDataType()));
        }
        NDArray probs = Ops.softmax32(scores); // float32 softmax, back to the query dtype
        NDArray out = probs.reshape(b, kvHeads, groups * t, keysLen).matMul(v)
                .reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
        return oProj.forward(ps, out, training);
    }

    /**
     * NDList form: {@code [hidden [B, T, hidden]]} or {@code [hidden, additive mask]}; positions
     * {@code 0..T-1}, no cache.
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        long t = x.getShape().dimension() > 1 ? x.getShape().get(1) : 0;
        NDArray pos = LlamaMasks.defaultPositionIds(x.getManager(), 0, t);
        DataType dt = x.getDataType();
        return new NDList(forward(ps, x, rotary.forward(pos, dt), mask, null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
