package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.LegionBlock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * segment-anything's {@code TwoWayTransformer} ({@code modeling/transformer.py}): {@code depth}
 * two-way layers between the prompt tokens and the image tokens, then a final token → image attention
 * with a residual and LayerNorm. The initial tokens are the query positional encoding throughout.
 *
 * <p>Children (local): {@code layers.N} ({@link TwoWayAttentionBlock}),
 * {@code final_attn_token_to_image} ({@link TwoWayAttention}), {@code norm_final_attn} ({@link LayerNorm}).
 */
public final class TwoWayTransformer extends LegionBlock {

    private final SamConfig.TwoWay config;
    private final int embeddingDim;
    private final List<TwoWayAttentionBlock> layers = new ArrayList<>();
    private final TwoWayAttention finalAttn;
    private final LayerNorm normFinalAttn;

    /**
     * @param config {@code mask_decoder.transformer} of the SAM config
     */
    public TwoWayTransformer(SamConfig.TwoWay config) {
        this.config = Objects.requireNonNull(config, "config");
        if (config.depth() <= 0 || config.embeddingDim() <= 0 || config.mlpDim() <= 0 || config.numHeads() <= 0
                || config.attentionDownsampleRate() <= 0) {
            throw new IllegalArgumentException("TwoWayTransformer: sizes must be positive, got " + config);
        }
        embeddingDim = config.embeddingDim();
        for (int i = 0; i < config.depth(); i++) {
            layers.add(child("layers." + i, new TwoWayAttentionBlock(embeddingDim, config.numHeads(), config.mlpDim(),
                    config.attentionDownsampleRate(), i == 0)));
        }
        finalAttn = child("final_attn_token_to_image",
                new TwoWayAttention(embeddingDim, config.numHeads(), config.attentionDownsampleRate()));
        normFinalAttn = child("norm_final_attn", new LayerNorm(embeddingDim, TwoWayAttentionBlock.LAYER_NORM_EPS));
    }

    /** The configuration. */
    public SamConfig.TwoWay config() {
        return config;
    }

    /** The two-way layers. */
    public List<TwoWayAttentionBlock> layers() {
        return Collections.unmodifiableList(layers);
    }

    /**
     * Runs the transformer.
     *
     * @param imageEmbedding {@code [B, E, h, w]}
     * @param imagePe {@code [B or 1, E, h, w]} (a batch of 1 broadcasts, which equals upstream's repeat)
     * @param pointEmbedding {@code [B, N, E]} prompt tokens (also their positional encoding)
     * @return queries {@code [B, N, E]} and keys {@code [B, h·w, E]}
     */
    public QueriesKeys forward(ParameterStore ps, NDArray imageEmbedding, NDArray imagePe, NDArray pointEmbedding,
            boolean training) {
        Shape is = imageEmbedding.getShape();
        Shape pes = imagePe.getShape();
        Shape ps3 = pointEmbedding.getShape();
        if (is.dimension() != 4 || is.get(1) != embeddingDim || pes.dimension() != 4
                || (pes.get(0) != 1 && pes.get(0) != is.get(0)) || pes.get(1) != embeddingDim || pes.get(2) != is.get(2)
                || pes.get(3) != is.get(3) || ps3.dimension() != 3 || ps3.get(0) != is.get(0) || ps3.get(2) != embeddingDim) {
            throw new IllegalArgumentException("TwoWayTransformer: expected image_embedding [B, " + embeddingDim
                    + ", h, w], image_pe [1 or B, " + embeddingDim + ", h, w], point_embedding [B, N, " + embeddingDim
                    + "], got " + Checks.shape(imageEmbedding) + ", " + Checks.shape(imagePe) + ", "
                    + Checks.shape(pointEmbedding));
        }
        long b = is.get(0);
        long hw = is.get(2) * is.get(3);
        // B x C x H x W -> B x HW x C
        NDArray keys = imageEmbedding.reshape(b, embeddingDim, hw).transpose(0, 2, 1);
        NDArray keyPe = imagePe.reshape(pes.get(0), embeddingDim, hw).transpose(0, 2, 1);
        NDArray queries = pointEmbedding;
        for (TwoWayAttentionBlock layer : layers) {
            QueriesKeys r = layer.forward(ps, queries, keys, pointEmbedding, keyPe, training);
            queries = r.queries();
            keys = r.keys();
        }
        NDArray q = queries.add(pointEmbedding);
        NDArray k = keys.add(keyPe);
        NDArray attnOut = finalAttn.forward(ps, q, k, keys, training);
        queries = normFinalAttn.forward(ps, queries.add(attnOut), training);
        return new QueriesKeys(queries, keys);
    }

    /** Inputs {@code imageEmbedding, imagePe, pointEmbedding}; outputs queries and keys. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new IllegalArgumentException("TwoWayTransformer: expected 3 inputs (image_embedding, image_pe,"
                    + " point_embedding), got " + inputs.size());
        }
        QueriesKeys r = forward(ps, inputs.get(0), inputs.get(1), inputs.get(2), training);
        return new NDList(r.queries(), r.keys());
    }

    /** {@code [B, E, h, w], [.., E, h, w], [B, N, E]} → {@code [B, N, E], [B, h·w, E]}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape img = inputShapes[0];
        return new Shape[] {inputShapes[2], new Shape(img.get(0), img.get(2) * img.get(3), embeddingDim)};
    }
}
