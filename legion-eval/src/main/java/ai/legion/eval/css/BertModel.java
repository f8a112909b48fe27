package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.EngineTypes;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Scopes;
import ai.legion.models.nn.WeightMap;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * HF {@code BertModel} (transformers 4.28, encoder only, with pooler), the transformer of
 * sentence-transformers models such as {@code paraphrase-MiniLM-L6-v2} that the CSS metric uses.
 *
 * <p>{@link BertEmbeddings} → {@code encoder.layer.0..N-1} ({@link BertLayer}) with the padding mask added
 * to every attention's scores as {@code (1 − mask)·finfo(float32).min} → {@code pooler}:
 * {@code tanh(dense(last_hidden_state[:, 0]))}.
 *
 * <p>Keys (exactly HF's state dict, the root {@code pytorch_model.bin} of a sentence-transformers model):
 * {@code embeddings.*}, {@code encoder.layer.N.attention.self.{query,key,value}.*},
 * {@code encoder.layer.N.attention.output.{dense,LayerNorm}.*}, {@code encoder.layer.N.intermediate.dense.*},
 * {@code encoder.layer.N.output.{dense,LayerNorm}.*}, {@code pooler.dense.{weight,bias}}. The
 * {@code embeddings.position_ids} buffer is not a parameter ({@link #ignorableKeys()}).
 *
 * <p>Inference only: upstream's dropouts (hidden and attention, p = 0.1) are not applied even when
 * {@code training} is true, since the CSS encoder is never trained here.
 */
public final class BertModel extends LegionBlock {

    private static final String NAME = "BertModel";

    /**
     * Outputs as HF's {@code output_hidden_states=True}.
     *
     * @param hiddenStates {@code N + 1} entries {@code [B, L, H]}: the embeddings, then each layer's output
     * @param lastHiddenState the last layer's output {@code [B, L, H]}
     * @param pooledOutput {@code tanh(pooler.dense(lastHiddenState[:, 0]))} {@code [B, H]}
     */
    public record Output(List<NDArray> hiddenStates, NDArray lastHiddenState, NDArray pooledOutput) {

        /** Copies the list. */
        public Output {
            hiddenStates = List.copyOf(hiddenStates);
        }
    }

    private final BertConfig config;
    private final BertEmbeddings embeddings;
    private final List<BertLayer> layers;
    private final Linear pooler;

    /** Declares the whole model for {@code config}. */
    public BertModel(BertConfig config) {
        this.config = BertChecks.valid(NAME, config);
        embeddings = child("embeddings", new BertEmbeddings(config));
        List<BertLayer> ls = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            ls.add(child("encoder.layer." + i, new BertLayer(config)));
        }
        layers = List.copyOf(ls);
        pooler = child("pooler.dense", new Linear(config.hiddenSize(), config.hiddenSize(), true));
    }

    /** Checkpoint keys deliberately not loaded: the {@code position_ids} buffer (it is {@code arange}). */
    public static Predicate<String> ignorableKeys() {
        return key -> key.endsWith("embeddings.position_ids");
    }

    /**
     * The state-dict prefix of a checkpoint: {@code ""} for a bare {@code BertModel} (sentence-transformers,
     * this module's fixtures) or {@code "bert."} for a checkpoint saved from a task model
     * ({@code BertForMaskedLM} etc.).
     */
    public static String prefixOf(Checkpoint checkpoint) {
        return !checkpoint.contains("embeddings.word_embeddings.weight")
                && checkpoint.contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
    }

    /**
     * Loads every parameter from {@code checkpoint} (under {@link #prefixOf}), strictly: a missing key, an
     * unexpected one (other than {@link #ignorableKeys()} and, for a {@code bert.}-prefixed checkpoint, the
     * task heads outside it) or a wrong shape is an error.
     *
     * @param manager owns the weights
     * @param policy floating type of the weights ({@code FLOAT32} on CPU)
     */
    public WeightMap.LoadReport load(Checkpoint checkpoint, NDManager manager, NDArrayLoader.FloatPolicy policy)
            throws CheckpointException {
        String prefix = prefixOf(checkpoint);
        Predicate<String> ignorable = ignorableKeys();
        if (!prefix.isEmpty()) {
            ignorable = ignorable.or(key -> !key.startsWith(prefix));
        }
        return weightMap(prefix).load(checkpoint, manager, policy, ignorable, true);
    }

    /**
     * HF's extended attention mask: {@code (1 − mask)·finfo(float32).min}, shaped {@code [B, 1, 1, L]}.
     *
     * @param attentionMask {@code [B, L]}, 1 = token, 0 = padding (integer, floating or boolean)
     * @param dtype the activation type (float32 or float16)
     */
    public static NDArray extendedAttentionMask(NDArray attentionMask, DataType dtype) {
        Shape s = attentionMask.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException(NAME + ": expected an attention mask [B, L], got " + s);
        }
        float min = dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
        NDArray m = attentionMask.toType(EngineTypes.check(dtype, NAME + ": attention mask"), false);
        return m.neg().add(1f).mul(min).reshape(s.get(0), 1, 1, s.get(1));
    }

    /**
     * Runs the model.
     *
     * @param ps parameter store
     * @param inputIds {@code [B, L]} integer ids
     * @param attentionMask {@code [B, L]} 1 = token, 0 = padding; null = all tokens
     * @param tokenTypeIds {@code [B, L]} or null (zeros)
     * @param training whether gradients are being recorded
     * @return all hidden states, the last one and the pooled output, in the manager of {@code inputIds}
     */
    public Output forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds,
            boolean training) {
        NDArray h = embeddings.forward(ps, inputIds, tokenTypeIds, training);
        NDArray mask = null;
        if (attentionMask != null) {
            if (!attentionMask.getShape().equals(inputIds.getShape())) {
                throw new IllegalArgumentException(NAME + ": attention mask " + attentionMask.getShape()
                        + " does not match input ids " + inputIds.getShape());
            }
            mask = extendedAttentionMask(attentionMask, h.getDataType());
        }
        List<NDArray> hidden = new ArrayList<>(layers.size() + 1);
        hidden.add(h);
        NDArray m = mask;
        for (BertLayer layer : layers) {
            h = Scopes.scoped(h, x -> layer.forward(ps, x, m, training)); // frees the layer's temporaries now
            hidden.add(h);
        }
        NDArray cls = h.get(":, 0, :");
        NDArray pooled = pooler.forward(ps, cls, training).tanh();
        return new Output(hidden, h, pooled);
    }

    /** The config this model was built from. */
    public BertConfig config() {
        return config;
    }

    /** The embeddings child. */
    public BertEmbeddings embeddings() {
        return embeddings;
    }

    /** The encoder layers, in order. */
    public List<BertLayer> layers() {
        return layers;
    }

    /**
     * DJL form: {@code [input_ids, attention_mask?, token_type_ids?]} →
     * {@code [last_hidden_state, pooler_output]} (HF's tuple order).
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Output out = forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null,
                inputs.size() > 2 ? inputs.get(2) : null, training);
        return new NDList(out.lastHiddenState(), out.pooledOutput());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {new Shape(b, inputShapes[0].get(1), config.hiddenSize()), new Shape(b, config.hiddenSize())};
    }
}
