package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.lm.CausalLm;
import ai.legion.models.lm.CausalLmOutput;
import ai.legion.models.lm.KvCache;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.StepOutput;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;

/**
 * {@code LlamaForCausalLM} (transformers 4.28): {@link LlamaModel} under {@code model.} and
 * {@code lm_head.weight [vocab, hidden]} (untied; with {@code tie_word_embeddings} the embedding
 * matrix is used and there is no {@code lm_head} key).
 *
 * <p>Besides the full forward it offers a step API for generators: {@link #prefill} runs a prompt
 * into a {@link KvCache} and {@link #step} feeds one more token; both return the last position's
 * logits and post-norm hidden state.
 *
 * <p>The convenience overloads without a {@link ParameterStore} run in inference mode and use a store
 * on the inputs' manager, so everything they create lives in the caller's manager.
 */
public class LlamaForCausalLM extends LegionBlock implements CausalLm {

    private final LlamaConfig config;
    private final LlamaModel model;
    private final Linear lmHead;

    /** @param config model config */
    public LlamaForCausalLM(LlamaConfig config) {
        this(config, new LlamaModel(config));
    }

    /**
     * A causal LM over a {@link LlamaModel} variant (a family that changes the decoder, e.g. its attention mask,
     * and keeps LLaMA's keys).
     *
     * @param model the decoder, declared for {@code config}
     */
    protected LlamaForCausalLM(LlamaConfig config, LlamaModel model) {
        this.config = config;
        this.model = child("model", model);
        this.lmHead = config.tieWordEmbeddings() ? null
                : child("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    /** The config. */
    public LlamaConfig config() {
        return config;
    }

    /** The decoder ({@code model.}). */
    public LlamaModel model() {
        return model;
    }

    /** A KV cache in the model's dtype ({@link LlamaModel#newKvCache}). */
    @Override
    public KvCache newKvCache(NDManager manager, long batch, int maxLength) {
        return model.newKvCache(manager, batch, maxLength);
    }

    /**
     * Full forward.
     *
     * @param ps parameter store
     * @param in ids or embeddings, mask, positions, cache
     * @param logits which positions get logits
     * @param training passed down (LoRA dropout)
     * @return logits {@code [B, T', vocab]} (or null), post-norm states {@code [B, T, hidden]}, optional
     *     hidden states
     */
    @Override
    public CausalLmOutput forward(ParameterStore ps, LmInput in, LogitsSelection logits, boolean training) {
        LlamaModelOutput out = model.forward(ps, in, training);
        NDArray h = out.lastHiddenState();
        NDArray l = null;
        if (!logits.isNone()) {
            long[] pos = logits.resolve(h.getShape().get(1));
            NDArray sel = h;
            if (pos != null) {
                sel = h.get(new NDIndex(":, {}, :", Ops.tensor(h.getManager(), pos)));
            }
            l = lmHead(ps, sel, training);
        }
        return new CausalLmOutput(l, h, out.hiddenStates());
    }

    /** Inference forward with a parameter store on the inputs' manager. */
    public CausalLmOutput forward(LmInput in, LogitsSelection logits) {
        return forward(store(in), in, logits, false);
    }

    /**
     * {@code lm_head} on post-norm states.
     *
     * @param hidden {@code [..., hidden]}
     * @return {@code [..., vocab]}
     */
    @Override
    public NDArray lmHead(ParameterStore ps, NDArray hidden, boolean training) {
        if (lmHead != null) {
            return lmHead.forward(ps, hidden, training);
        }
        Shape s = hidden.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != config.hiddenSize()) {
            throw new IllegalArgumentException("LlamaForCausalLM: expected hidden states [..., " + config.hiddenSize()
                    + "], got " + s);
        }
        return Ops.linear(hidden, value(ps, model.embedTokensParameter(), hidden, training), null);
    }

    /**
     * Runs a prompt given as embeddings into {@code cache} (which should be empty or hold an earlier
     * part of the same sequences).
     *
     * @param inputsEmbeds {@code [B, T, hidden]}
     * @param attentionMask {@code [B, past + T]} or null (all ones)
     * @param cache the cache to fill
     */
    public StepOutput prefill(ParameterStore ps, NDArray inputsEmbeds, NDArray attentionMask, KvCache cache) {
        return last(forward(ps, LmInput.ofEmbeds(inputsEmbeds).withAttentionMask(attentionMask).withCache(cache),
                LogitsSelection.last(1), false));
    }

    /** {@link #prefill(ParameterStore, NDArray, NDArray, KvCache)} with a store on the inputs' manager. */
    public StepOutput prefill(NDArray inputsEmbeds, NDArray attentionMask, KvCache cache) {
        return prefill(new ParameterStore(inputsEmbeds.getManager(), false), inputsEmbeds, attentionMask, cache);
    }

    /** Runs a prompt given as token ids {@code [B, T]} into {@code cache}. */
    public StepOutput prefillIds(ParameterStore ps, NDArray inputIds, NDArray attentionMask, KvCache cache) {
        return last(forward(ps, LmInput.ofIds(inputIds).withAttentionMask(attentionMask).withCache(cache),
                LogitsSelection.last(1), false));
    }

    /** {@link #prefillIds(ParameterStore, NDArray, NDArray, KvCache)} with a store on the inputs' manager. */
    public StepOutput prefillIds(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        return prefillIds(new ParameterStore(inputIds.getManager(), false), inputIds, attentionMask, cache);
    }

    /**
     * Feeds one token per sequence after the cached positions.
     *
     * @param tokenIds {@code [B]} or {@code [B, 1]}
     * @param attentionMask {@code [B, past + 1]} or null (all ones)
     * @param cache holds the past positions; the new one is appended
     */
    public StepOutput step(ParameterStore ps, NDArray tokenIds, NDArray attentionMask, KvCache cache) {
        NDArray ids = tokenIds.getShape().dimension() == 1 ? tokenIds.expandDims(1) : tokenIds;
        if (ids.getShape().dimension() != 2 || ids.getShape().get(1) != 1) {
            throw new IllegalArgumentException("LlamaForCausalLM: step expects token ids [B] or [B, 1], got "
                    + tokenIds.getShape());
        }
        return prefillIds(ps, ids, attentionMask, cache);
    }

    /** {@link #step(ParameterStore, NDArray, NDArray, KvCache)} with a store on the inputs' manager. */
    public StepOutput step(NDArray tokenIds, NDArray attentionMask, KvCache cache) {
        return step(new ParameterStore(tokenIds.getManager(), false), tokenIds, attentionMask, cache);
    }

    /**
     * Feeds one embedding per sequence after the cached positions.
     *
     * @param embeds {@code [B, hidden]} or {@code [B, 1, hidden]}
     */
    public StepOutput stepEmbeds(ParameterStore ps, NDArray embeds, NDArray attentionMask, KvCache cache) {
        NDArray e = embeds.getShape().dimension() == 2 ? embeds.expandDims(1) : embeds;
        if (e.getShape().dimension() != 3 || e.getShape().get(1) != 1) {
            throw new IllegalArgumentException("LlamaForCausalLM: stepEmbeds expects [B, hidden] or [B, 1, hidden], got "
                    + embeds.getShape());
        }
        return prefill(ps, e, attentionMask, cache);
    }

    private static StepOutput last(CausalLmOutput out) {
        NDArray h = out.lastHiddenState();
        long t = h.getShape().get(1);
        return new StepOutput(out.logits().squeeze(1), h.get(new NDIndex(":, {}, :", t - 1)), h);
    }

    private static ParameterStore store(LmInput in) {
        NDArray x = in.inputIds() != null ? in.inputIds() : in.inputsEmbeds();
        return new ParameterStore(x.getManager(), false);
    }

    /** NDList inputs: {@code [ids or embeds]} or {@code [ids or embeds, attention mask]}. */
    static LmInput inputOf(NDList inputs) {
        if (inputs.isEmpty() || inputs.size() > 2) {
            throw new IllegalArgumentException("LlamaForCausalLM: expected [ids or embeds] or [ids or embeds, mask], got "
                    + inputs.size() + " arrays");
        }
        NDArray x = inputs.get(0);
        LmInput in = x.getDataType().isFloating() ? LmInput.ofEmbeds(x) : LmInput.ofIds(x);
        return inputs.size() > 1 ? in.withAttentionMask(inputs.get(1)) : in;
    }

    /** NDList form: logits {@code [B, T, vocab]} for every position. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputOf(inputs), LogitsSelection.all(), training).logits());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), config.vocabSize())};
    }

    @Override
    public DataType dataType() {
        return model.dataType();
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public NDArray embed(ParameterStore ps, NDArray ids, boolean training) {
        return model.embed(ps, ids, training);
    }
}
