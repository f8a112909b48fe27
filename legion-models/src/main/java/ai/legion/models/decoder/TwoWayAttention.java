package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * segment-anything's {@code transformer.Attention}: multi-head attention whose projections may
 * shrink the width to {@code d = E / downsample_rate} (the token↔image cross-attentions of the
 * two-way transformer use rate 2, the token self-attention rate 1).
 *
 * <p>{@code out = out_proj(softmax(q·kᵀ / sqrt(d/h)) · v)} with {@code q,k,v} projected
 * {@code E → d} (with biases) and split into {@code h} heads. Keys (local):
 * {@code {q,k,v}_proj.weight [d, E]}, {@code {q,k,v}_proj.bias [d]}, {@code out_proj.weight [E, d]},
 * {@code out_proj.bias [E]}.
 */
public final class TwoWayAttention extends LegionBlock {

    private final int embeddingDim;
    private final int internalDim;
    private final int numHeads;
    private final Parameter qWeight;
    private final Parameter qBias;
    private final Parameter kWeight;
    private final Parameter kBias;
    private final Parameter vWeight;
    private final Parameter vBias;
    private final Parameter outWeight;
    private final Parameter outBias;

    /**
     * @param embeddingDim {@code E}
     * @param numHeads {@code h}; must divide {@code E / downsampleRate}
     * @param downsampleRate internal width divisor (1 = plain attention)
     */
    public TwoWayAttention(int embeddingDim, int numHeads, int downsampleRate) {
        if (embeddingDim <= 0 || numHeads <= 0 || downsampleRate <= 0) {
            throw new IllegalArgumentException("TwoWayAttention: sizes must be positive, got embedding_dim " + embeddingDim
                    + ", num_heads " + numHeads + ", downsample_rate " + downsampleRate);
        }
        this.embeddingDim = embeddingDim;
        this.internalDim = embeddingDim / downsampleRate;
        this.numHeads = numHeads;
        if (internalDim == 0 || internalDim % numHeads != 0) {
            throw new IllegalArgumentException("TwoWayAttention: num_heads " + numHeads + " must divide the internal width "
                    + internalDim + " (embedding_dim " + embeddingDim + " / downsample_rate " + downsampleRate + ")");
        }
        qWeight = param("q_proj.weight", internalDim, embeddingDim);
        qBias = param("q_proj.bias", internalDim);
        kWeight = param("k_proj.weight", internalDim, embeddingDim);
        kBias = param("k_proj.bias", internalDim);
        vWeight = param("v_proj.weight", internalDim, embeddingDim);
        vBias = param("v_proj.bias", internalDim);
        outWeight = param("out_proj.weight", embeddingDim, internalDim);
        outBias = param("out_proj.bias", embeddingDim);
    }

    /** Token width {@code E}. */
    public int embeddingDim() {
        return embeddingDim;
    }

    /** Projected width {@code d = E / downsample_rate}. */
    public int internalDim() {
        return internalDim;
    }

    /** Number of heads. */
    public int numHeads() {
        return numHeads;
    }

    /**
     * Attends from {@code q} to {@code k}/{@code v}.
     *
     * @param q {@code [B, Nq, E]}
     * @param k {@code [B, Nk, E]}
     * @param v {@code [B, Nk, E]}
     * @return {@code [B, Nq, E]}
     */
    public NDArray forward(ParameterStore ps, NDArray q, NDArray k, NDArray v, boolean training) {
        Shape qs = q.getShape();
        Shape ks = k.getShape();
        Shape vs = v.getShape();
        if (qs.dimension() != 3 || ks.dimension() != 3 || vs.dimension() != 3 || qs.get(2) != embeddingDim
                || ks.get(2) != embeddingDim || vs.get(2) != embeddingDim || ks.get(0) != qs.get(0)
                || vs.get(0) != qs.get(0) || vs.get(1) != ks.get(1)) {
            throw new IllegalArgumentException("TwoWayAttention: expected q [B, Nq, " + embeddingDim + "], k and v [B, Nk, "
                    + embeddingDim + "], got q " + DecoderOps.shape(q) + ", k " + DecoderOps.shape(k) + ", v "
                    + DecoderOps.shape(v));
        }
        long b = qs.get(0);
        long nq = qs.get(1);
        NDArray qh = separateHeads(Ops.linear(q, value(ps, qWeight, q, training), value(ps, qBias, q, training)));
        NDArray kh = separateHeads(Ops.linear(k, value(ps, kWeight, k, training), value(ps, kBias, k, training)));
        NDArray vh = separateHeads(Ops.linear(v, value(ps, vWeight, v, training), value(ps, vBias, v, training)));
        int perHead = internalDim / numHeads;
        // upstream divides by math.sqrt(c_per_head) after the product (not a pre-scaled q)
        NDArray attn = Ops.softmax32(Ops.div(qh.matMul(kh.transpose(0, 1, 3, 2)), Math.sqrt(perHead)));
        NDArray out = attn.matMul(vh).transpose(0, 2, 1, 3).reshape(b, nq, internalDim);
        return Ops.linear(out, value(ps, outWeight, out, training), value(ps, outBias, out, training));
    }

    /** {@code [B, N, d]} → {@code [B, h, N, d/h]}. */
    private NDArray separateHeads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), numHeads, internalDim / numHeads).transpose(0, 2, 1, 3);
    }

    /** Inputs {@code q, k, v}; output {@code [B, Nq, E]}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new IllegalArgumentException("TwoWayAttention: expected 3 inputs (q, k, v), got " + inputs.size());
        }
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), inputs.get(2), training));
    }

    /** Output has the shape of {@code q}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
