package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * HF {@code CLIPEncoderLayer}, pre-norm: {@code h = x + attn(LN1(x)); y = h + mlp(LN2(h))}, LayerNorm
 * eps {@code layer_norm_eps}.
 *
 * <p>Keys: {@code layer_norm1.{weight,bias}}, {@code self_attn.*} ({@link ClipAttention}),
 * {@code layer_norm2.{weight,bias}}, {@code mlp.*} ({@link ClipMlp}).
 */
public final class ClipEncoderLayer extends LegionBlock {

    private static final String NAME = "ClipEncoderLayer";

    private final int hidden;
    private final double eps;
    private final Parameter ln1w;
    private final Parameter ln1b;
    private final ClipAttention attention;
    private final Parameter ln2w;
    private final Parameter ln2b;
    private final ClipMlp mlp;

    /** Declares the layer for {@code config}. */
    public ClipEncoderLayer(ClipVisionConfig config) {
        ClipChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        eps = config.layerNormEps();
        ln1w = param("layer_norm1.weight", hidden);
        ln1b = param("layer_norm1.bias", hidden);
        attention = child("self_attn", new ClipAttention(config));
        ln2w = param("layer_norm2.weight", hidden);
        ln2b = param("layer_norm2.bias", hidden);
        mlp = child("mlp", new ClipMlp(config));
    }

    /**
     * One encoder layer.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, T, C]}
     * @param training whether gradients are being recorded
     * @return the layer output {@code [B, T, C]}
     * @throws IllegalArgumentException if {@code x} is not {@code [B, T, hidden_size]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        ClipChecks.tokens(NAME, x, hidden);
        NDArray n1 = Ops.layerNorm(x, value(ps, ln1w, x, training), value(ps, ln1b, x, training), eps);
        NDArray h = x.add(attention.forward(ps, n1, training));
        NDArray n2 = Ops.layerNorm(h, value(ps, ln2w, x, training), value(ps, ln2b, x, training), eps);
        return h.add(mlp.forward(ps, n2, training));
    }

    /** The self-attention child. */
    public ClipAttention attention() {
        return attention;
    }

    /** The MLP child. */
    public ClipMlp mlp() {
        return mlp;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
