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
 * segment-anything's {@code common.MLPBlock} as the two-way transformer builds it (activation
 * {@code nn.ReLU}): {@code lin2(relu(lin1(x)))}. Keys (local): {@code lin1.weight [M, E]},
 * {@code lin1.bias [M]}, {@code lin2.weight [E, M]}, {@code lin2.bias [E]}.
 */
public final class MlpBlock extends LegionBlock {

    private final int embeddingDim;
    private final int mlpDim;
    private final Parameter lin1Weight;
    private final Parameter lin1Bias;
    private final Parameter lin2Weight;
    private final Parameter lin2Bias;

    /**
     * @param embeddingDim {@code E}
     * @param mlpDim hidden width {@code M}
     */
    public MlpBlock(int embeddingDim, int mlpDim) {
        if (embeddingDim <= 0 || mlpDim <= 0) {
            throw new IllegalArgumentException("MlpBlock: widths must be positive, got embedding_dim " + embeddingDim
                    + ", mlp_dim " + mlpDim);
        }
        this.embeddingDim = embeddingDim;
        this.mlpDim = mlpDim;
        lin1Weight = param("lin1.weight", mlpDim, embeddingDim);
        lin1Bias = param("lin1.bias", mlpDim);
        lin2Weight = param("lin2.weight", embeddingDim, mlpDim);
        lin2Bias = param("lin2.bias", embeddingDim);
    }

    /** Hidden width {@code M}. */
    public int mlpDim() {
        return mlpDim;
    }

    /**
     * @param x {@code [..., E]}
     * @return {@code [..., E]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != embeddingDim) {
            throw new IllegalArgumentException("MlpBlock: expected input [..., " + embeddingDim + "], got " + DecoderOps.shape(x));
        }
        NDArray h = Ops.relu(Ops.linear(x, value(ps, lin1Weight, x, training), value(ps, lin1Bias, x, training)));
        return Ops.linear(h, value(ps, lin2Weight, h, training), value(ps, lin2Bias, h, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** Output has the input's shape. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
