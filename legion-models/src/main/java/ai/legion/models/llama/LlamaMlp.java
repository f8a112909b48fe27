package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.lora.LoraLinear;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/** {@code LlamaMLP}: {@code down_proj(silu(gate_proj(x)) · up_proj(x))}, no biases. */
public final class LlamaMlp extends LegionBlock {

    private final long hidden;
    private final LoraLinear gateProj;
    private final LoraLinear upProj;
    private final LoraLinear downProj;

    /** @param config hidden and intermediate sizes (hidden_act must be silu, checked by the config) */
    public LlamaMlp(LlamaConfig config) {
        this.hidden = config.hiddenSize();
        long inter = config.intermediateSize();
        if (!"silu".equals(config.hiddenAct())) {
            throw new IllegalArgumentException("LlamaMlp: only hidden_act silu is supported, got " + config.hiddenAct());
        }
        this.gateProj = child("gate_proj", new LoraLinear(hidden, inter, false));
        this.upProj = child("up_proj", new LoraLinear(hidden, inter, false));
        this.downProj = child("down_proj", new LoraLinear(inter, hidden, false));
    }

    /**
     * @param x {@code [..., hidden]}
     * @return {@code [..., hidden]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != hidden) {
            throw new IllegalArgumentException("LlamaMlp: expected input [..., " + hidden + "], got " + s);
        }
        NDArray gate = Ops.silu(gateProj.forward(ps, x, training));
        return downProj.forward(ps, gate.mul(upProj.forward(ps, x, training)), training);
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
