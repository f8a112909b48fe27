package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block with one input and one output: implements {@link #forward(ParameterStore, NDArray, boolean)}
 * and, if the output shape differs from the input's, {@link #outputShape}; DJL's {@code NDList} form
 * follows from them.
 */
public abstract class UnaryBlock extends LegionBlock {

    /**
     * The block.
     *
     * @param ps parameter store
     * @param x the input
     * @param training whether gradients are being recorded (and dropout, where there is one, is active)
     * @return the output, in the manager of {@code x}
     */
    public abstract NDArray forward(ParameterStore ps, NDArray x, boolean training);

    /** The output shape for an input shape; the input's shape unless overridden. */
    protected Shape outputShape(Shape input) {
        return input;
    }

    /** {@code input} with its last axis replaced by {@code width}: {@code [..., in]} → {@code [..., width]}. */
    protected static Shape withLastAxis(Shape input, long width) {
        return input.slice(0, input.dimension() - 1).add(width);
    }

    @Override
    protected final NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public final Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(inputShapes[0])};
    }
}
