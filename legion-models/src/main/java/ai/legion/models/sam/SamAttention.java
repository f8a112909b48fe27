package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.UnaryBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
        NDArray tableH = useRelPos ? value(ps, relPosH, x, training) : null;
        NDArray tableW = useRelPos ? value(ps, relPosW, x, training) : null;
        // without gradients the logits are made, biased, normalized and used a cache-sized chunk at a time
        boolean chunked = !training && !q.hasGradient();
        NDArray out = attend(q, k, v, tableH, tableW, h, w, chunked ? CHUNK_BYTES : Long.MAX_VALUE)
                .reshape(b, numHeads, h, w, headDim)
                .transpose(0, 2, 3, 1, 4)
                .reshape(b, h, w, dim);
        return proj.forward(ps, out, training);
    }

    /**
     * Logits one inference chunk holds, in bytes. Materializing all {@code [B·heads, N, N]} logits of a global
     * block (805 MB for ViT-B at 1024 px, 1.07 GB for ViT-H, twice that with the softmax's output) costs that
     * memory plus a trip to memory and the page faults of a fresh allocation per pass. Measured on the whole ViT-B
     * encoder at 1024 px ({@code legion bench forward --config vit_b --threads 2}, median of 5, A/B in one sitting, idle
     * machine, bit-identical outputs): chunks of 4 MB (4 grid rows of a global block) 8.21-8.55 s, 8 MB 8.76-8.90 s,
     * 3 MB 10.3-11.4 s (the products get too thin). On a noisier day a single global block gave whole 1032 ms,
     * 1 MB 1874 ms, 8 MB 845 ms, 16 MB 1153 ms.
     */
    static final long CHUNK_BYTES = 4L << 20;

    /**
     * {@code softmax((q·head_dim^−0.5)·kᵀ + rel_h + rel_w)·v} over query chunks of at most {@code chunkBytes}
     * of logits: a whole grid for several heads (windowed blocks), or a few rows of the grid for one head
     * (global blocks). Rows of the softmax are independent, so the chunks give the rows of the whole.
     * With {@code chunkBytes = Long.MAX_VALUE} it is one chunk, out of place (what training records);
     * otherwise the relative-position terms are added in place, so no gradient may flow through.
     *
     * @param q {@code [B·heads, H·W, head_dim]} unscaled queries
     * @param k keys, same shape
     * @param v values, same shape
     * @param tableH {@code rel_pos_h} or {@code null} without relative positions
     * @param tableW {@code rel_pos_w} or {@code null}
     * @return {@code [B·heads, H·W, head_dim]} in the manager of {@code q}
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray tableH, NDArray tableW, int h, int w,
            long chunkBytes) {
        long bh = q.getShape().get(0);
        long n = (long) h * w;
        long hd = q.getShape().get(2);
        NDArray qs = Ops.mul(q, Math.pow(hd, -0.5));
        NDArray kt = k.transpose(0, 2, 1);
        NDArray[] rel = tableH == null ? new NDArray[2] : relTerms(q, tableH, tableW, h, w, h, w);
        NDArray relH = rel[0];
        NDArray relW = rel[1];
        boolean whole = chunkBytes == Long.MAX_VALUE;
        long rows = h;
        long heads = bh;
        if (!whole) {
            long bytes = n * w * Math.max(q.getDataType().getNumOfBytes(), 4); // one grid row, one head (fp32)
            rows = Math.max(1, Math.min(h, chunkBytes / bytes));
            heads = rows < h ? 1 : Math.max(1, Math.min(bh, chunkBytes / (bytes * h)));
        }
        if (rows == h && heads == bh) {
            return logitsToOutput(qs.matMul(kt), relH, relW, v, bh, h, w, !whole);
        }
        NDManager caller = q.getManager();
        List<NDArray> groups = new ArrayList<>();
        for (long g0 = 0; g0 < bh; g0 += heads) {
            long g1 = Math.min(bh, g0 + heads);
            List<NDArray> chunks = new ArrayList<>();
            for (long r0 = 0; r0 < h; r0 += rows) {
                long r1 = Math.min(h, r0 + rows);
                try (NDManager scope = caller.newSubManager()) {
                    NDArray qc = scoped(scope, qs.get(new NDIndex("{}:{}, {}:{}", g0, g1, r0 * w, r1 * w)));
                    NDArray logits = qc.matMul(scoped(scope, kt.get(new NDIndex("{}:{}", g0, g1))));
                    NDArray rh = relH == null ? null : scoped(scope, relH.get(new NDIndex("{}:{}, {}:{}", g0, g1,
                            r0, r1)));
                    NDArray rw = relW == null ? null : scoped(scope, relW.get(new NDIndex("{}:{}, {}:{}", g0, g1,
                            r0, r1)));
                    NDArray out = logitsToOutput(logits, rh, rw, scoped(scope, v.get(new NDIndex("{}:{}", g0, g1))),
                            g1 - g0, r1 - r0, w, true);
                    out.attach(caller);
                    chunks.add(out);
                }
            }
            groups.add(chunks.size() == 1 ? chunks.get(0) : NDArrays.concat(new NDList(chunks), 1));
        }
        return groups.size() == 1 ? groups.get(0) : NDArrays.concat(new NDList(groups), 0);
    }

    private static NDArray scoped(NDManager scope, NDArray view) {
        view.attach(scope);
        return view;
    }

    /** Adds the relative-position terms of {@code rows} grid rows to their logits, normalizes and applies v. */
    private static NDArray logitsToOutput(NDArray logits, NDArray relH, NDArray relW, NDArray v, long bh, long rows,
            int w, boolean inPlace) {
        NDArray biased = logits;
        if (relH != null) {
            NDArray view = logits.reshape(bh, rows, w, relH.getShape().get(3), relW.getShape().get(4));
            biased = (inPlace ? view.addi(relH).addi(relW) : view.add(relH).add(relW)).reshape(logits.getShape());
        }
        NDArray probs = Ops.softmax32(biased);
        if (inPlace) {
            logits.close(); // dead: free it before the next large array is made
        }
        return probs.matMul(v);
    }

    /**
     * The two terms of upstream {@code add_decomposed_rel_pos}, shaped to broadcast over the logits viewed as
     * {@code [B, qH, qW, kH, kW]}. The einsums are batched matrix products (no einsum in DJL).
     *
     * @param q {@code [B, qH·qW, C]} unscaled queries
     * @return {@code rel_h [B, qH, qW, kH, 1]} and {@code rel_w [B, qH, qW, 1, kW]}
     */
    private static NDArray[] relTerms(NDArray q, NDArray tableH, NDArray tableW, int qH, int qW, int kH, int kW) {
        NDManager m = q.getManager();
        long b = q.getShape().get(0);
        NDArray rq = q.reshape(b, qH, qW, q.getShape().get(2));
        // rel_h[b,y,x,ky] = Σ_c q[b,y,x,c]·Rh[y,ky,c]: batch over (b, y), broadcasting Rh over b
        NDArray relH = rq.matMul(getRelPos(m, qH, kH, tableH).transpose(0, 2, 1));
        // rel_w[b,y,x,kx] = Σ_c q[b,y,x,c]·Rw[x,kx,c]: batch over (b, x)
        NDArray relW = rq.transpose(0, 2, 1, 3).matMul(getRelPos(m, qW, kW, tableW).transpose(0, 2, 1))
                .transpose(0, 2, 1, 3);
        return new NDArray[] {relH.expandDims(4), relW.expandDims(3)};
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
