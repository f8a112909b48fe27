package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LayerNorm;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Linear;

/**
 * HF {@code BertOutput}: {@code LayerNorm(dense(h) + residual)}, projecting the intermediate activations
 * back to the hidden size (dropout is an identity at inference).
 *
 * <p>Keys: {@code dense.weight [H, I]}, {@code dense.bias [H]}, {@code LayerNorm.{weight,bias} [H]}.
 */
public final class BertOutput extends LegionBlock {

    private static final String NAME = "BertOutput";

    private final int hidden;
    private final int intermediate;
    private final Linear dense;
    private final LayerNorm layerNorm;

    /** Declares the projection and norm for {@code config}. */
    public BertOutput(BertConfig config) {
        BertChecks.valid(NAME, config);
        hidden = config.hiddenSize();
        intermediate = config.intermediateSize();
        dense = child("dense", new Linear(intermediate, hidden, true));
        layerNorm = child("LayerNorm", new LayerNorm(hidden, config.layerNormEps()));
    }

    /**
     * @param ps parameter store
     * @param h intermediate activations {@code [B, L, I]}
     * @param residual the attention block's output {@code [B, L, H]}
     * @param training whether gradients are being recorded
     * @return {@code [B, L, H]}
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray residual, boolean training) {
        BertChecks.tokens(NAME, h, intermediate);
        BertChecks.tokens(NAME, residual, hidden);
        return layerNorm.forward(ps, dense.forward(ps, h, training).add(residual), training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[1]};
    }
}
