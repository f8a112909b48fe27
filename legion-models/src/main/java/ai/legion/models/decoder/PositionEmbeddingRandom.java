package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * segment-anything's {@code PositionEmbeddingRandom}: random-Fourier positional encoding with a
 * fixed Gaussian frequency matrix. The matrix is a registered <em>buffer</em> upstream, stored in
 * every SAM checkpoint as {@code pe_layer.positional_encoding_gaussian_matrix [2, F]}; here it is a
 * parameter so it loads with the weights, created frozen (it is never trained upstream).
 *
 * <p>Encoding of coordinates {@code c} in {@code [0,1]^2}: {@code p = 2π · (2c − 1) · G},
 * output {@code [sin(p) | cos(p)]} of width {@code 2F}. Computed in float32 (upstream builds the grid
 * in float32 and casts point coordinates to float), returned in the matrix's dtype.
 */
public final class PositionEmbeddingRandom extends LegionBlock {

    private final int numPosFeats;
    private final Parameter gaussian;

    /**
     * @param numPosFeats {@code F}: number of random frequencies (the prompt embed_dim / 2)
     */
    public PositionEmbeddingRandom(int numPosFeats) {
        if (numPosFeats <= 0) {
            throw new IllegalArgumentException("PositionEmbeddingRandom: num_pos_feats must be positive, got " + numPosFeats);
        }
        this.numPosFeats = numPosFeats;
        // upstream fills the buffer with scale · randn, scale 1 by default: N(0, 1) whatever the model's std
        gaussian = param("positional_encoding_gaussian_matrix", Init.normal(1f), 2, numPosFeats);
        gaussian.freeze(true); // a buffer upstream: loaded, never trained
    }

    /** {@code F}, the number of frequencies. */
    public int numPosFeats() {
        return numPosFeats;
    }

    /** Output width {@code 2F}. */
    public int embedDim() {
        return 2 * numPosFeats;
    }

    /**
     * Upstream {@code _pe_encoding}: encodes coordinates already normalized to {@code [0,1]}.
     *
     * @param coords {@code [..., 2]} as (x, y)
     * @return {@code [..., 2F]} in the matrix's dtype
     */
    public NDArray encode(ParameterStore ps, NDArray coords, boolean training) {
        Shape s = coords.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != 2) {
            throw new IllegalArgumentException("PositionEmbeddingRandom: expected coordinates [..., 2], got "
                    + Checks.shape(coords));
        }
        NDArray g = value(ps, gaussian, coords, training);
        NDArray g32 = DecoderOps.paramView(g, coords, a -> Ops.cast(a, DataType.FLOAT32));
        NDArray c = coords.toType(DataType.FLOAT32, false);
        NDArray p = Ops.mul(Ops.mul(c, 2).sub(1).matMul(g32), 2 * Math.PI);
        NDArray out = p.sin().concat(p.cos(), -1);
        return Ops.cast(out, g.getDataType());
    }

    /**
     * Upstream {@code forward(size)}: the encoding of the cell centres of an {@code h × w} grid,
     * {@code x = (j + 0.5) / w}, {@code y = (i + 0.5) / h}.
     *
     * @param manager owns the result (the caller's manager; its device is used)
     * @return {@code [2F, h, w]}
     */
    public NDArray forward(ParameterStore ps, NDManager manager, int h, int w, boolean training) {
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("PositionEmbeddingRandom: grid size must be positive, got " + h + "x" + w);
        }
        // arange gives exact integers, so (i + 0.5) / n is the same float32 value as upstream's cumsum(ones) - 0.5
        NDArray xs = manager.arange(0f, (float) w, 1f, DataType.FLOAT32).add(0.5f).div((float) w);
        NDArray ys = manager.arange(0f, (float) h, 1f, DataType.FLOAT32).add(0.5f).div((float) h);
        NDArray xg = xs.reshape(1, w).broadcast(h, w);
        NDArray yg = ys.reshape(h, 1).broadcast(h, w);
        NDArray grid = NDArrays.stack(new NDList(xg, yg), 2); // [h, w, 2] as (x, y)
        return encode(ps, grid, training).transpose(2, 0, 1);
    }

    /**
     * Upstream {@code forward_with_coords}: encodes pixel coordinates of the padded input image,
     * normalized as {@code x / W}, {@code y / H}.
     *
     * @param coords {@code [B, N, 2]} as (x, y) in input-image pixels
     * @param imageH {@code H} of the encoder input ({@code input_image_size[0]})
     * @param imageW {@code W} of the encoder input ({@code input_image_size[1]})
     * @return {@code [B, N, 2F]}
     */
    public NDArray forwardWithCoords(ParameterStore ps, NDArray coords, int imageH, int imageW, boolean training) {
        Shape s = coords.getShape();
        if (s.dimension() != 3 || s.get(2) != 2) {
            throw new IllegalArgumentException("PositionEmbeddingRandom: expected coordinates [B, N, 2], got "
                    + Checks.shape(coords));
        }
        if (imageH <= 0 || imageW <= 0) {
            throw new IllegalArgumentException("PositionEmbeddingRandom: image size must be positive, got "
                    + imageH + "x" + imageW);
        }
        NDArray c = coords.toType(DataType.FLOAT32, false);
        try (NDArray size = Ops.tensor(c.getManager(), new float[] {imageW, imageH}, new Shape(2))) {
            return encode(ps, c.div(size), training);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(encode(ps, inputs.singletonOrThrow(), training));
    }

    /** Input: normalized coordinates {@code [..., 2]}; output {@code [..., 2F]}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long[] dims = in.getShape().clone();
        dims[dims.length - 1] = embedDim();
        return new Shape[] {new Shape(dims)};
    }
}
