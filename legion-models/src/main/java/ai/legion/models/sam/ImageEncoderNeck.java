package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerNorm2d;
import ai.legion.models.nn.UnaryBlock;

/**
 * The {@code neck} of SAM's {@code ImageEncoderViT} (an {@code nn.Sequential} in
 * {@code segment_anything/modeling/image_encoder.py}):
 * {@code Conv1×1(E→D, no bias) → LayerNorm2d → Conv3×3(D→D, pad 1, no bias) → LayerNorm2d}, with
 * {@code LayerNorm2d}'s fixed eps 1e-6, independent of the blocks' eps.
 *
 * <p>Keys (local, Sequential indexes): {@code 0.weight [D, E, 1, 1]}, {@code 1.weight [D]},
 * {@code 1.bias [D]}, {@code 2.weight [D, D, 3, 3]}, {@code 3.weight [D]}, {@code 3.bias [D]}.
 */
public final class ImageEncoderNeck extends UnaryBlock {

    private final int inChans;
    private final int outChans;
    private final Parameter conv1;
    private final LayerNorm2d norm1;
    private final Parameter conv2;
    private final LayerNorm2d norm2;

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
        conv1 = param("0.weight", Init.NORMAL, outChans, inChans, 1, 1);
        norm1 = child("1", new LayerNorm2d(outChans));
        conv2 = param("2.weight", Init.NORMAL, outChans, outChans, 3, 3);
        norm2 = child("3", new LayerNorm2d(outChans));
    }

    /**
     * Applies the neck.
     *
     * @param x {@code [B, E, H, W]} channels-first
     * @return {@code [B, D, H, W]}
     * @throws IllegalArgumentException if {@code x} is not {@code [B, E, H, W]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.channelsFirst("ImageEncoderNeck", x, inChans);
        NDArray y = Conv2d.conv2d(x, value(ps, conv1, x, training), null).singletonOrThrow();
        y = norm1.forward(ps, y, training);
        y = Conv2d.conv2d(y, value(ps, conv2, x, training), null, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
        return norm2.forward(ps, y, training);
    }

    @Override
    protected Shape outputShape(Shape s) {
        return new Shape(s.get(0), outChans, s.get(2), s.get(3));
    }
}
