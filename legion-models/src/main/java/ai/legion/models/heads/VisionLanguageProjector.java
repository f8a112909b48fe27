package ai.legion.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.LegionConfig;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LLaVA's {@code mm_projector} ({@code build_vision_projector}), mapping vision features of width
 * {@code mm_hidden_size} to the LLM width {@code hidden_size}.
 *
 * <ul>
 *   <li>{@code "mlp<N>x_gelu"} (LEGION: {@code mlp2x_gelu}): an {@code nn.Sequential} of
 *       Linear(mm_hidden→H), then N−1 × (exact-erf GELU, Linear(H→H)). The GELU modules sit at the odd
 *       indices, so the keys are {@code 0.weight/0.bias, 2.weight/2.bias, …, 2(N−1).weight/bias}
 *       ({@code mlp1x_gelu} is a one-element Sequential: {@code 0.weight/0.bias}).</li>
 *   <li>{@code "linear"}: a bare {@code nn.Linear}, keys {@code weight/bias}.</li>
 * </ul>
 * Caller prefix: {@code model.mm_projector.}.
 */
public final class VisionLanguageProjector extends LegionBlock {

    private static final String NAME = "VisionLanguageProjector";
    private static final Pattern MLP_GELU = Pattern.compile("mlp([0-9]{1,4})x_gelu");

    private final String projectorType;
    private final int inputSize;
    private final int hiddenSize;
    private final List<Parameter> weights = new ArrayList<>();
    private final List<Parameter> biases = new ArrayList<>();

    /** From {@code mm_projector_type}, {@code mm_hidden_size} and the LLM {@code hidden_size} of a LEGION config. */
    public VisionLanguageProjector(LegionConfig config) {
        this(config.mmProjectorType(), config.mmHiddenSize(), config.llama().hiddenSize());
    }

    /**
     * Declares the projector for explicit sizes.
     *
     * @param projectorType {@code "linear"} or {@code "mlp<N>x_gelu"} with N ≥ 1
     * @param mmHiddenSize vision feature width
     * @param hiddenSize LLM width
     * @throws IllegalArgumentException on an unsupported type or non-positive sizes
     */
    public VisionLanguageProjector(String projectorType, int mmHiddenSize, int hiddenSize) {
        HeadChecks.positive(NAME, "mm_hidden_size", mmHiddenSize);
        HeadChecks.positive(NAME, "hidden_size", hiddenSize);
        this.projectorType = projectorType;
        this.inputSize = mmHiddenSize;
        this.hiddenSize = hiddenSize;
        if ("linear".equals(projectorType)) {
            weights.add(param("weight", hiddenSize, mmHiddenSize));
            biases.add(param("bias", hiddenSize));
            return;
        }
        Matcher m = projectorType == null ? null : MLP_GELU.matcher(projectorType);
        int depth = m != null && m.matches() ? Integer.parseInt(m.group(1)) : 0;
        if (depth < 1) {
            throw new IllegalArgumentException(NAME + ": mm_projector_type must be \"linear\" or \"mlp<N>x_gelu\" (N >= 1), got "
                    + (projectorType == null ? "null" : "\"" + projectorType + "\""));
        }
        for (int i = 0; i < depth; i++) {
            int index = 2 * i; // nn.Sequential index: the GELU modules take the odd slots
            weights.add(param(index + ".weight", hiddenSize, i == 0 ? mmHiddenSize : hiddenSize));
            biases.add(param(index + ".bias", hiddenSize));
        }
    }

    /**
     * Projects vision features into the LLM embedding space.
     *
     * @param ps parameter store
     * @param features {@code [..., mm_hidden]} (e.g. {@code [B, N, mm_hidden]}); cast to the weights' dtype
     * @param training whether gradients are being recorded
     * @return {@code [..., H]}
     * @throws IllegalArgumentException if the last axis is not {@code mm_hidden_size}
     */
    public NDArray forward(ParameterStore ps, NDArray features, boolean training) {
        HeadChecks.features(NAME, features, inputSize);
        NDArray x = null;
        for (int i = 0; i < weights.size(); i++) {
            NDArray w = value(ps, weights.get(i), features, training);
            x = i == 0 ? HeadChecks.like(features, w) : Ops.gelu(x);
            x = Ops.linear(x, w, value(ps, biases.get(i), features, training));
        }
        return x;
    }

    /** The projector type as configured. */
    public String projectorType() {
        return projectorType;
    }

    /** Number of Linear layers (1 for {@code linear}, N for {@code mlp<N>x_gelu}). */
    public int depth() {
        return weights.size();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long[] dims = inputShapes[0].getShape().clone();
        dims[dims.length - 1] = hiddenSize;
        return new Shape[] {new Shape(dims)};
    }
}
