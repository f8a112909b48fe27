package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.Mlp;
import ai.legion.models.nn.UnaryBlock;

/**
 * SAM's image-encoder transformer {@code Block} ({@code segment_anything/modeling/image_encoder.py}): pre-norm,
 * {@code x += Attn(LN1(x)); x += MLP(LN2(x))}.
 *
 * <p>Windowed blocks ({@code window_size > 0}) zero-pad the normalized grid bottom/right to a
 * multiple of the window, attend inside each window (padded tokens are keys/values, unmasked, as
 * upstream), un-partition and crop; global blocks attend over the whole grid.
 *
 * <p>Keys (local): {@code norm1.{weight,bias} [E]}, {@code attn.*} ({@link SamAttention}),
 * {@code norm2.{weight,bias} [E]}, {@code mlp.lin1/lin2.*} ({@code MLPBlock}, {@link Mlp#mlpBlock}, exact GELU).
 */
public final class SamBlock extends UnaryBlock {

    private final int dim;
    private final int windowSize;
    private final LayerNorm norm1;
    private final SamAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    /**
     * Block {@code index} of an image encoder: windowed with {@code window_size} unless
     * {@code isGlobalAttention(index)}.
     */
    public SamBlock(SamConfig.ImageEncoder config, int index) {
        if (index < 0 || index >= config.depth()) {
            throw new IllegalArgumentException("SamBlock: index " + index + " outside the blocks 0.." + (config.depth() - 1));
        }
        this.dim = config.embedDim();
        this.windowSize = config.isGlobalAttention(index) ? 0 : config.windowSize();
        norm1 = child("norm1", new LayerNorm(dim, config.layerNormEps()));
        attn = child("attn", new SamAttention(config, index));
        norm2 = child("norm2", new LayerNorm(dim, config.layerNormEps()));
        mlp = child("mlp", Mlp.mlpBlock(dim, config.mlpDim(), Mlp.Activation.GELU));
    }

    /** The window of this block; 0 for global attention. */
    public int windowSize() {
        return windowSize;
    }

    /** The attention child. */
    public SamAttention attention() {
        return attn;
    }

    /** The MLP child ({@code MLPBlock}). */
    public Mlp mlp() {
        return mlp;
    }

    /**
     * Applies the block.
     *
     * @param x {@code [B, H, W, E]} channels-last tokens
     * @return {@code [B, H, W, E]}
     * @throws IllegalArgumentException if {@code x} is not rank 4 with last axis {@code E}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.channelsLast("SamBlock", x, dim);
        Shape s = x.getShape();
        NDArray h = norm1.forward(ps, x, training);
        if (windowSize > 0) {
            long height = s.get(1);
            long width = s.get(2);
            NDArray padded = padToMultiple(h, windowSize);
            long hp = padded.getShape().get(1);
            long wp = padded.getShape().get(2);
            NDArray windows = windowPartition(padded, windowSize);
            NDArray attended = attn.forward(ps, windows, training);
            h = windowUnpartition(attended, windowSize, s.get(0), hp, wp);
            if (hp > height || wp > width) {
                h = h.get(new NDIndex(":, :{}, :{}, :", height, width));
            }
        } else {
            h = attn.forward(ps, h, training);
        }
        NDArray y = x.add(h);
        return y.add(mlp.forward(ps, norm2.forward(ps, y, training), training));
    }

    /** Zero-pads {@code [B, H, W, C]} bottom/right so H and W are multiples of {@code window}. */
    static NDArray padToMultiple(NDArray x, int window) {
        Shape s = x.getShape();
        long padH = (window - s.get(1) % window) % window;
        long padW = (window - s.get(2) % window) % window;
        NDArray out = x;
        if (padH > 0) {
            out = out.concat(out.getManager().zeros(new Shape(s.get(0), padH, s.get(2), s.get(3)),
                    out.getDataType(), out.getDevice()), 1);
        }
        if (padW > 0) {
            out = out.concat(out.getManager().zeros(new Shape(s.get(0), s.get(1) + padH, padW, s.get(3)),
                    out.getDataType(), out.getDevice()), 2);
        }
        return out;
    }

    /** {@code [B, Hp, Wp, C]} → {@code [B·(Hp/w)·(Wp/w), w, w, C]}, windows in row-major order per image. */
    static NDArray windowPartition(NDArray x, int window) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(3);
        return x.reshape(b, s.get(1) / window, window, s.get(2) / window, window, c)
                .transpose(0, 1, 3, 2, 4, 5)
                .reshape(-1, window, window, c);
    }

    /** Inverse of {@link #windowPartition}: {@code [B·nH·nW, w, w, C]} → {@code [B, Hp, Wp, C]}. */
    static NDArray windowUnpartition(NDArray windows, int window, long batch, long hp, long wp) {
        long c = windows.getShape().get(3);
        return windows.reshape(batch, hp / window, wp / window, window, window, c)
                .transpose(0, 1, 3, 2, 4, 5)
                .reshape(batch, hp, wp, c);
    }
}
