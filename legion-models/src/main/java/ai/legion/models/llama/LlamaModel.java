package ai.legion.models.llama;

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
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.KvCache;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerStack;
import ai.legion.models.nn.LayerWeights;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Scopes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * {@code LlamaModel} (transformers 4.28): {@code embed_tokens}, {@code layers.N}, final {@code norm}.
 * State-dict keys {@code embed_tokens.weight [vocab, hidden]}, {@code layers.N.*}, {@code norm.weight};
 * inside {@link LlamaForCausalLM} they carry the prefix {@code model.}.
 */
public class LlamaModel extends LegionBlock implements LayerStack {

    /**
     * Checkpoint keys a LLaMA state dict may carry that are no parameters: the rotary
     * {@code *.rotary_emb.inv_freq} buffers saved by transformers 4.28 (recomputed here).
     */
    public static final Predicate<String> IGNORABLE_KEYS = key -> key.endsWith(".rotary_emb.inv_freq")
            || key.equals("rotary_emb.inv_freq");

    private final LlamaConfig config;
    private final Parameter embedTokens;
    private final List<LlamaDecoderLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final RotaryEmbedding rotary;
    private volatile LayerWeights layerWeights = LayerWeights.RESIDENT;

    /** @param config sizes (validated by {@link LlamaConfig#validate()}) */
    public LlamaModel(LlamaConfig config) {
        this.config = config;
        this.embedTokens = param("embed_tokens.weight", Init.NORMAL, config.vocabSize(), config.hiddenSize());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(child("layers." + i, new LlamaDecoderLayer(config, i)));
        }
        this.norm = child("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        this.rotary = new RotaryEmbedding(config.headDim(), config.ropeTheta());
    }

    /** The config. */
    public LlamaConfig config() {
        return config;
    }

    /** The decoder layers. */
    public List<LlamaDecoderLayer> layers() {
        return List.copyOf(layers);
    }

    @Override
    public List<LlamaDecoderLayer> stackedLayers() {
        return layers();
    }

    @Override
    public void layerWeights(LayerWeights weights) {
        this.layerWeights = Objects.requireNonNull(weights, "weights");
    }

    /** The {@code embed_tokens.weight} parameter. */
    public Parameter embedTokensParameter() {
        return embedTokens;
    }

    /** The activation dtype: that of the loaded embedding matrix. */
    public DataType dataType() {
        return embedTokens.getArray().getDataType();
    }

    /**
     * A KV cache for this model in the model's dtype.
     *
     * @param manager owns the cache (must be on the model's device)
     * @param batch B
     * @param maxLength capacity in positions
     */
    public KvCache newKvCache(NDManager manager, long batch, int maxLength) {
        return new KvCache(manager, config.numHiddenLayers(), batch, config.numKeyValueHeads(), maxLength,
                config.headDim(), dataType());
    }

    /**
     * Token embeddings ({@code embed_tokens(ids)}).
     *
     * @param ids {@code [B, T]} integer ids in {@code [0, vocab)}
     * @return {@code [B, T, hidden]} in the manager of {@code ids}
     */
    public NDArray embed(ParameterStore ps, NDArray ids, boolean training) {
        Shape s = ids.getShape();
        if (s.dimension() != 2 || ids.getDataType().isFloating() || ids.getDataType() == DataType.BOOLEAN) {
            throw new IllegalArgumentException("LlamaModel: expected integer input ids [B, T], got " + s + " "
                    + ids.getDataType());
        }
        if (s.size() > 0) {
            long min = ids.min().toType(DataType.INT64, false).getLong();
            long max = ids.max().toType(DataType.INT64, false).getLong();
            if (min < 0 || max >= config.vocabSize()) {
                throw new IllegalArgumentException("LlamaModel: input ids must be in [0, " + config.vocabSize()
                        + "), got values in [" + min + ", " + max + "] (replace placeholders such as -200 by embeddings)");
            }
        }
        NDArray w = value(ps, embedTokens, ids, training);
        NDArray idx = ids.getDataType() == DataType.INT64 || ids.getDataType() == DataType.INT32 ? ids
                : ids.toType(DataType.INT64, false);
        return Embedding.embedding(idx, w, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * The decoder stack.
     *
     * @param ps parameter store
     * @param in ids or embeddings, mask, positions, cache (see {@link LmInput})
     * @param training passed down (LoRA dropout)
     * @return post-norm last hidden state {@code [B, T, hidden]} (+ all hidden states if requested)
     */
    public LlamaModelOutput forward(ParameterStore ps, LmInput in, boolean training) {
        NDArray h;
        if (in.inputsEmbeds() != null) {
            h = in.inputsEmbeds();
            Shape s = h.getShape();
            if (s.dimension() != 3 || s.get(2) != config.hiddenSize() || !h.getDataType().isFloating()) {
                throw new IllegalArgumentException("LlamaModel: expected inputs embeds [B, T, " + config.hiddenSize()
                        + "] floating, got " + s + " " + h.getDataType());
            }
        } else {
            h = embed(ps, in.inputIds(), training);
        }
        long b = h.getShape().get(0);
        long t = h.getShape().get(1);
        if (t == 0) {
            throw new IllegalArgumentException("LlamaModel: empty sequence (T = 0)");
        }
        KvCache cache = in.cache();
        long past = 0;
        if (cache != null) {
            cache.checkLayout(config.numHiddenLayers(), config.numKeyValueHeads(), config.headDim());
            cache.check(b, t, h);
            past = cache.length();
        }
        NDManager m = h.getManager();
        NDArray pos = in.positionIds();
        if (pos == null) {
            pos = LlamaMasks.defaultPositionIds(m, past, t);
        } else {
            Shape ps2 = pos.getShape();
            if (ps2.dimension() != 2 || (ps2.get(0) != b && ps2.get(0) != 1) || ps2.get(1) != t) {
                throw new IllegalArgumentException("LlamaModel: expected position ids [" + b + " or 1, " + t + "], got "
                        + ps2);
            }
        }
        RotaryEmbedding.CosSin rope = rotary.forward(pos, h.getDataType());
        NDArray mask = decoderMask(in.attentionMask(), b, t, past, h.getDataType(), m);
        List<NDArray> all = in.outputHiddenStates() ? new ArrayList<>() : null;
        NDArray first = h;
        for (LlamaDecoderLayer layer : layers) {
            if (all != null) {
                all.add(h);
            }
            NDArray layerInput = h;
            try (LayerWeights.Lease w = layerWeights.acquire(layer, ps)) {
                ParameterStore store = w.store();
                // each layer's temporaries are freed when it ends (DJL would keep all layers' until the caller closes)
                h = Scopes.scoped(layerInput, x -> layer.forward(store, x, rope, mask, cache, training));
            }
            if (all == null && layerInput != first) {
                layerInput.close();
            }
        }
        h = norm.forward(ps, h, training);
        if (all != null) {
            all.add(h);
        }
        if (cache != null) {
            cache.advance(t);
        }
        return new LlamaModelOutput(h, all == null ? null : List.copyOf(all));
    }

    /**
     * The additive attention mask of a forward (LLaMA: causal plus padding, {@link LlamaMasks#decoderMask}).
     * Variants with another attention pattern (e.g. Mistral's sliding window) override this.
     *
     * @return {@code [B or 1, 1, T, past + T]}, or null when nothing is masked
     */
    protected NDArray decoderMask(NDArray attentionMask, long batch, long length, long past, DataType dtype,
            NDManager manager) {
        return LlamaMasks.decoderMask(attentionMask, batch, length, past, dtype, manager);
    }

    /**
     * NDList form: {@code [ids [B, T]]} or {@code [embeds [B, T, hidden]]}, optionally followed by an
     * attention mask {@code [B, T]}; returns the post-norm last hidden state.
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, LlamaForCausalLM.inputOf(inputs), training).lastHiddenState());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), config.hiddenSize())};
    }
}
