package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.LegionBlock;
import java.util.Arrays;

/**
 * The {@code neck} of SAM's {@code ImageEncoderViT} (an {@code nn.Sequential} upstream, SPEC §2.4):
 * {@code Conv1×1(E→D, no bias) → LayerNorm2d → Conv3×3(D→D, pad 1, no bias) → LayerNorm2d}.
 *
 * <p>Keys (local, Sequential indexes): {@code 0.weight [D, E, 1, 1]}, {@code 1.weight [D]},
 * {@code 1.bias [D]}, {@code 2.weight [D, D, 3, 3]}, {@code 3.weight [D]}, {@code 3.bias [D]}.
 */
public final class ImageEncoderNeck extends LegionBlock {

    /** {@code LayerNorm2d}'s eps: fixed in SAM's {@code common.py}, independent of the blocks' eps. */
    public static final double LAYER_NORM_2D_EPS = 1e-6;

    private final int inChans;
    private final int outChans;
    private final Parameter conv1;
    private final Parameter norm1Weight;
    private final Parameter norm1Bias;
    private final Parameter conv2;
    private final Parameter norm2Weight;
    private final Parameter norm2Bias;

    /** The neck of an image encoder: {@code embed_dim → out_chans}. */
    public ImageEncoderNeck(SamConfig.ImageEncoder config) {
        this(config.embedDim(), config.outChans());
    }

    /**
     * @param inChans ViT width {@code E}
     * @param outChans embedding width {@code D}
     */
    public ImageEncoderNeck(int inChans, int outChans) {
        if (inChans <= 0 || outChans <= 0) {
            throw new IllegalArgumentException("ImageEncoderNeck: channels must be positive, got " + inChans + " -> "
                    + outChans);
        }
        this.inChans = inChans;
        this.outChans = outChans;
        conv1 = param("0.weight", outChans, inChans, 1, 1);
        norm1Weight = param("1.weight", outChans);
        norm1Bias = param("1.bias", outChans);
        conv2 = param("2.weight", outChans, outChans, 3, 3);
        norm2Weight = param("3.weight", outChans);
        norm2Bias = param("3.bias", outChans);
    }

    /**
     * Applies the neck.
     *
     * @param x {@code [B, E, H, W]} channels-first
     * @return {@code [B, D, H, W]}
     * @throws IllegalArgumentException if {@code x} is not {@code [B, E, H, W]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != inChans) {
            throw new IllegalArgumentException("ImageEncoderNeck: expected input [B, " + inChans + ", H, W], got "
                    + Arrays.toString(s.getShape()));
        }
        NDArray y = Conv2d.conv2d(x, value(ps, conv1, x, training), null).singletonOrThrow();
        y = layerNorm2d(y, value(ps, norm1Weight, x, training), value(ps, norm1Bias, x, training));
        y = Conv2d.conv2d(y, value(ps, conv2, x, training), null, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
        return layerNorm2d(y, value(ps, norm2Weight, x, training), value(ps, norm2Bias, x, training));
    }

    /**
     * SAM's {@code LayerNorm2d} on {@code [B, C, H, W]}: per pixel, subtract the channel mean, divide by
     * {@code sqrt(biased var + eps)}, then {@code w_c·x + b_c}. The affine step is applied channels-last
     * so the weights broadcast without being reshaped: a reshape of a weight would create a new array
     * in the parameters' manager on every call ({@code Ops.layerNorm2d} does that).
     */
    static NDArray layerNorm2d(NDArray x, NDArray weight, NDArray bias) {
        NDArray u = x.mean(new int[] {1}, true);
        NDArray centered = x.sub(u);
        NDArray var = centered.square().mean(new int[] {1}, true);
        NDArray normed = centered.div(var.add(LAYER_NORM_2D_EPS).sqrt());
        return normed.transpose(0, 2, 3, 1).mul(weight).add(bias).transpose(0, 3, 1, 2);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), outChans, s.get(2), s.get(3))};
    }
}
