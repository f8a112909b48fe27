package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * segment-anything's {@code TwoWayAttentionBlock}: (1) token self-attention, (2) tokens → image
 * cross-attention, (3) ReLU MLP on the tokens, (4) image → tokens cross-attention; post-norm
 * LayerNorms (eps 1e-5) after each. The first layer of a transformer skips the positional
 * encoding and the residual in its self-attention ({@code skip_first_layer_pe}).
 *
 * <p>Children (local): {@code self_attn}, {@code norm1}, {@code cross_attn_token_to_image},
 * {@code norm2}, {@code mlp} ({@code lin1}, {@code lin2}), {@code norm3}, {@code norm4},
 * {@code cross_attn_image_to_token}.
 */
public final class TwoWayAttentionBlock extends LegionBlock {

    /** eps of {@code nn.LayerNorm} (PyTorch's default; upstream does not override it). */
    public static final double LAYER_NORM_EPS = 1e-5;

    private final int embeddingDim;
    private final boolean skipFirstLayerPe;
    private final TwoWayAttention selfAttn;
    private final TwoWayAttention crossTokenToImage;
    private final MlpBlock mlp;
    private final TwoWayAttention crossImageToToken;
    private final Parameter[] normWeights = new Parameter[4];
    private final Parameter[] normBiases = new Parameter[4];

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
        normWeights[0] = param("norm1.weight", embeddingDim);
        normBiases[0] = param("norm1.bias", embeddingDim);
        crossTokenToImage = child("cross_attn_token_to_image",
                new TwoWayAttention(embeddingDim, numHeads, attentionDownsampleRate));
        normWeights[1] = param("norm2.weight", embeddingDim);
        normBiases[1] = param("norm2.bias", embeddingDim);
        mlp = child("mlp", new MlpBlock(embeddingDim, mlpDim));
        normWeights[2] = param("norm3.weight", embeddingDim);
        normBiases[2] = param("norm3.bias", embeddingDim);
        normWeights[3] = param("norm4.weight", embeddingDim);
        normBiases[3] = param("norm4.bias", embeddingDim);
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
                    + DecoderOps.shape(queries) + ", keys " + DecoderOps.shape(keys) + ", queryPe " + DecoderOps.shape(queryPe)
                    + ", keyPe " + DecoderOps.shape(keyPe));
        }
        // (1) self-attention of the tokens
        if (skipFirstLayerPe) {
            queries = selfAttn.forward(ps, queries, queries, queries, training);
        } else {
            NDArray q = queries.add(queryPe);
            queries = queries.add(selfAttn.forward(ps, q, q, queries, training));
        }
        queries = norm(ps, 0, queries, training);
        // (2) tokens attend to the image
        NDArray q = queries.add(queryPe);
        NDArray k = keys.add(keyPe);
        queries = norm(ps, 1, queries.add(crossTokenToImage.forward(ps, q, k, keys, training)), training);
        // (3) MLP on the tokens
        queries = norm(ps, 2, queries.add(mlp.forward(ps, queries, training)), training);
        // (4) the image attends to the tokens
        q = queries.add(queryPe);
        k = keys.add(keyPe);
        keys = norm(ps, 3, keys.add(crossImageToToken.forward(ps, k, q, queries, training)), training);
        return new QueriesKeys(queries, keys);
    }

    private NDArray norm(ParameterStore ps, int i, NDArray x, boolean training) {
        return Ops.layerNorm(x, value(ps, normWeights[i], x, training), value(ps, normBiases[i], x, training), LAYER_NORM_EPS);
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
