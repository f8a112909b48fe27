package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;
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
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

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
        qProj = child("q_proj", new Linear(embeddingDim, internalDim, true));
        kProj = child("k_proj", new Linear(embeddingDim, internalDim, true));
        vProj = child("v_proj", new Linear(embeddingDim, internalDim, true));
        outProj = child("out_proj", new Linear(internalDim, embeddingDim, true));
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
                    + embeddingDim + "], got q " + Checks.shape(q) + ", k " + Checks.shape(k) + ", v "
                    + Checks.shape(v));
        }
        NDArray qh = Ops.splitHeads(qProj.forward(ps, q, training), numHeads);
        NDArray kh = Ops.splitHeads(kProj.forward(ps, k, training), numHeads);
        NDArray vh = Ops.splitHeads(vProj.forward(ps, v, training), numHeads);
        int perHead = internalDim / numHeads;
        // upstream divides by math.sqrt(c_per_head) after the product (not a pre-scaled q)
        NDArray attn = Ops.softmax32(Ops.div(qh.matMul(kh.transpose(0, 1, 3, 2)), Math.sqrt(perHead)));
        return outProj.forward(ps, Ops.mergeHeads(attn.matMul(vh)), training);
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
