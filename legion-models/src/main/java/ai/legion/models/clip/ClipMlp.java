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
 * HF {@code CLIPMLP}: {@code fc2(act(fc1(x)))} with the activation named by {@code hidden_act}:
 * {@code quick_gelu} ({@code x·σ(1.702x)}, OpenAI CLIP such as ViT-L/14-336) or {@code gelu} (exact
 * erf, e.g. ViT-H/14 towers).
 *
 * <p>Keys: {@code fc1.weight [I, C]}, {@code fc1.bias [I]}, {@code fc2.weight [C, I]}, {@code fc2.bias [C]}.
 */
public final class ClipMlp extends LegionBlock {

    private static final String NAME = "ClipMlp";

    private final int hidden;
    private final boolean quickGelu;
    private final Parameter fc1w;
    private final Parameter fc1b;
    private final Parameter fc2w;
    private final Parameter fc2b;

    /** Declares fc1/fc2 for {@code hidden_size}, {@code intermediate_size} and {@code hidden_act} of {@code config}. */
    public ClipMlp(ClipVisionConfig config) {
        ClipChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        int inter = config.intermediateSize();
        quickGelu = "quick_gelu".equals(config.hiddenAct()); // validate() admits only quick_gelu and gelu
        fc1w = param("fc1.weight", inter, hidden);
        fc1b = param("fc1.bias", inter);
        fc2w = param("fc2.weight", hidden, inter);
        fc2b = param("fc2.bias", hidden);
    }

    /**
     * The feed-forward block.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, T, C]}
     * @param training whether gradients are being recorded
     * @return {@code [B, T, C]}
     * @throws IllegalArgumentException if {@code x} is not {@code [B, T, hidden_size]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        ClipChecks.tokens(NAME, x, hidden);
        NDArray h = Ops.linear(x, value(ps, fc1w, x, training), value(ps, fc1b, x, training));
        h = quickGelu ? Ops.quickGelu(h) : Ops.gelu(h);
        return Ops.linear(h, value(ps, fc2w, x, training), value(ps, fc2b, x, training));
    }

    /** The activation in use: {@code "quick_gelu"} or {@code "gelu"}. */
    public String activation() {
        return quickGelu ? "quick_gelu" : "gelu";
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
