package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.LlamaConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.Ops;
import ai.legion.models.nn.UnaryBlock;

/** {@code LlamaMLP}: {@code down_proj(silu(gate_proj(x)) · up_proj(x))}, no biases. */
public final class LlamaMlp extends UnaryBlock {

    private final long hidden;
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;

    /** @param config hidden and intermediate sizes (hidden_act must be silu, checked by the config) */
    public LlamaMlp(LlamaConfig config) {
        this.hidden = config.hiddenSize();
        long inter = config.intermediateSize();
        if (!"silu".equals(config.hiddenAct())) {
            throw new IllegalArgumentException("LlamaMlp: only hidden_act silu is supported, got " + config.hiddenAct());
        }
        this.gateProj = child("gate_proj", new Linear(hidden, inter, false));
        this.upProj = child("up_proj", new Linear(hidden, inter, false));
        this.downProj = child("down_proj", new Linear(inter, hidden, false));
    }

    /**
     * @param x {@code [..., hidden]}
     * @return {@code [..., hidden]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.lastAxis("LlamaMlp", x, hidden);
        NDArray gate = Ops.silu(gateProj.forward(ps, x, training));
        return downProj.forward(ps, gate.mul(upProj.forward(ps, x, training)), training);
    }
}
