package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.Linear;

/**
 * HF {@code BertAttention}: {@link BertSelfAttention} followed by {@code BertSelfOutput},
 * {@code LayerNorm(dense(context) + x)} (post-norm residual, eps {@code layer_norm_eps}).
 *
 * <p>Keys: {@code self.*}, {@code output.dense.weight [H, H]}, {@code output.dense.bias [H]},
 * {@code output.LayerNorm.{weight,bias} [H]}.
 */
public final class BertAttention extends MaskedBlock {

    private static final String NAME = "BertAttention";

    private final BertSelfAttention self;
    private final Linear dense;
    private final LayerNorm layerNorm;

    /** Declares the attention and its output projection for {@code config}. */
    public BertAttention(BertConfig config) {
        BertChecks.valid(NAME, config);
        int hidden = config.hiddenSize();
        self = child("self", new BertSelfAttention(config));
        dense = child("output.dense", new Linear(hidden, hidden, true));
        layerNorm = child("output.LayerNorm", new LayerNorm(hidden, config.layerNormEps()));
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
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        NDArray context = self.forward(ps, x, mask, training);
        return layerNorm.forward(ps, dense.forward(ps, context, training).add(x), training);
    }

    /** The self-attention child. */
    public BertSelfAttention self() {
        return self;
    }
}
