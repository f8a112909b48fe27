package ai.legion.models.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;
import java.util.Arrays;
import java.util.Objects;

/**
 * SAM's {@code MLPBlock} ({@code segment_anything/modeling/common.py}): {@code lin2(act(lin1(x)))}
 * over the last axis. Keys (local): {@code lin1.weight [M, E]}, {@code lin1.bias [M]},
 * {@code lin2.weight [E, M]}, {@code lin2.bias [E]}.
 *
 * <p>The image encoder's blocks use the exact (erf) GELU; the mask decoder's two-way transformer
 * uses the same module with ReLU, hence the {@link Activation} argument.
 */
public final class SamMlpBlock extends LegionBlock {

    /** The activation between the two linear layers. */
    public enum Activation {
        /** Exact (erf) GELU, {@code nn.GELU()} (image encoder blocks). */
        GELU,
        /** {@code nn.ReLU} (two-way transformer of the mask decoder). */
        RELU
    }

    private final int embeddingDim;
    private final int mlpDim;
    private final Activation activation;
    private final Parameter lin1Weight;
    private final Parameter lin1Bias;
    private final Parameter lin2Weight;
    private final Parameter lin2Bias;

    /**
     * @param embeddingDim input and output width {@code E}
     * @param mlpDim hidden width {@code M}
     * @param activation activation between the layers
     */
    public SamMlpBlock(int embeddingDim, int mlpDim, Activation activation) {
        if (embeddingDim <= 0 || mlpDim <= 0) {
            throw new IllegalArgumentException("SamMlpBlock: widths must be positive, got embedding_dim "
                    + embeddingDim + ", mlp_dim " + mlpDim);
        }
        this.embeddingDim = embeddingDim;
        this.mlpDim = mlpDim;
        this.activation = Objects.requireNonNull(activation, "activation");
        lin1Weight = param("lin1.weight", mlpDim, embeddingDim);
        lin1Bias = param("lin1.bias", mlpDim);
        lin2Weight = param("lin2.weight", embeddingDim, mlpDim);
        lin2Bias = param("lin2.bias", embeddingDim);
    }

    /** Input and output width {@code E}. */
    public int embeddingDim() {
        return embeddingDim;
    }

    /** Hidden width {@code M}. */
    public int mlpDim() {
        return mlpDim;
    }

    /**
     * Applies the MLP.
     *
     * @param x {@code [..., E]}
     * @return {@code [..., E]}
     * @throws IllegalArgumentException if the last axis is not {@code E}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != embeddingDim) {
            throw new IllegalArgumentException("SamMlpBlock: expected input [..., " + embeddingDim + "], got "
                    + Arrays.toString(s.getShape()));
        }
        NDArray h = Ops.linear(x, value(ps, lin1Weight, x, training), value(ps, lin1Bias, x, training));
        h = activation == Activation.GELU ? Ops.gelu(h) : Ops.relu(h);
        return Ops.linear(h, value(ps, lin2Weight, x, training), value(ps, lin2Bias, x, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
