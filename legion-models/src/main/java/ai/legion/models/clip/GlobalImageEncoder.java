package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.LayerStack;
import ai.legion.models.nn.LayerWeights;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Scopes;
import ai.legion.models.vision.VisionTower;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The global image encoder E_g: HF {@code CLIPVisionTransformer} (the {@code vision_model} of
 * {@code CLIPVisionModel}, transformers 4.28), built from a {@link ClipVisionConfig} (ViT-L/14-336 with
 * quick_gelu for LEGION, ViT-H/14 with exact gelu, or any other size).
 *
 * <p>Data flow: {@link ClipVisionEmbeddings} → {@code pre_layrnorm} (upstream's spelling) →
 * {@code encoder.layers.0..L-1} ({@link ClipEncoderLayer}) → {@code post_layernorm}, which is applied
 * only to the CLS token of the last layer ({@code pooler_output}); {@code last_hidden_state} has no
 * final norm.
 *
 * <p>Local keys are those under {@code vision_model.}: the caller passes the prefix, i.e.
 * {@code "vision_model."} for an openai CLIP checkpoint and
 * {@code "model.vision_tower.vision_tower.vision_model."} inside a GLaMM/LEGION checkpoint. Keys:
 * {@code embeddings.*}, {@code pre_layrnorm.{weight,bias}}, {@code encoder.layers.N.*},
 * {@code post_layernorm.{weight,bias}}. Use {@link #ignorableKeys()} for the rest of a CLIPModel file.
 *
 * <p>LEGION needs only {@code hidden_states[-2]} (image tokens for the LLM and the CLS feature of
 * the detection head), so running the last layer is wasted work: pass
 * {@link #layersNeeded(int) layersNeeded(-2)} to {@link #forward(ParameterStore, NDArray, int, boolean)}
 * to stop early; the hidden states it returns are identical to those of a full run.
 */
public final class GlobalImageEncoder extends LegionBlock implements VisionTower, LayerStack {

    private static final String NAME = "GlobalImageEncoder";

    /**
     * The encoder's outputs, as HF's {@code output_hidden_states=True}.
     *
     * @param hiddenStates entry 0 = embeddings after {@code pre_layrnorm}, entry i = output of layer i,
     *     each {@code [B, T, C]}; {@code layersRun + 1} entries
     * @param lastHiddenState output of the last layer {@code [B, T, C]} (no post norm), or null when the
     *     run stopped early
     * @param pooledOutput {@code post_layernorm(lastHiddenState[:, 0])} {@code [B, C]}, or null when the
     *     run stopped early
     * @param numHiddenLayers number of layers of the encoder (not of this run): negative indices
     *     resolve against {@code numHiddenLayers + 1} entries, as on a full run
     */
    public record Output(List<NDArray> hiddenStates, NDArray lastHiddenState, NDArray pooledOutput, int numHiddenLayers) {

        /** Copies the list; {@code lastHiddenState} and {@code pooledOutput} are both set or both null. */
        public Output {
            hiddenStates = List.copyOf(hiddenStates);
            if ((lastHiddenState == null) != (pooledOutput == null)) {
                throw new IllegalArgumentException(NAME + ".Output: lastHiddenState and pooledOutput must both be set or both null");
            }
        }

        /** Number of layers this run executed. */
        public int layersRun() {
            return hiddenStates.size() - 1;
        }

        /** Whether every layer ran (so {@link #lastHiddenState()} and {@link #pooledOutput()} exist). */
        public boolean isComplete() {
            return lastHiddenState != null;
        }

        /**
         * {@code last_hidden_state} {@code [B, T, C]} (no post norm).
         *
         * @throws IllegalStateException if the run stopped before the last layer
         */
        @Override
        public NDArray lastHiddenState() {
            requireComplete("lastHiddenState");
            return lastHiddenState;
        }

        /**
         * {@code pooler_output} {@code [B, C]} = {@code post_layernorm} of the last layer's CLS token.
         *
         * @throws IllegalStateException if the run stopped before the last layer
         */
        @Override
        public NDArray pooledOutput() {
            requireComplete("pooledOutput");
            return pooledOutput;
        }

        /**
         * {@code hidden_states[index]} with Python indexing over the full model's
         * {@code numHiddenLayers + 1} entries (so -2 is the second-to-last layer output even when the
         * run stopped right after it).
         *
         * @throws IllegalArgumentException if the index is outside the full model's hidden states
         * @throws IllegalStateException if that layer was not run
         */
        public NDArray hiddenState(int index) {
            int idx = resolveLayer(index, numHiddenLayers);
            if (idx >= hiddenStates.size()) {
                throw new IllegalStateException(NAME + ": hidden_states[" + index + "] is the output of layer " + idx
                        + " but the run stopped after " + layersRun() + " of " + numHiddenLayers + " layers");
            }
            return hiddenStates.get(idx);
        }

        /**
         * LLaVA's {@code feature_select} on this run: {@code hidden_states[selectLayer]}, CLS dropped for
         * {@code "patch"}, kept for {@code "cls_patch"}; indices as in {@link #hiddenState(int)}.
         *
         * @return {@code [B, numPatches, C]} ("patch") or {@code [B, numPatches + 1, C]} ("cls_patch")
         */
        public NDArray selectFeatures(int selectLayer, String selectFeature) {
            return select(hiddenState(selectLayer), selectFeature);
        }

        private void requireComplete(String what) {
            if (!isComplete()) {
                throw new IllegalStateException(NAME + ": " + what + " needs all " + numHiddenLayers
                        + " layers, but the run stopped after " + layersRun());
            }
        }
    }

    private final ClipVisionConfig config;
    private final ClipVisionEmbeddings embeddings;
    private final LayerNorm preLayrnorm;
    private final List<ClipEncoderLayer> layers;
    private final LayerNorm postLayernorm;
    private volatile LayerWeights layerWeights = LayerWeights.RESIDENT;

    /** Declares the whole tower for {@code config}. */
    public GlobalImageEncoder(ClipVisionConfig config) {
        this.config = ClipChecks.valid(NAME, config);
        int c = config.hiddenSize();
        embeddings = child("embeddings", new ClipVisionEmbeddings(config));
        preLayrnorm = child("pre_layrnorm", new LayerNorm(c, config.layerNormEps()));
        List<ClipEncoderLayer> ls = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            ls.add(child("encoder.layers." + i, new ClipEncoderLayer(config)));
        }
        layers = List.copyOf(ls);
        postLayernorm = child("post_layernorm", new LayerNorm(c, config.layerNormEps()));
    }

    /**
     * Keys of a CLIP checkpoint that this block deliberately does not load: the {@code position_ids}
     * buffers and, for a full {@code CLIPModel} file, the text tower, the projections and
     * {@code logit_scale}.
     */
    public static Predicate<String> ignorableKeys() {
        return key -> key.endsWith("position_ids") || key.startsWith("text_model.")
                || key.startsWith("visual_projection.") || key.startsWith("text_projection.")
                || key.equals("logit_scale");
    }

    /**
     * Runs every layer.
     *
     * @see #forward(ParameterStore, NDArray, int, boolean)
     */
    public Output forward(ParameterStore ps, NDArray pixelValues, boolean training) {
        return forward(ps, pixelValues, config.numHiddenLayers(), training);
    }

    /**
     * Runs the embeddings and the first {@code numLayers} layers. Stopping early changes nothing in
     * the hidden states computed; LEGION needs only {@code hidden_states[-2]}, so
     * {@code numLayers = layersNeeded(-2)} (= L−1) skips the last layer, whose output it never uses.
     *
     * @param ps parameter store
     * @param pixelValues normalized images {@code [B, channels, S, S]}, {@code S = image_size}
     * @param numLayers layers to run, {@code 0..num_hidden_layers}
     * @param training whether gradients are being recorded
     * @return the hidden states ({@code numLayers + 1} entries of {@code [B, T, C]},
     *     {@code T = (S/P)² + 1}); last hidden state and pooled output only when all layers ran
     * @throws IllegalArgumentException on a bad image shape or {@code numLayers} out of range
     */
    public Output forward(ParameterStore ps, NDArray pixelValues, int numLayers, boolean training) {
        if (numLayers < 0 || numLayers > layers.size()) {
            throw new IllegalArgumentException(NAME + ": numLayers must be in 0.." + layers.size() + ", got " + numLayers);
        }
        NDArray h = preLayrnorm.forward(ps, embeddings.forward(ps, pixelValues, training), training);
        List<NDArray> hidden = new ArrayList<>(numLayers + 1);
        hidden.add(h);
        for (int i = 0; i < numLayers; i++) {
            ClipEncoderLayer layer = layers.get(i);
            try (LayerWeights.Lease w = layerWeights.acquire(layer, ps)) {
                ParameterStore store = w.store();
                h = Scopes.scoped(h, x -> layer.forward(store, x, training)); // frees the layer's temporaries now
            }
            hidden.add(h);
        }
        if (numLayers < layers.size()) {
            return new Output(hidden, null, null, layers.size());
        }
        NDArray pooled = postLayernorm.forward(ps, clsToken(h), training);
        return new Output(hidden, h, pooled, layers.size());
    }

    /**
     * Layers to run so that {@code hidden_states[selectLayer]} exists: the resolved index itself
     * (-2 → L−1 for an L-layer tower; -1 → L).
     *
     * @param selectLayer Python index into the {@code L + 1} hidden states (e.g. {@code mm_vision_select_layer})
     * @throws IllegalArgumentException if it falls outside them
     */
    public int layersNeeded(int selectLayer) {
        return resolveLayer(selectLayer, layers.size());
    }

    /**
     * LLaVA/LEGION feature selection ({@code CLIPVisionTower.feature_select}):
     * {@code hiddenStates[selectLayer]} with Python indexing of the given list, then {@code "patch"}
     * drops the CLS token ({@code [:, 1:]}) and {@code "cls_patch"} keeps all tokens. Negative indices
     * count from the end of {@code hiddenStates}, so pass the list of a full run (or use
     * {@link Output#selectFeatures(int, String)}, which resolves against the full model).
     *
     * @param hiddenStates hidden states, each {@code [B, T, C]}
     * @param selectLayer index into the list, e.g. -2
     * @param selectFeature {@code "patch"} or {@code "cls_patch"}
     * @return {@code [B, T-1, C]} ("patch") or {@code [B, T, C]} ("cls_patch")
     * @throws IllegalArgumentException on an index outside the list, an unknown feature or a bad shape
     */
    public static NDArray selectFeatures(List<NDArray> hiddenStates, int selectLayer, String selectFeature) {
        if (hiddenStates == null || hiddenStates.isEmpty()) {
            throw new IllegalArgumentException(NAME + ".selectFeatures: expected a non-empty list of hidden states");
        }
        int n = hiddenStates.size();
        int idx = selectLayer < 0 ? n + selectLayer : selectLayer;
        if (idx < 0 || idx >= n) {
            throw new IllegalArgumentException(NAME + ".selectFeatures: select layer " + selectLayer
                    + " is outside the " + n + " hidden states given");
        }
        return select(hiddenStates.get(idx), selectFeature);
    }

    /**
     * The CLS token of hidden states: {@code hidden[:, 0, :]}.
     *
     * @param hidden {@code [B, T, C]}
     * @return {@code [B, C]}
     * @throws IllegalArgumentException if {@code hidden} is not rank 3 with at least one token
     */
    public static NDArray clsToken(NDArray hidden) {
        if (hidden == null || hidden.getShape().dimension() != 3 || hidden.getShape().get(1) < 1) {
            throw new IllegalArgumentException(NAME + ".clsToken: expected hidden states [B, T, C] with T >= 1, got "
                    + (hidden == null ? "null" : hidden.getShape()));
        }
        return hidden.get(":, 0, :");
    }

    private static NDArray select(NDArray hidden, String selectFeature) {
        if (hidden == null || hidden.getShape().dimension() != 3 || hidden.getShape().get(1) < 2) {
            throw new IllegalArgumentException(NAME + ".selectFeatures: expected hidden states [B, T, C] with T >= 2, got "
                    + (hidden == null ? "null" : hidden.getShape()));
        }
        if ("patch".equals(selectFeature)) {
            return hidden.get(":, 1:, :");
        }
        if ("cls_patch".equals(selectFeature)) {
            return hidden;
        }
        throw new IllegalArgumentException(NAME + ".selectFeatures: select feature must be \"patch\" or \"cls_patch\", got "
                + (selectFeature == null ? "null" : "\"" + selectFeature + "\""));
    }

    private static int resolveLayer(int index, int numLayers) {
        int n = numLayers + 1;
        int idx = index < 0 ? n + index : index;
        if (idx < 0 || idx >= n) {
            throw new IllegalArgumentException(NAME + ": hidden-state index " + index + " is outside the " + n
                    + " hidden states of a " + numLayers + "-layer encoder");
        }
        return idx;
    }

    @Override
    public Features features(ParameterStore ps, NDArray pixels, int selectLayer, String selectFeature, boolean training) {
        Output out = forward(ps, pixels, layersNeeded(selectLayer), training);
        return new Features(out.selectFeatures(selectLayer, selectFeature), clsToken(out.hiddenState(selectLayer)));
    }

    @Override
    public Predicate<String> unusedCheckpointKeys() {
        return ignorableKeys();
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int imageSize() {
        return config.imageSize();
    }

    @Override
    public int numImageTokens(String selectFeature) {
        return "cls_patch".equals(selectFeature) ? config.numPositions() : config.numPatches();
    }

    /** The config this encoder was built from. */
    public ClipVisionConfig config() {
        return config;
    }

    @Override
    public List<ClipEncoderLayer> stackedLayers() {
        return layers;
    }

    @Override
    public void layerWeights(LayerWeights weights) {
        this.layerWeights = Objects.requireNonNull(weights, "weights");
    }

    /** The embeddings child. */
    public ClipVisionEmbeddings embeddings() {
        return embeddings;
    }

    /** The encoder layers, in order. */
    public List<ClipEncoderLayer> layers() {
        return layers;
    }

    /** DJL form: {@code [pixel_values]} → {@code [last_hidden_state, pooler_output]} (HF's tuple order). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Output out = forward(ps, inputs.singletonOrThrow(), training);
        return new NDList(out.lastHiddenState(), out.pooledOutput());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {new Shape(b, config.numPositions(), config.hiddenSize()), new Shape(b, config.hiddenSize())};
    }
}
