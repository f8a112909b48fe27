package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Mlp;

/**
 * segment-anything's {@code TwoWayAttentionBlock}: (1) token self-attention, (2) tokens → image
 * cross-attention, (3) ReLU MLP on the tokens, (4) image → tokens cross-attention; post-norm
 * LayerNorms (eps 1e-5) after each. The first layer of a transformer skips the positional
 * encoding and the residual in its self-attention ({@code skip_first_layer_pe}).
 *
 * <p>Children (local): {@code self_attn}, {@code norm1}, {@code cross_attn_token_to_image},
 * {@code norm2}, {@code mlp} ({@code MLPBlock}: {@code lin1}, {@code lin2}, ReLU), {@code norm3}, {@code norm4},
 * {@code cross_attn_image_to_token}.
 */
public final class TwoWayAttentionBlock extends LegionBlock {

    /** eps of {@code nn.LayerNorm} (PyTorch's default; upstream does not override it). */
    public static final double LAYER_NORM_EPS = 1e-5;

    private final int embeddingDim;
    private final boolean skipFirstLayerPe;
    private final TwoWayAttention selfAttn;
    private final LayerNorm norm1;
    private final TwoWayAttention crossTokenToImage;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final LayerNorm norm3;
    private final LayerNorm norm4;
    private final TwoWayAttention crossImageToToken;

    /**
     * @param embeddingDim {@code E}
     * @param numHeads heads of all three attentions
     * @param mlpDim hidden width of the MLP
     * @param attentionDownsampleRate width divisor of the cross-attentions
     * @param skipFirstLayerPe whether this is the first layer (no PE / residual in self-attention)
     */
    public TwoWayAttentionBlock(int embeddingDim, int numHeads, int mlpDim, int attentionDownsampleRate,
            boolean skipFirstLayerPe) {
        this.embeddingDim = embeddingDim;
        this.skipFirstLayerPe = skipFirstLayerPe;
        selfAttn = child("self_attn", new TwoWayAttention(embeddingDim, numHeads, 1));
        norm1 = child("norm1", new LayerNorm(embeddingDim, LAYER_NORM_EPS));
        crossTokenToImage = child("cross_attn_token_to_image",
                new TwoWayAttention(embeddingDim, numHeads, attentionDownsampleRate));
        norm2 = child("norm2", new LayerNorm(embeddingDim, LAYER_NORM_EPS));
        mlp = child("mlp", Mlp.mlpBlock(embeddingDim, mlpDim, Mlp.Activation.RELU));
        norm3 = child("norm3", new LayerNorm(embeddingDim, LAYER_NORM_EPS));
        norm4 = child("norm4", new LayerNorm(embeddingDim, LAYER_NORM_EPS));
        crossImageToToken = child("cross_attn_image_to_token",
                new TwoWayAttention(embeddingDim, numHeads, attentionDownsampleRate));
    }

    /** Whether the self-attention skips the positional encoding (layer 0). */
    public boolean skipFirstLayerPe() {
        return skipFirstLayerPe;
    }

    /**
     * One two-way layer.
     *
     * @param queries {@code [B, N, E]} sparse tokens
     * @param keys {@code [B, h·w, E]} image tokens
     * @param queryPe {@code [B, N, E]} (the initial tokens)
     * @param keyPe {@code [B or 1, h·w, E]} image positional encoding
     * @return updated queries and keys
     */
    public QueriesKeys forward(ParameterStore ps, NDArray queries, NDArray keys, NDArray queryPe, NDArray keyPe,
            boolean training) {
        Shape qs = queries.getShape();
        Shape ks = keys.getShape();
        if (qs.dimension() != 3 || ks.dimension() != 3 || qs.get(2) != embeddingDim || ks.get(2) != embeddingDim
                || ks.get(0) != qs.get(0) || !queryPe.getShape().equals(qs) || keyPe.getShape().dimension() != 3
                || keyPe.getShape().get(1) != ks.get(1) || keyPe.getShape().get(2) != embeddingDim) {
            throw new IllegalArgumentException("TwoWayAttentionBlock: expected queries/queryPe [B, N, " + embeddingDim
                    + "], keys [B, L, " + embeddingDim + "], keyPe [1 or B, L, " + embeddingDim + "], got queries "
                    + Checks.shape(queries) + ", keys " + Checks.shape(keys) + ", queryPe " + Checks.shape(queryPe)
                    + ", keyPe " + Checks.shape(keyPe));
        }
        // (1) self-attention of the tokens
        if (skipFirstLayerPe) {
            queries = selfAttn.forward(ps, queries, queries, queries, training);
        } else {
            NDArray q = queries.add(queryPe);
            queries = queries.add(selfAttn.forward(ps, q, q, queries, training));
        }
        queries = norm1.forward(ps, queries, training);
        // (2) tokens attend to the image
        NDArray q = queries.add(queryPe);
        NDArray k = keys.add(keyPe);
        queries = norm2.forward(ps, queries.add(crossTokenToImage.forward(ps, q, k, keys, training)), training);
        // (3) MLP on the tokens
        queries = norm3.forward(ps, queries.add(mlp.forward(ps, queries, training)), training);
        // (4) the image attends to the tokens
        q = queries.add(queryPe);
        k = keys.add(keyPe);
        keys = norm4.forward(ps, keys.add(crossImageToToken.forward(ps, k, q, queries, training)), training);
        return new QueriesKeys(queries, keys);
    }

    /** Inputs {@code queries, keys, queryPe, keyPe}; outputs {@code queries, keys}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.size() != 4) {
            throw new IllegalArgumentException("TwoWayAttentionBlock: expected 4 inputs (queries, keys, queryPe, keyPe), got "
                    + inputs.size());
        }
        QueriesKeys r = forward(ps, inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), training);
        return new NDList(r.queries(), r.keys());
    }

    /** Outputs have the shapes of the queries and keys. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0], inputShapes[1]};
    }
}
