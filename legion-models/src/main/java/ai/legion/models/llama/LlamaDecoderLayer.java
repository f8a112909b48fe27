package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.lm.KvCache;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LegionBlock;

/**
 * {@code LlamaDecoderLayer}: {@code h = x + self_attn(input_layernorm(x));
 * y = h + mlp(post_attention_layernorm(h))}.
 */
public final class LlamaDecoderLayer extends LegionBlock {

    private final long hidden;
    private final RmsNorm inputLayernorm;
    private final LlamaAttention selfAttn;
    private final RmsNorm postAttentionLayernorm;
    private final LlamaMlp mlp;

    /**
     * @param config model config
     * @param layerIndex position in the stack (KV-cache slot)
     */
    public LlamaDecoderLayer(LlamaConfig config, int layerIndex) {
        this.hidden = config.hiddenSize();
        this.inputLayernorm = child("input_layernorm", new RmsNorm(hidden, config.rmsNormEps()));
        this.selfAttn = child("self_attn", new LlamaAttention(config, layerIndex));
        this.postAttentionLayernorm = child("post_attention_layernorm", new RmsNorm(hidden, config.rmsNormEps()));
        this.mlp = child("mlp", new LlamaMlp(config));
    }

    /** The attention block. */
    public LlamaAttention selfAttn() {
        return selfAttn;
    }

    /**
     * One layer.
     *
     * @param x {@code [B, T, hidden]}
     * @param rope cos/sin of the T positions
     * @param mask additive mask {@code [B or 1, 1, T, past + T]} or null
     * @param cache KV cache or null
     * @return {@code [B, T, hidden]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, RotaryEmbedding.CosSin rope, NDArray mask, KvCache cache,
            boolean training) {
        Checks.tokens("LlamaDecoderLayer", x, hidden);
        NDArray h = x.add(selfAttn.forward(ps, inputLayernorm.forward(ps, x, training), rope, mask, cache, training));
        return h.add(mlp.forward(ps, postAttentionLayernorm.forward(ps, h, training), training));
    }

    /** NDList form: {@code [hidden]} or {@code [hidden, additive mask]}; positions {@code 0..T-1}, no cache. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        long t = x.getShape().dimension() > 1 ? x.getShape().get(1) : 0;
        NDArray pos = LlamaMasks.defaultPositionIds(x.getManager(), 0, t);
        return new NDList(forward(ps, x, selfAttn.rotary().forward(pos, x.getDataType()), mask, null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
