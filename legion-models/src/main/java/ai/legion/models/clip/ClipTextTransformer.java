package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.ClipTextConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.llama.LlamaMasks;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.Scopes;
import java.util.ArrayList;
import java.util.List;

/**
 * HF {@code CLIPTextTransformer} (the {@code text_model} of {@code CLIPModel}, transformers 4.28): token plus
 * learned position embeddings, the same pre-norm {@link ClipEncoderLayer}s as the vision tower under a causal
 * mask, {@code final_layer_norm}, and the pooled output taken at the end-of-text token.
 *
 * <p>Pooling: transformers 4.28 takes the position of the largest id ({@code input_ids.argmax(-1)}), which is the
 * end-of-text token only in CLIP's own BPE vocabulary; later transformers take the first {@code eos_token_id}.
 * This tower is trained from scratch with any tokenizer, so it does the latter. With a causal mask the pooled
 * state never sees the padding after that token, so no padding mask is needed.
 *
 * <p>Keys (under {@code text_model.}): {@code embeddings.token_embedding.weight [V, C]},
 * {@code embeddings.position_embedding.weight [P, C]}, {@code encoder.layers.N.*}, {@code final_layer_norm.*}.
 */
public final class ClipTextTransformer extends LegionBlock {

    private static final String NAME = "ClipTextTransformer";

    private final ClipTextConfig config;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final List<ClipEncoderLayer> layers;
    private final LayerNorm finalLayerNorm;

    /** Declares the tower for {@code config}. */
    public ClipTextTransformer(ClipTextConfig config) {
        this.config = ClipChecks.valid(NAME, config);
        int c = config.hiddenSize();
        tokenEmbedding = param("embeddings.token_embedding.weight", Init.NORMAL, config.vocabSize(), c);
        positionEmbedding = param("embeddings.position_embedding.weight", Init.NORMAL,
                config.maxPositionEmbeddings(), c);
        List<ClipEncoderLayer> ls = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            ls.add(child("encoder.layers." + i, new ClipEncoderLayer(config)));
        }
        layers = List.copyOf(ls);
        finalLayerNorm = child("final_layer_norm", new LayerNorm(c, config.layerNormEps()));
    }

    /**
     * The pooled text feature: {@code final_layer_norm(h)} at each row's first {@code eos_token_id}.
     *
     * @param ps parameter store
     * @param ids token ids {@code [B, T]}, {@code T <= max_position_embeddings}, each row holding
     *     {@code eos_token_id} at least once
     * @param training whether gradients are being recorded
     * @return {@code [B, hidden_size]}
     * @throws IllegalArgumentException on a bad shape, ids outside the vocabulary or a row without the end token
     */
    public NDArray pooled(ParameterStore ps, NDArray ids, boolean training) {
        Shape s = ids.getShape();
        long t = s.dimension() == 2 ? s.get(1) : -1;
        if (t < 1 || t > config.maxPositionEmbeddings() || ids.getDataType().isFloating()
                || ids.getDataType() == DataType.BOOLEAN) {
            throw new IllegalArgumentException(NAME + ": expected integer ids [B, T] with 1 <= T <= "
                    + config.maxPositionEmbeddings() + ", got " + s + " " + ids.getDataType());
        }
        NDArray idx = ids.toType(DataType.INT64, false);
        long[] flat = idx.toLongArray();
        int b = (int) s.get(0);
        // the pooling row of each sequence, as a one-hot [B, 1, T] that a matmul applies (keeps the graph)
        float[] pick = new float[(int) (b * t)];
        for (int row = 0; row < b; row++) {
            int at = -1;
            for (int j = 0; j < t; j++) {
                long id = flat[(int) (row * t + j)];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException(NAME + ": ids must be in [0, " + config.vocabSize()
                            + "), got " + id + " in row " + row);
                }
                if (at < 0 && id == config.eosTokenId()) {
                    at = j;
                }
            }
            if (at < 0) {
                throw new IllegalArgumentException(NAME + ": row " + row + " has no end-of-text id "
                        + config.eosTokenId());
            }
            pick[(int) (row * t + at)] = 1f;
        }
        NDArray h = Embedding.embedding(idx, value(ps, tokenEmbedding, ids, training), SparseFormat.DENSE)
                .singletonOrThrow();
        h = h.add(value(ps, positionEmbedding, ids, training).get("0:" + t));
        NDArray mask = LlamaMasks.decoderMask(null, b, t, 0, h.getDataType(), ids.getManager());
        for (ClipEncoderLayer layer : layers) {
            h = Scopes.scoped(h, x -> layer.forward(ps, x, mask, training));
        }
        NDArray oneHot = Ops.tensor(ids.getManager(), pick, new Shape(b, 1, t)).toType(h.getDataType(), false);
        return finalLayerNorm.forward(ps, oneHot.matMul(h).squeeze(1), training);
    }

    /** The config this tower was built from. */
    public ClipTextConfig config() {
        return config;
    }

    /** DJL form: {@code [ids]} → {@code [pooled]}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(pooled(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.hiddenSize())};
    }
}
