package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The sentence-transformers head of the CSS metric: mean pooling ({@code models/Pooling.py},
 * {@code pooling_mode_mean_tokens}) and cosine similarity ({@code util.cos_sim}).
 */
public final class Pooling {

    /** sentence-transformers' lower bound on the token count in mean pooling. */
    public static final float MIN_TOKENS = 1e-9f;
    /** {@code torch.nn.functional.normalize}'s default eps. */
    public static final float NORMALIZE_EPS = 1e-12f;

    private Pooling() {}

    /**
     * Mask-weighted mean of the token embeddings: {@code Σ tok·mask / max(Σ mask, 1e-9)}.
     *
     * @param tokens {@code [B, L, H]}
     * @param attentionMask {@code [B, L]}, 1 = token, 0 = padding
     * @return {@code [B, H]}
     */
    public static NDArray mean(NDArray tokens, NDArray attentionMask) {
        Shape t = tokens.getShape();
        Shape m = attentionMask.getShape();
        if (t.dimension() != 3 || m.dimension() != 2 || t.get(0) != m.get(0) || t.get(1) != m.get(1)) {
            throw new IllegalArgumentException("Pooling.mean: expected tokens [B, L, H] and mask [B, L], got " + t + " and "
                    + m);
        }
        // as upstream: mask.unsqueeze(-1).expand(tokens.size()).float()
        NDArray expanded = attentionMask.toType(tokens.getDataType(), false).expandDims(-1).broadcast(t);
        NDArray sum = tokens.mul(expanded).sum(new int[] {1});
        NDArray count = expanded.sum(new int[] {1}).maximum(MIN_TOKENS);
        return sum.div(count);
    }

    /**
     * L2 normalization along the last axis as {@code F.normalize(x, p=2, dim=-1)}: {@code x / max(‖x‖, 1e-12)}.
     *
     * @param x {@code [..., H]}
     */
    public static NDArray normalize(NDArray x) {
        NDArray norm = x.square().sum(new int[] {-1}, true).sqrt().maximum(NORMALIZE_EPS);
        return x.div(norm);
    }

    /**
     * {@code util.cos_sim(a, b)}: normalized {@code a} times normalized {@code b} transposed.
     *
     * @param a {@code [N, H]}
     * @param b {@code [M, H]}
     * @return {@code [N, M]}
     */
    public static NDArray cosineMatrix(NDArray a, NDArray b) {
        if (a.getShape().dimension() != 2 || b.getShape().dimension() != 2 || a.getShape().get(1) != b.getShape().get(1)) {
            throw new IllegalArgumentException("Pooling.cosineMatrix: expected [N, H] and [M, H], got " + a.getShape()
                    + " and " + b.getShape());
        }
        return normalize(a).matMul(normalize(b).transpose());
    }

    /**
     * Cosine similarity of two embedding vectors, accumulated in double: {@code a·b / (max(‖a‖, 1e-12)·max(‖b‖, 1e-12))}.
     *
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("Pooling.cosine: lengths " + a.length + " and " + b.length + " differ");
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / (Math.max(Math.sqrt(na), NORMALIZE_EPS) * Math.max(Math.sqrt(nb), NORMALIZE_EPS));
    }

    /** Converts a {@code [B, H]} array to Java rows (float32). */
    static float[][] rows(NDArray x) {
        long[] s = x.getShape().getShape();
        float[] flat = x.toType(DataType.FLOAT32, false).toFloatArray();
        float[][] out = new float[(int) s[0]][(int) s[1]];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * (int) s[1], out[i], 0, (int) s[1]);
        }
        return out;
    }
}
