package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * segment-anything's {@code LayerNorm2d} ({@code segment_anything/modeling/common.py}) on
 * {@code [B, C, H, W]}: per pixel, normalize over the channels, then {@code w_c · x + b_c}
 * ({@link Ops#layerNorm2d}). Keys: {@code weight [C]}, {@code bias [C]}.
 */
public final class LayerNorm2d extends UnaryBlock {

    /** The eps segment-anything always uses (its default; no SAM module overrides it). */
    public static final double EPS = 1e-6;

    private final long channels;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    /** {@code LayerNorm2d(channels)} with eps {@value #EPS}, scale created {@link Init#ONES}. */
    public LayerNorm2d(long channels) {
        this(channels, EPS, Init.ONES);
    }

    /**
     * @param channels {@code C}
     * @param eps added to the variance
     * @param scaleInit how {@code weight} is created ({@link Init#ONES} as upstream; see {@code PromptEncoder})
     */
    public LayerNorm2d(long channels, double eps, Init scaleInit) {
        Checks.positive("LayerNorm2d", "channels", channels);
        this.channels = channels;
        this.eps = eps;
        weight = param("weight", scaleInit, channels);
        bias = param("bias", Init.ZEROS, channels);
    }

    /**
     * @param x {@code [B, C, H, W]}
     * @return {@code [B, C, H, W]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.channelsFirst("LayerNorm2d", x, channels);
        return Ops.layerNorm2d(x, value(ps, weight, x, training), value(ps, bias, x, training), eps);
    }
}
