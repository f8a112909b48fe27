package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.io.EngineTypes;
import ai.legion.models.EngineThreads;
import java.util.function.BinaryOperator;

/**
 * Tensor functions shared by the blocks, each matching its PyTorch counterpart (the reference the
 * parity fixtures were computed with). Shapes: {@code [..., C]} means any leading dims.
 *
 * <p>Results are created in the manager of the activation argument, never in the parameters'
 * manager: no function here calls an op on a weight alone (reshape, transpose, cast), which would
 * leak one array into the model's manager per call.
 *
 * <p><b>Engine-owned memory.</b> DJL's PyTorch engine wraps Java data ({@code create(float[])}, and
 * the scalar behind {@code mul(Number)}, {@code div(Number)}, {@code pow(Number)},
 * {@code maximum(Number)}) with {@code torch::from_blob} over a direct buffer that only the Java
 * handle keeps alive. Autograd saves operands for the backward pass (and views share storage), so
 * once the handle is closed and collected the backward pass reads freed memory: non-deterministic
 * NaN gradients. Code on a differentiable path therefore uses {@link #mul}, {@link #div},
 * {@link #pow}, {@link #maximum} and {@link #tensor}, whose operands the engine owns.
 */
public final class Ops {

    private Ops() {}

    /** {@code torch.nn.functional.linear}: {@code x @ w^T + b}; {@code w} is {@code [out, in]}, {@code b} may be null. */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        int parts = rowProductParts(x, w);
        if (parts > 1) {
            return rowProduct(x, w, b, parts);
        }
        return ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
    }

    /** Weights from this size up take the split product for a single row ({@link #rowProductParts}). */
    static final long ROW_PRODUCT_MIN_BYTES = 32L << 20;

    /**
     * How many parts a single-row product with a large float32 weight is split into on the CPU, or 1 for none.
     *
     * <p>A one-row {@code linear} is a matrix-vector product that libtorch hands to one MKL {@code sgemv} call, which
     * runs on one core here at 17-18 GB/s whatever the thread count (1 x 4096 by 11008 x 4096: 10.0 ms with one or two
     * threads). Split into row blocks as a batched product {@code [parts, 1, in] @ [parts, in, out/parts]}, libtorch
     * runs the blocks on its threads: 5.6 ms (32 GB/s) on two. This is what a decode step is made of.
     * The parts divide {@code out} and balance the threads best (a vocabulary of 32007 rows = 3 x 47 x 227 gives 47
     * parts); gradients and GPUs take the plain product.
     */
    static int rowProductParts(NDArray x, NDArray w) {
        if (x.getDevice().isGpu() || w.getDataType() != DataType.FLOAT32 || x.getDataType() != DataType.FLOAT32
                || w.getShape().dimension() != 2 || x.hasGradient() || w.hasGradient()) {
            return 1;
        }
        long in = w.getShape().get(1);
        if (x.size() != in || w.size() * 4 < ROW_PRODUCT_MIN_BYTES) {
            return 1;
        }
        return rowParts(w.getShape().get(0), EngineThreads.get());
    }

    /** The divisor of {@code rows} in {@code [threads, 64]} with the smallest share per thread; 1 if none helps. */
    static int rowParts(long rows, int threads) {
        int best = 1;
        double bestShare = 1;
        for (int d = Math.max(2, threads); d <= 64 && threads > 1; d++) {
            double share = Math.ceil((double) d / threads) / d;
            if (rows % d == 0 && share < bestShare - 1e-9) {
                best = d;
                bestShare = share;
            }
        }
        return best;
    }

    /** {@code x @ w^T + b} for a single row as {@code parts} row blocks of {@code w} in one batched product. */
    private static NDArray rowProduct(NDArray x, NDArray w, NDArray b, int parts) {
        long out = w.getShape().get(0);
        long in = w.getShape().get(1);
        NDManager m = x.getManager();
        // views of the weight, owned by the activations' manager (not the weights')
        NDArray blocks = w.reshape(parts, out / parts, in);
        blocks.attach(m);
        NDArray blocksT = blocks.transpose(0, 2, 1);
        blocksT.attach(m);
        NDArray y = x.reshape(1, 1, in).broadcast(parts, 1, in).matMul(blocksT);
        Shape shape = x.getShape().slice(0, x.getShape().dimension() - 1).add(out);
        y = y.reshape(shape);
        return b == null ? y : y.add(b);
    }

    /** LayerNorm over the last axis ({@code [..., C]}), as {@code torch.nn.LayerNorm(C, eps)}. */
    public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, double eps) {
        Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return x.getNDArrayInternal().layerNorm(x, last, gamma, beta, (float) eps).singletonOrThrow();
    }

    /**
     * SAM's {@code LayerNorm2d} on {@code [B, C, H, W]}: per pixel, normalize over channels (biased
     * variance), then {@code w_c * x + b_c}.
     */
    public static NDArray layerNorm2d(NDArray x, NDArray weight, NDArray bias, double eps) {
        NDArray u = x.mean(new int[] {1}, true);
        NDArray centered = x.sub(u);
        NDArray s = centered.square().mean(new int[] {1}, true);
        NDArray normed = centered.div(s.add(eps).sqrt());
        // scale and shift channels-last so the weights broadcast without being reshaped (a reshape of a
        // parameter would create an array in the parameters' manager on every call)
        return normed.transpose(0, 2, 3, 1).mul(weight).add(bias).transpose(0, 3, 1, 2);
    }

    /**
     * LLaMA RMSNorm (transformers 4.28): {@code x * rsqrt(mean(x^2) + eps)} in float32, cast back to
     * the input type, times the weight.
     */
    public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        DataType in = x.getDataType();
        NDArray x32 = cast(x, DataType.FLOAT32);
        NDArray variance = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.mul(pow(variance.add(eps), -0.5));
        return cast(normed, in).mul(weight);
    }

    /** {@code [B, T, H·D]} → {@code [B, H, T, D]}: the per-head view of a projection (a view, no copy). */
    public static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** {@code [B, H, T, D]} → {@code [B, T, H·D]}: the heads concatenated again. */
    public static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /** Exact (erf) GELU, {@code torch.nn.GELU()}. */
    public static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }

    /** CLIP's {@code quick_gelu}: {@code x * sigmoid(1.702 x)}. */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(mul(x, 1.702).getNDArrayInternal().sigmoid());
    }

    /** SiLU: {@code x * sigmoid(x)}. */
    public static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /** ReLU. */
    public static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }

    /**
     * Copies {@code values} into {@code target}'s storage in place, through a detached view, so it also
     * works for parameters that require gradients. ({@code NDArray.set(Buffer)} and {@code copyTo}
     * replace the handle's storage instead of writing into it, so views and other holders would not
     * see the new values.)
     */
    public static void assign(NDArray target, NDArray values) {
        if (!target.getShape().equals(values.getShape())) {
            throw new IllegalArgumentException("assign: target " + target.getShape() + " vs values " + values.getShape());
        }
        NDArray view = target.stopGradient();
        NDArray cast = values.getDataType() == target.getDataType() ? values : values.toType(target.getDataType(), false);
        try {
            view.set(new ai.djl.ndarray.index.NDIndex("..."), cast);
        } finally {
            view.close();
            if (cast != values) {
                cast.close();
            }
        }
    }

    /** Softmax over the last axis computed in float32 and cast back, as upstream attention does. */
    public static NDArray softmax32(NDArray x) {
        DataType in = x.getDataType();
        return cast(cast(x, DataType.FLOAT32).softmax(-1), in);
    }

    /**
     * {@code x.to(type)} that autograd follows. DJL's {@code toType} runs under {@code NoGradGuard}, so a
     * cast in a differentiable path would silently cut the graph (no gradient for anything before it);
     * a cumulative product over an added axis of size 1 with the output dtype is the identity with that
     * cast, and its backward returns the incoming gradient cast back.
     */
    public static NDArray cast(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        EngineTypes.check(type, "Ops.cast"); // a constant message: this is on every hot path
        return x.expandDims(-1).cumProd(-1, type).squeeze(-1);
    }

    /** A 0-d tensor of {@code like}'s type and device whose memory the engine owns (see the class note). */
    public static NDArray scalar(NDArray like, double value) {
        // create(double) is float64 on the manager's device; the typed copy is the engine's own
        try (NDArray raw = like.getManager().create(value)) {
            return raw.toType(like.getDataType(), true);
        }
    }

    /** {@code x * s} with an engine-owned scalar (safe under autograd). */
    public static NDArray mul(NDArray x, double s) {
        return withScalar(x, s, NDArray::mul);
    }

    /** {@code x / s} with an engine-owned scalar (safe under autograd). */
    public static NDArray div(NDArray x, double s) {
        return withScalar(x, s, NDArray::div);
    }

    /** {@code x ** s} with an engine-owned exponent (safe under autograd). */
    public static NDArray pow(NDArray x, double s) {
        return withScalar(x, s, NDArray::pow);
    }

    /** {@code torch.clamp_min(x, s)}-like {@code maximum(x, s)} with an engine-owned scalar. */
    public static NDArray maximum(NDArray x, double s) {
        return withScalar(x, s, NDArray::maximum);
    }

    private static NDArray withScalar(NDArray x, double s, BinaryOperator<NDArray> op) {
        try (NDArray c = scalar(x, s)) {
            return op.apply(x, c);
        }
    }

    /** An engine-owned array of Java data (a copy on CPU; host-to-device creation already copies). */
    public static NDArray tensor(NDManager m, float[] data, Shape shape) {
        return owned(m.create(data, shape));
    }

    /** An engine-owned int64 array of Java data. */
    public static NDArray tensor(NDManager m, long[] data, Shape shape) {
        return owned(m.create(data, shape));
    }

    /** An engine-owned int64 vector of Java data. */
    public static NDArray tensor(NDManager m, long[] data) {
        return tensor(m, data, new Shape(data.length));
    }

    /** An engine-owned boolean array of Java data. */
    public static NDArray tensor(NDManager m, boolean[] data, Shape shape) {
        return owned(m.create(data, shape));
    }

    private static NDArray owned(NDArray wrapped) {
        if (wrapped.getDevice().isGpu()) {
            return wrapped;
        }
        try (wrapped) {
            return wrapped.duplicate();
        }
    }
}
