package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.UnaryBlock;
import java.util.Arrays;

/**
 * SAM's {@code PatchEmbed}: {@code Conv2d(in→E, kernel p, stride p, bias)} then channels-last.
 *
 * <p>Keys (local): {@code proj.weight [E, in_chans, p, p]}, {@code proj.bias [E]}.
 */
public final class PatchEmbed extends UnaryBlock {

    private final int inChans;
    private final int embedDim;
    private final int patchSize;
    private final Parameter weight;
    private final Parameter bias;

    /** The patch embedding of an image encoder config. */
    public PatchEmbed(SamConfig.ImageEncoder config) {
        this(config.inChans(), config.embedDim(), config.patchSize());
    }

    /**
     * @param inChans input channels (3)
     * @param embedDim output width {@code E}
     * @param patchSize kernel = stride {@code p}
     */
    public PatchEmbed(int inChans, int embedDim, int patchSize) {
        if (inChans <= 0 || embedDim <= 0 || patchSize <= 0) {
            throw new IllegalArgumentException("PatchEmbed: sizes must be positive, got in_chans " + inChans
                    + ", embed_dim " + embedDim + ", patch_size " + patchSize);
        }
        this.inChans = inChans;
        this.embedDim = embedDim;
        this.patchSize = patchSize;
        weight = param("proj.weight", Init.NORMAL, embedDim, inChans, patchSize, patchSize);
        bias = param("proj.bias", Init.ZEROS, embedDim);
    }

    /**
     * Embeds the patches.
     *
     * @param pixels {@code [B, in_chans, H, W]} with {@code H, W >= p} (a remainder smaller than a
     *     patch is dropped, as by the strided conv); cast to the weights' dtype if it differs
     * @return {@code [B, H/p, W/p, E]} channels-last
     * @throws IllegalArgumentException on another rank, channel count, or an image smaller than a patch
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray pixels, boolean training) {
        Shape s = pixels.getShape();
        if (s.dimension() != 4 || s.get(1) != inChans || s.get(2) < patchSize || s.get(3) < patchSize) {
            throw new IllegalArgumentException("PatchEmbed: expected pixels [B, " + inChans + ", H, W] with H, W >= "
                    + patchSize + ", got " + Arrays.toString(s.getShape()));
        }
        NDArray w = value(ps, weight, pixels, training);
        // explicit dtype: the conv needs input and weight of one type (e.g. fp16 weights on a GPU)
        NDArray x = pixels.getDataType() == w.getDataType() ? pixels : pixels.toType(w.getDataType(), false);
        Shape stride = new Shape(patchSize, patchSize);
        NDArray y = Conv2d.conv2d(x, w, value(ps, bias, pixels, training), stride).singletonOrThrow();
        NDArray out = y.transpose(0, 2, 3, 1);
        // the view keeps the storage alive; dropping our handles leaves only the result in the caller's manager
        y.close();
        if (x != pixels) {
            x.close();
        }
        return out;
    }

    @Override
    protected Shape outputShape(Shape s) {
        return new Shape(s.get(0), s.get(2) / patchSize, s.get(3) / patchSize, embedDim);
    }
}
