package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.UnaryBlock;
import java.util.Arrays;

/**
 * SAM's image-encoder {@code Attention} ({@code segment_anything/modeling/image_encoder.py}):
 * multi-head self-attention over a channels-last token grid with MViTv2's decomposed relative
 * position bias ({@code add_decomposed_rel_pos}).
 *
 * <p>Keys (local): {@code qkv.weight [3E, E]}, {@code qkv.bias [3E]} (if {@code qkv_bias}),
 * {@code proj.weight [E, E]}, {@code proj.bias [E]}, and with {@code use_rel_pos}
 * {@code rel_pos_h [2·input_h − 1, head_dim]}, {@code rel_pos_w [2·input_w − 1, head_dim]}.
 *
 * <p>Per head: {@code attn = (q·head_dim^−0.5)·kᵀ + rel_h + rel_w}, where the bias uses the
 * <em>unscaled</em> q: {@code rel_h[y,x,ky] = Σ_c q[y,x,c]·Rh[y,ky,c]},
 * {@code rel_w[y,x,kx] = Σ_c q[y,x,c]·Rw[x,kx,c]}, with {@code Rh = getRelPos(H, H, rel_pos_h)} and
 * {@code Rw = getRelPos(W, W, rel_pos_w)}; then softmax, {@code ·v}, {@code proj}. A grid whose size
 * differs from {@code input_size} is allowed: the tables are then linearly resized exactly like
 * upstream's {@code get_rel_pos}.
 */
public final class SamAttention extends UnaryBlock {

    private final int dim;
    private final int numHeads;
    private final int headDim;
    private final boolean qkvBias;
    private final boolean useRelPos;
    private final int inputH;
    private final int inputW;
    private final Linear qkv;
    private final Linear proj;
    private final Parameter relPosH;
    private final Parameter relPosW;

    /**
     * The attention of image-encoder block {@code blockIndex}: the window for windowed blocks, the
     * whole grid for global ones (its {@code input_size}).
     */
    public SamAttention(SamConfig.ImageEncoder config, int blockIndex) {
        this(config.embedDim(), config.numHeads(), config.qkvBias(), config.useRelPos(),
                config.attentionSize(blockIndex), config.attentionSize(blockIndex));
    }

    /**
     * @param dim embedding width {@code E}
     * @param numHeads heads; must divide {@code E}
     * @param qkvBias whether {@code qkv} has a bias
     * @param useRelPos whether to add the decomposed relative position bias
     * @param inputH {@code input_size[0]}: sizes {@code rel_pos_h} ({@code 2·inputH − 1} rows)
     * @param inputW {@code input_size[1]}: sizes {@code rel_pos_w}
     */
    public SamAttention(int dim, int numHeads, boolean qkvBias, boolean useRelPos, int inputH, int inputW) {
        if (dim <= 0 || numHeads <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException("SamAttention: dim " + dim + " must be a positive multiple of num_heads "
                    + numHeads);
        }
        if (useRelPos && (inputH <= 0 || inputW <= 0)) {
            throw new IllegalArgumentException("SamAttention: relative positions need a positive input size, got "
                    + inputH + "x" + inputW);
        }
        this.dim = dim;
        this.numHeads = numHeads;
        this.headDim = dim / numHeads;
        this.qkvBias = qkvBias;
        this.useRelPos = useRelPos;
        this.inputH = inputH;
        this.inputW = inputW;
        qkv = child("qkv", new Linear(dim, 3L * dim, qkvBias));
        proj = child("proj", new Linear(dim, dim, true));
        relPosH = useRelPos ? param("rel_pos_h", Init.NORMAL, 2L * inputH - 1, headDim) : null;
        relPosW = useRelPos ? param("rel_pos_w", Init.NORMAL, 2L * inputW - 1, headDim) : null;
    }

    /** Embedding width {@code E}. */
    public int dim() {
        return dim;
    }

    /** Number of heads. */
    public int numHeads() {
        return numHeads;
    }

    /** Whether the relative position bias is used. */
    public boolean usesRelPos() {
        return useRelPos;
    }

    /** Whether {@code qkv} has a bias. */
    public boolean hasQkvBias() {
        return qkvBias;
    }

    /** {@code input_size} the tables were sized for: {@code {h, w}}. */
    public int[] inputSize() {
        return new int[] {inputH, inputW};
    }

    /**
     * Self-attention over each grid of the batch.
     *
     * @param x {@code [B, H, W, E]} tokens (for windowed blocks: {@code B} = batch × windows)
     * @return {@code [B, H, W, E]}
     * @throws IllegalArgumentException if {@code x} is not rank 4 with last axis {@code E}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.channelsLast("SamAttention", x, dim);
        Shape s = x.getShape();
        long b = s.get(0);
        int h = Math.toIntExact(s.get(1));
        int w = Math.toIntExact(s.get(2));
        long n = (long) h * w;
        // [B, N, 3, heads, hd] -> [3, B, heads, N, hd] -> [3, B*heads, N, hd]
        NDArray qkvs = qkv.forward(ps, x, training).reshape(b, n, 3, numHeads, headDim).transpose(2, 0, 3, 1, 4)
                .reshape(3, b * numHeads, n, headDim);
        NDArray q = qkvs.get(0);
        NDArray k = qkvs.get(1);
        NDArray v = qkvs.get(2);
        NDArray attn = Ops.mul(q, Math.pow(headDim, -0.5)).matMul(k.transpose(0, 2, 1));
        if (useRelPos) {
            // without gradients the [B·heads, N, N] logits are updated in place: for a global ViT block
            // (N = 4096) each copy is ~0.8 GB
            attn = addDecomposedRelPos(attn, q, value(ps, relPosH, x, training), value(ps, relPosW, x, training),
                    h, w, h, w, !training && !attn.hasGradient());
        }
        NDArray probs = Ops.softmax32(attn);
        if (!training) {
            attn.close(); // the logits are dead: release them before the next N×N array is made
        }
        NDArray out = probs.matMul(v)
                .reshape(b, numHeads, h, w, headDim)
                .transpose(0, 2, 3, 1, 4)
                .reshape(b, h, w, dim);
        return proj.forward(ps, out, training);
    }

    /**
     * Upstream {@code add_decomposed_rel_pos}: adds {@code rel_h[..., None]} and {@code rel_w[..., None, :]}
     * to the attention logits. The einsums are batched matrix products (no einsum in DJL).
     *
     * @param attn {@code [B, qH·qW, kH·kW]} logits
     * @param q {@code [B, qH·qW, C]} unscaled queries
     * @param tableH {@code rel_pos_h [Lh, C]}
     * @param tableW {@code rel_pos_w [Lw, C]}
     * @return {@code [B, qH·qW, kH·kW]}, in the manager of {@code attn}
     */
    public static NDArray addDecomposedRelPos(NDArray attn, NDArray q, NDArray tableH, NDArray tableW,
            int qH, int qW, int kH, int kW) {
        return addDecomposedRelPos(attn, q, tableH, tableW, qH, qW, kH, kW, false);
    }

    /**
     * {@link #addDecomposedRelPos(NDArray, NDArray, NDArray, NDArray, int, int, int, int)}, optionally
     * adding into {@code attn} in place (only valid when no gradient flows through it).
     */
    public static NDArray addDecomposedRelPos(NDArray attn, NDArray q, NDArray tableH, NDArray tableW,
            int qH, int qW, int kH, int kW, boolean inPlace) {
        NDManager m = q.getManager();
        NDArray rh = getRelPos(m, qH, kH, tableH); // [qH, kH, C]
        NDArray rw = getRelPos(m, qW, kW, tableW); // [qW, kW, C]
        long b = q.getShape().get(0);
        long c = q.getShape().get(2);
        NDArray rq = q.reshape(b, qH, qW, c);
        // rel_h[b,y,x,ky] = Σ_c rq[b,y,x,c]·Rh[y,ky,c]: batch over (b, y), broadcasting Rh over b
        NDArray relH = rq.matMul(rh.transpose(0, 2, 1));
        // rel_w[b,y,x,kx] = Σ_c rq[b,y,x,c]·Rw[x,kx,c]: batch over (b, x)
        NDArray relW = rq.transpose(0, 2, 1, 3).matMul(rw.transpose(0, 2, 1)).transpose(0, 2, 1, 3);
        NDArray view = attn.reshape(b, qH, qW, kH, kW);
        if (inPlace) {
            return view.addi(relH.expandDims(4)).addi(relW.expandDims(3)).reshape(b, (long) qH * qW, (long) kH * kW);
        }
        return view.add(relH.expandDims(4))
                .add(relW.expandDims(3))
                .reshape(b, (long) qH * qW, (long) kH * kW);
    }

    /**
     * Upstream {@code get_rel_pos}: the relative-position embeddings {@code R[i, j]} for query
     * position {@code i} and key position {@code j}. When the table length differs from
     * {@code 2·max(qSize, kSize) − 1} it is first resized along its length with
     * {@code F.interpolate(mode="linear", align_corners=False)} ({@link #linearResizeWeights}); the
     * row of each pair comes from {@link #relativeCoords} (coordinates scaled when the sizes differ).
     *
     * <p>Gathering and resizing are one host-built matrix {@code G [q·k, L]} applied as {@code G·table}:
     * exact for the plain gather (one-hot rows), and the result lives in {@code manager} rather than
     * in the table's (parameter) manager.
     *
     * @param manager owns the result (the activations' manager)
     * @param relPos {@code [L, C]} table
     * @return {@code [qSize, kSize, C]} in the table's dtype, on its device
     */
    public static NDArray getRelPos(NDManager manager, int qSize, int kSize, NDArray relPos) {
        Shape ts = relPos.getShape();
        if (ts.dimension() != 2 || ts.get(0) <= 0) {
            throw new IllegalArgumentException("SamAttention.getRelPos: expected a table [L, C], got "
                    + Arrays.toString(ts.getShape()));
        }
        if (qSize <= 0 || kSize <= 0) {
            throw new IllegalArgumentException("SamAttention.getRelPos: sizes must be positive, got q " + qSize
                    + ", k " + kSize);
        }
        int length = Math.toIntExact(ts.get(0));
        int maxRelDist = 2 * Math.max(qSize, kSize) - 1;
        float[][] resize = length == maxRelDist ? null : linearResizeWeights(length, maxRelDist);
        int[][] rel = relativeCoords(qSize, kSize);
        float[] g = new float[Math.multiplyExact(qSize * kSize, length)];
        for (int i = 0; i < qSize; i++) {
            for (int j = 0; j < kSize; j++) {
                int row = (i * kSize + j) * length;
                int r = rel[i][j];
                if (resize == null) {
                    g[row + r] = 1f;
                } else {
                    System.arraycopy(resize[r], 0, g, row, length);
                }
            }
        }
        NDArray gm = Ops.tensor(manager, g, new Shape((long) qSize * kSize, length))
                .toDevice(relPos.getDevice(), false)
                .toType(relPos.getDataType(), false);
        return gm.matMul(relPos).reshape(qSize, kSize, ts.get(1));
    }

    /**
     * The row of the (resized) table used for query {@code i} and key {@code j}, as upstream computes
     * it in float32: {@code long(i·max(k/q,1) − j·max(q/k,1) + (k−1)·max(q/k,1))}.
     *
     * @return {@code [qSize][kSize]} indexes into a table of length {@code 2·max(qSize, kSize) − 1}
     */
    public static int[][] relativeCoords(int qSize, int kSize) {
        float qScale = (float) Math.max((double) kSize / qSize, 1.0);
        float kScale = (float) Math.max((double) qSize / kSize, 1.0);
        float offset = (float) ((kSize - 1) * Math.max((double) qSize / kSize, 1.0));
        int[][] out = new int[qSize][kSize];
        for (int i = 0; i < qSize; i++) {
            for (int j = 0; j < kSize; j++) {
                float d = (i * qScale) - (j * kScale);
                out[i][j] = (int) (d + offset); // non-negative, so truncation == floor as in .long()
            }
        }
        return out;
    }

    /**
     * Weights of PyTorch's 1-D linear interpolation ({@code F.interpolate(size=out, mode="linear")},
     * {@code align_corners=False}, no scale factor), computed in float32 like the CPU kernel: output
     * {@code d} samples {@code src = max(0, (in/out)·(d + 0.5) − 0.5)} between {@code floor(src)} and the
     * next element (the last one repeats).
     *
     * @return {@code [outLength][inLength]}: {@code resized = W · table}
     */
    public static float[][] linearResizeWeights(int inLength, int outLength) {
        if (inLength <= 0 || outLength <= 0) {
            throw new IllegalArgumentException("SamAttention.linearResizeWeights: lengths must be positive, got "
                    + inLength + " -> " + outLength);
        }
        float scale = (float) inLength / outLength;
        float[][] w = new float[outLength][inLength];
        for (int d = 0; d < outLength; d++) {
            float src = scale * (d + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int i0 = Math.min((int) src, inLength - 1);
            int i1 = i0 < inLength - 1 ? i0 + 1 : i0;
            float l1 = Math.min(Math.max(src - i0, 0f), 1f);
            float l0 = 1f - l1;
            w[d][i0] += l0;
            w[d][i1] += l1;
        }
        return w;
    }
}
