package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Tensor functions of the pixel decoder that {@code nn.Ops} lacks. Every result lives in the manager
 * of the activation argument, so a forward run inside a caller's sub-manager leaves nothing behind in
 * the parameters' manager.
 */
public final class DecoderOps {

    private DecoderOps() {}

    /**
     * {@code nn.ConvTranspose2d(C, O, kernel_size=k, stride=k)} (no padding, no dilation), the
     * upscaling layer of SAM's mask decoder. DJL 0.36's PyTorch engine does not implement
     * {@code deconvolution}; with stride equal to the kernel the output patches do not overlap, so the
     * layer is exactly a per-pixel matrix product followed by a pixel shuffle:
     * {@code y[b, o, k*i+p, k*j+q] = bias[o] + sum_c x[b, c, i, j] * w[c, o, p, q]}.
     *
     * @param x {@code [B, C, H, W]}
     * @param weight {@code [C, O, k, k]} (PyTorch's ConvTranspose layout {@code [in, out, kH, kW]})
     * @param bias {@code [O]} or {@code null}
     * @return {@code [B, O, k*H, k*W]}
     */
    public static NDArray convTranspose2dNonOverlapping(NDArray x, NDArray weight, NDArray bias) {
        Shape xs = x.getShape();
        Shape ws = weight.getShape();
        if (xs.dimension() != 4 || ws.dimension() != 4 || ws.get(0) != xs.get(1) || ws.get(2) != ws.get(3)) {
            throw new IllegalArgumentException("ConvTranspose2d: expected input [B, C, H, W] and a square weight [C, O, k, k],"
                    + " got input " + Arrays.toString(xs.getShape()) + " and weight " + Arrays.toString(ws.getShape()));
        }
        long b = xs.get(0);
        long c = xs.get(1);
        long h = xs.get(2);
        long w = xs.get(3);
        long o = ws.get(1);
        long k = ws.get(2);
        NDArray w2 = paramView(weight, x, a -> a.reshape(c, o * k * k));
        NDArray y = x.transpose(0, 2, 3, 1).matMul(w2); // [B, H, W, O*k*k]
        // [B, H, W, O, p, q] -> [B, H, W, p, q, O] so the bias broadcasts over the last axis
        NDArray t = y.reshape(b, h, w, o, k, k).transpose(0, 1, 2, 4, 5, 3);
        if (bias != null) {
            t = t.add(bias);
        }
        // [B, H, W, p, q, O] -> [B, O, H, p, W, q] -> [B, O, H*k, W*k]
        return t.transpose(0, 5, 1, 3, 2, 4).reshape(b, o, h * k, w * k);
    }

    /**
     * Applies a shape/type-only operation to a parameter array and hands the result over to the
     * manager of {@code like} (the activation), so the parameters' manager does not grow by one
     * array per call. When the operation returns the parameter itself nothing is moved.
     */
    static NDArray paramView(NDArray param, NDArray like, UnaryOperator<NDArray> op) {
        NDArray r = op.apply(param);
        if (r != param && r.getManager() != like.getManager()) {
            r.attach(like.getManager());
        }
        return r;
    }
}
