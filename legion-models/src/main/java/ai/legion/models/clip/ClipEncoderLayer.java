package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipEncoderConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.Mlp;
import ai.legion.models.nn.UnaryBlock;

/**
 * HF {@code CLIPEncoderLayer}, pre-norm: {@code h = x + attn(LN1(x)); y = h + mlp(LN2(h))}, LayerNorm
 * eps {@code layer_norm_eps}. The MLP is HF {@code CLIPMLP}, {@code fc2(act(fc1(x)))} with the
 * activation named by {@code hidden_act}: {@code quick_gelu} (OpenAI CLIP such as ViT-L/14-336) or
 * {@code gelu} (exact erf, e.g. ViT-H/14 towers).
 *
 * <p>Keys: {@code layer_norm1.{weight,bias}}, {@code self_attn.*} ({@link ClipAttention}),
 * {@code layer_norm2.{weight,bias}}, {@code mlp.fc1.weight [I, C]}, {@code mlp.fc1.bias [I]},
 * {@code mlp.fc2.weight [C, I]}, {@code mlp.fc2.bias [C]}.
 */
public final class ClipEncoderLayer extends UnaryBlock {

    private static final String NAME = "ClipEncoderLayer";

    private final int hidden;
    private final LayerNorm layerNorm1;
    private final ClipAttention attention;
    private final LayerNorm layerNorm2;
    private final Mlp mlp;

    /** Declares the layer for {@code config}. */
    public ClipEncoderLayer(ClipEncoderConfig config) {
        ClipChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        layerNorm1 = child("layer_norm1", new LayerNorm(hidden, config.layerNormEps()));
        attention = child("self_attn", new ClipAttention(config));
        layerNorm2 = child("layer_norm2", new LayerNorm(hidden, config.layerNormEps()));
        // validate() admits only quick_gelu and gelu
        mlp = child("mlp", Mlp.twoLayer("CLIPMLP", "fc1", "fc2", hidden, config.intermediateSize(),
                Mlp.Activation.of(config.hiddenAct())));
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
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, null, training);
    }

    /**
     * One encoder layer with an additive attention mask ({@link ClipAttention#forward(ParameterStore, NDArray,
     * NDArray, boolean)}), or none when {@code mask} is null.
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        Checks.tokens(NAME, x, hidden);
        NDArray h = x.add(attention.forward(ps, layerNorm1.forward(ps, x, training), mask, training));
        return h.add(mlp.forward(ps, layerNorm2.forward(ps, h, training), training));
    }

    /** The self-attention child. */
    public ClipAttention attention() {
        return attention;
    }

    /** The MLP child ({@code CLIPMLP}). */
    public Mlp mlp() {
        return mlp;
    }
}
