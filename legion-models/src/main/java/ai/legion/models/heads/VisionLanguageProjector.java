package ai.legion.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LegionConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Mlp;
import java.util.Arrays;
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
public final class VisionLanguageProjector extends Mlp {

    private static final String NAME = "VisionLanguageProjector";
    private static final Pattern MLP_GELU = Pattern.compile("mlp([0-9]{1,4})x_gelu");

    private final String projectorType;

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
        super(NAME, layerNames(projectorType), widths(depth(projectorType), mmHiddenSize, hiddenSize),
                Activation.GELU, false);
        this.projectorType = projectorType;
    }

    /** Number of linear layers of a projector type: N for {@code mlp<N>x_gelu}, 0 for {@code linear}. */
    private static int depth(String projectorType) {
        if ("linear".equals(projectorType)) {
            return 0;
        }
        Matcher m = projectorType == null ? null : MLP_GELU.matcher(projectorType);
        int depth = m != null && m.matches() ? Integer.parseInt(m.group(1)) : 0;
        if (depth < 1) {
            throw new IllegalArgumentException(NAME + ": mm_projector_type must be \"linear\" or \"mlp<N>x_gelu\" "
                    + "(N >= 1), got " + (projectorType == null ? "null" : "\"" + projectorType + "\""));
        }
        return depth;
    }

    /** A bare {@code nn.Linear} for {@code linear}; else the Sequential's indexes, the GELUs at the odd ones. */
    private static List<String> layerNames(String projectorType) {
        int depth = depth(projectorType);
        return depth == 0 ? List.of("") : sequentialNames("", depth);
    }

    private static long[] widths(int depth, int mmHiddenSize, int hiddenSize) {
        Checks.positive(NAME, "mm_hidden_size", mmHiddenSize);
        Checks.positive(NAME, "hidden_size", hiddenSize);
        long[] widths = new long[Math.max(depth, 1) + 1];
        Arrays.fill(widths, hiddenSize);
        widths[0] = mmHiddenSize;
        return widths;
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
    @Override
    public NDArray forward(ParameterStore ps, NDArray features, boolean training) {
        Checks.features(NAME, features, inputDim());
        return super.forward(ps, features, training);
    }

    /** The projector type as configured. */
    public String projectorType() {
        return projectorType;
    }

    /** Number of Linear layers (1 for {@code linear}, N for {@code mlp<N>x_gelu}). */
    public int depth() {
        return numLayers();
    }
}
