package ai.legion.models.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;

/**
 * {@code LlamaRotaryEmbedding} (transformers 4.28), half-split convention: {@code inv_freq[i] =
 * 1 / θ^(2i/d)} (float32), {@code emb = cat(pos·inv_freq, pos·inv_freq)}, {@code x' = x·cos +
 * rotate_half(x)·sin} with {@code rotate_half(x) = cat(−x[d/2:], x[:d/2])}.
 *
 * <p>No parameters: the {@code *.rotary_emb.inv_freq} buffers that 4.28 checkpoints carry are
 * ignorable. Instead of HF's cos/sin table for {@code max_position_embeddings}, the rows for the
 * requested positions are computed on demand; the values are identical (the same float32 products
 * {@code float(pos)·inv_freq[i]}, then cos/sin, then the cast to the activation dtype) and nothing
 * device- or dtype-specific has to be cached or freed. {@code inv_freq} itself is computed once with
 * the engine's float32 {@code pow}, as torch does.
 */
public final class RotaryEmbedding extends LegionBlock {

    /** cos and sin, each {@code [B or 1, 1, T, headDim]}, broadcastable against {@code [B, heads, T, headDim]}. */
    public record CosSin(NDArray cos, NDArray sin) {}

    private final int headDim;
    private final double theta;
    private volatile float[] invFreq;

    /**
     * @param headDim rotated width per head (even)
     * @param theta rotary base ({@code rope_theta}, 10000 in 4.28)
     */
    public RotaryEmbedding(int headDim, double theta) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("RotaryEmbedding: head dim must be positive and even, got " + headDim);
        }
        this.headDim = headDim;
        this.theta = theta;
    }

    /** The head dim. */
    public int headDim() {
        return headDim;
    }

    /** {@code inv_freq} as float32 values, {@code [headDim/2]} (what the checkpoints' buffer holds). */
    public float[] invFreq() {
        float[] f = invFreq;
        if (f == null) {
            synchronized (this) {
                f = invFreq;
                if (f == null) {
                    // torch: 1.0 / (base ** (arange(0, d, 2).float() / d)), all in float32
                    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                        NDArray exponent = m.arange(0, headDim, 2).toType(DataType.FLOAT32, false).div((float) headDim);
                        NDArray pow = m.full(exponent.getShape(), (float) theta, DataType.FLOAT32).pow(exponent);
                        f = m.ones(pow.getShape(), DataType.FLOAT32).div(pow).toFloatArray();
                    }
                    invFreq = f;
                }
            }
        }
        return f;
    }

    /**
     * cos/sin for the given positions.
     *
     * @param positionIds {@code [B, T]} (or {@code [1, T]}) integer positions
     * @param dtype dtype of the activations they will multiply
     * @return cos, sin {@code [B, 1, T, headDim]} in {@code dtype}, in the manager of {@code positionIds}
     */
    public CosSin forward(NDArray positionIds, DataType dtype) {
        if (positionIds.getShape().dimension() != 2) {
            throw new IllegalArgumentException("RotaryEmbedding: expected position ids [B, T], got "
                    + positionIds.getShape());
        }
        NDArray inv = positionIds.getManager().create(invFreq());
        NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // [B, T, d/2]
        NDArray emb = freqs.concat(freqs, -1).expandDims(1); // [B, 1, T, d]
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new CosSin(cos, sin);
    }

    /**
     * Rotates {@code x [B, heads, T, headDim]}: {@code x·cos + rotate_half(x)·sin}.
     */
    public static NDArray apply(NDArray x, CosSin cs) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        long half = d / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cs.cos()).add(rotated.mul(cs.sin()));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        CosSin cs = forward(inputs.singletonOrThrow(), DataType.FLOAT32);
        return new NDList(cs.cos(), cs.sin());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape p = inputShapes[0];
        Shape out = new Shape(p.get(0), 1, p.get(1), headDim);
        return new Shape[] {out, out};
    }
}
