package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.LegionBlock;

/**
 * HF {@code BertEmbeddings} (absolute positions): {@code LayerNorm(word(ids) + token_type(types) +
 * position(arange(L)))}, eps {@code layer_norm_eps}; dropout is an identity at inference.
 *
 * <p>Position ids are {@code position_ids[:, 0:L]} of the checkpoint's buffer, which is
 * {@code arange(max_position_embeddings)}, so they are generated rather than loaded (the buffer key
 * {@code embeddings.position_ids} is ignored, see {@link BertModel#ignorableKeys()}).
 *
 * <p>Keys: {@code word_embeddings.weight [V, H]}, {@code position_embeddings.weight [P, H]},
 * {@code token_type_embeddings.weight [T, H]}, {@code LayerNorm.{weight,bias} [H]}.
 */
public final class BertEmbeddings extends LegionBlock {

    private static final String NAME = "BertEmbeddings";

    private final BertConfig config;
    private final Parameter word;
    private final Parameter position;
    private final Parameter tokenType;
    private final LayerNorm layerNorm;

    /** Declares the tables for {@code config}. */
    public BertEmbeddings(BertConfig config) {
        this.config = BertChecks.valid(NAME, config);
        int h = config.hiddenSize();
        word = param("word_embeddings.weight", Init.NORMAL, config.vocabSize(), h);
        position = param("position_embeddings.weight", Init.NORMAL, config.maxPositionEmbeddings(), h);
        tokenType = param("token_type_embeddings.weight", Init.NORMAL, config.typeVocabSize(), h);
        layerNorm = child("LayerNorm", new LayerNorm(h, config.layerNormEps()));
    }

    /**
     * Embeds token ids.
     *
     * @param ps parameter store
     * @param inputIds integer ids {@code [B, L]} in {@code [0, vocab_size)}, {@code L <= max_position_embeddings}
     * @param tokenTypeIds integer segment ids {@code [B, L]} in {@code [0, type_vocab_size)}, or null for zeros
     *     (HF's default, and sentence-transformers' single-sentence input)
     * @param training whether gradients are being recorded
     * @return {@code [B, L, H]} in the manager of {@code inputIds}
     * @throws IllegalArgumentException on a bad shape, dtype or id range
     */
    public NDArray forward(ParameterStore ps, NDArray inputIds, NDArray tokenTypeIds, boolean training) {
        checkIds("input ids", inputIds, config.vocabSize());
        Shape s = inputIds.getShape();
        long length = s.get(1);
        if (length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(NAME + ": sequence length " + length + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        NDManager m = inputIds.getManager();
        NDArray ids = asIndex(inputIds);
        NDArray types;
        if (tokenTypeIds == null) {
            types = m.zeros(s, DataType.INT64, inputIds.getDevice());
        } else {
            if (!tokenTypeIds.getShape().equals(s)) {
                throw new IllegalArgumentException(NAME + ": token type ids " + tokenTypeIds.getShape()
                        + " do not match input ids " + s);
            }
            checkIds("token type ids", tokenTypeIds, config.typeVocabSize());
            types = asIndex(tokenTypeIds);
        }
        NDArray positions = m.arange(0L, length, 1L, DataType.INT64, inputIds.getDevice()).reshape(1, length);
        NDArray x = lookup(ids, value(ps, word, inputIds, training));
        // HF order: (inputs_embeds + token_type_embeddings) + position_embeddings
        x = x.add(lookup(types, value(ps, tokenType, inputIds, training)));
        x = x.add(lookup(positions, value(ps, position, inputIds, training)));
        return layerNorm.forward(ps, x, training);
    }

    private static NDArray lookup(NDArray index, NDArray table) {
        return Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
    }

    private static NDArray asIndex(NDArray ids) {
        return ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
    }

    private static void checkIds(String what, NDArray ids, long size) {
        if (ids == null) {
            throw new IllegalArgumentException(NAME + ": " + what + " are null");
        }
        Shape s = ids.getShape();
        DataType t = ids.getDataType();
        if (s.dimension() != 2 || t.isFloating() || t == DataType.BOOLEAN || s.get(1) == 0) {
            throw new IllegalArgumentException(NAME + ": expected integer " + what + " [B, L] with L >= 1, got " + s + " "
                    + t);
        }
        if (s.size() > 0) {
            long min = ids.min().toType(DataType.INT64, false).getLong();
            long max = ids.max().toType(DataType.INT64, false).getLong();
            if (min < 0 || max >= size) {
                throw new IllegalArgumentException(NAME + ": " + what + " must be in [0, " + size + "), got values in ["
                        + min + ", " + max + "]");
            }
        }
    }

    /** The config this block was built from. */
    public BertConfig config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), config.hiddenSize())};
    }
}
