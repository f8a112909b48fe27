package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;

/**
 * A BERT block over hidden states {@code [B, L, H]} and an optional additive attention mask; DJL's
 * {@code NDList} form is {@code [hidden]} or {@code [hidden, mask]} and the output has the hidden
 * states' shape.
 */
abstract class MaskedBlock extends LegionBlock {

    /**
     * The block.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, L, H]}
     * @param mask additive mask {@code [B, 1, 1, L]} or null
     * @param training whether gradients are being recorded
     * @return {@code [B, L, H]}
     */
    public abstract NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training);

    @Override
    protected final NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }

    @Override
    public final Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
