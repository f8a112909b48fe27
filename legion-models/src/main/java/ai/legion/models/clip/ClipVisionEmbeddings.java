package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.UnaryBlock;

/**
 * HF {@code CLIPVisionEmbeddings}: patch convolution (kernel = stride = patch size, no bias), the
 * class embedding prepended, the position embedding added.
 *
 * <p>Keys: {@code patch_embedding.weight [C, channels, P, P]}, {@code class_embedding [C]},
 * {@code position_embedding.weight [numPatches + 1, C]}. The checkpoint's int64 buffer
 * {@code position_ids} is {@code arange(numPositions)}, i.e. the whole table in order, so it is not a
 * parameter here (see {@link GlobalImageEncoder#ignorableKeys()}).
 */
public final class ClipVisionEmbeddings extends UnaryBlock {

    private static final String NAME = "ClipVisionEmbeddings";

    private final ClipVisionConfig config;
    private final Parameter patchWeight;
    private final Parameter classEmbedding;
    private final Parameter positionEmbedding;

    /** Declares the parameters with the shapes {@code config} implies. */
    public ClipVisionEmbeddings(ClipVisionConfig config) {
        this.config = ClipChecks.valid(NAME, config);
        int c = config.hiddenSize();
        int p = config.patchSize();
        patchWeight = param("patch_embedding.weight", Init.NORMAL, c, config.numChannels(), p, p);
        classEmbedding = param("class_embedding", Init.NORMAL, c);
        positionEmbedding = param("position_embedding.weight", Init.NORMAL, config.numPositions(), c);
    }

    /**
     * Embeds images.
     *
     * @param ps parameter store
     * @param pixelValues normalized images {@code [B, channels, S, S]} with {@code S = image_size}
     *     (cast to the weights' dtype first, as upstream does)
     * @param training whether gradients are being recorded
     * @return tokens {@code [B, 1 + (S/P)², C]}: CLS first, then the patches in row-major order
     * @throws IllegalArgumentException on a wrong rank, channel count or image size
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray pixelValues, boolean training) {
        checkPixels(pixelValues);
        NDArray w = value(ps, patchWeight, pixelValues, training);
        NDArray x = pixelValues.getDataType() == w.getDataType() ? pixelValues : pixelValues.toType(w.getDataType(), false);
        long b = x.getShape().get(0);
        long c = config.hiddenSize();
        long n = config.numPatches();
        // [B, C, g, g] -> [B, g*g, C]: same patch order as HF's flatten(2).transpose(1, 2)
        NDArray patches = Conv2d.conv2d(x, w, null, new Shape(config.patchSize(), config.patchSize()))
                .singletonOrThrow().reshape(b, c, n).transpose(0, 2, 1);
        // The CLS row is built on the activation's manager (zeros + class embedding) so nothing lands
        // in the parameters' manager.
        NDArray cls = x.getManager().zeros(new Shape(b, 1, c), patches.getDataType(), patches.getDevice())
                .add(value(ps, classEmbedding, x, training));
        return cls.concat(patches, 1).add(value(ps, positionEmbedding, x, training));
    }

    private void checkPixels(NDArray px) {
        int s = config.imageSize();
        String expected = "pixel values [B, " + config.numChannels() + ", " + s + ", " + s + "]";
        if (px == null) {
            throw new IllegalArgumentException(NAME + ": expected " + expected + ", got null");
        }
        Shape shape = px.getShape();
        if (shape.dimension() != 4 || shape.get(1) != config.numChannels() || shape.get(2) != s || shape.get(3) != s) {
            throw new IllegalArgumentException(NAME + ": expected " + expected + ", got " + shape
                    + " (CLIP does not interpolate its position embedding: resize to image_size first)");
        }
        if (!px.getDataType().isFloating()) {
            throw new IllegalArgumentException(NAME + ": expected floating pixel values, got " + px.getDataType());
        }
    }

    @Override
    protected Shape outputShape(Shape input) {
        return new Shape(input.get(0), config.numPositions(), config.hiddenSize());
    }

    /** The config this block was built from. */
    public ClipVisionConfig config() {
        return config;
    }
}
