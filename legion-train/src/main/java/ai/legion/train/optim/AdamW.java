package ai.legion.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ai.legion.models.nn.Ops;

/**
 * AdamW with decoupled weight decay, applied only to the parameters marked for decay, over an explicit
 * list of trainable parameters (DJL's optimizers update every parameter with a gradient and decay all
 * of them). Moments are float32 and live in their own manager; updates go through detached views so
 * autograd never sees them.
 *
 * <p>Mixed precision: a float16 parameter (a model loaded with {@code FloatPolicy.FLOAT16} on a GPU)
 * gets a float32 master copy here; its float16 gradient is widened, the master is updated and the
 * parameter receives the master rounded to float16 (DeepSpeed's fp16 optimizer). Frozen weights stay
 * float16 only, so a 7B model needs fp32 copies of the trainables alone.
 *
 * <p>Two variants: {@link Variant#TORCH} ({@code torch.optim.AdamW}, DeepSpeed's, upstream stage 1) and
 * {@link Variant#HF} (transformers 4.28's {@code AdamW}, upstream stage 2: epsilon added before the
 * bias correction, decay applied after the step).
 */
public final class AdamW implements AutoCloseable {

    /** The update rule. */
    public enum Variant { TORCH, HF }

    /**
     * Hyper-parameters.
     *
     * @param beta1 first-moment decay (upstream 0.9)
     * @param beta2 second-moment decay (upstream 0.95)
     * @param eps denominator epsilon (1e-8)
     * @param weightDecay decoupled decay rate (upstream 0)
     * @param variant update rule
     */
    public record Config(double beta1, double beta2, double eps, double weightDecay, Variant variant) {
        /** LEGION stage 1: betas (0.9, 0.95), eps 1e-8, no decay. */
        public static final Config LEGION = new Config(0.9, 0.95, 1e-8, 0, Variant.TORCH);

        public Config {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
                throw new IllegalArgumentException("AdamW: betas in [0,1), eps > 0, weight decay >= 0, got " + this);
            }
        }

        public Config withWeightDecay(double wd) {
            return new Config(beta1, beta2, eps, wd, variant);
        }

        public Config withVariant(Variant v) {
            return new Config(beta1, beta2, eps, weightDecay, v);
        }
    }

    private final List<TrainableParameter> params;
    private final Config config;
    private final NDManager state;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final Map<String, NDArray> masters = new LinkedHashMap<>();
    private long step;

    /**
     * @param stateManager owns the moments (its device must be the parameters')
     */
    public AdamW(List<TrainableParameter> params, Config config, NDManager stateManager) {
        this.params = List.copyOf(params);
        this.config = config;
        this.state = stateManager.newSubManager();
        for (TrainableParameter p : this.params) {
            NDArray w = p.parameter().getArray();
            if (w.getDataType() == DataType.FLOAT16) {
                masters.put(p.key(), w.toType(DataType.FLOAT32, true));
                masters.get(p.key()).attach(state);
            } else if (w.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("AdamW: trainable " + p.key() + " is " + w.getDataType()
                        + "; trainable parameters must be float32, or float16 (with float32 master copies here)");
            }
            m.put(p.key(), state.zeros(w.getShape(), DataType.FLOAT32));
            v.put(p.key(), state.zeros(w.getShape(), DataType.FLOAT32));
        }
    }

    /** Updates every parameter with its gradient as it is, then counts one step. */
    public void step(double lr) {
        step(lr, 1.0);
    }

    /**
     * Updates every parameter, then counts one step.
     *
     * @param gradScale every gradient is multiplied by this first (clipping coefficient / loss scale)
     */
    public void step(double lr, double gradScale) {
        step++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        try (NDManager scope = state.newSubManager()) {
            for (TrainableParameter p : params) {
                NDArray w = p.parameter().getArray();
                NDArray g = w.getGradient();
                g.attach(scope);
                if (g.getDataType() != DataType.FLOAT32) {
                    g = g.toType(DataType.FLOAT32, false);
                    g.attach(scope);
                }
                if (gradScale != 1.0) {
                    g = g.mul((float) gradScale);
                    g.attach(scope);
                }
                NDArray master = masters.get(p.key());
                NDArray wd = master != null ? master : w.stopGradient(); // a detached view: bypasses autograd
                if (master == null) {
                    wd.attach(scope);
                }
                NDArray mk = m.get(p.key());
                NDArray vk = v.get(p.key());
                mk.muli((float) b1).addi(g.mul((float) (1 - b1)));
                vk.muli((float) b2).addi(g.square().muli((float) (1 - b2)));
                boolean decay = p.decay() && config.weightDecay() > 0;
                // ops on the moments would land in the state manager: every temporary joins the scope
                NDArray denom = vk.sqrt();
                denom.attach(scope);
                NDArray update;
                if (config.variant() == Variant.TORCH) {
                    if (decay) {
                        wd.muli((float) (1 - lr * config.weightDecay()));
                    }
                    denom.divi((float) Math.sqrt(bc2)).addi((float) config.eps());
                    update = mk.div(denom);
                    update.attach(scope);
                    wd.subi(update.muli((float) (lr / bc1)));
                } else {
                    denom.addi((float) config.eps());
                    update = mk.div(denom);
                    update.attach(scope);
                    wd.subi(update.muli((float) (lr * Math.sqrt(bc2) / bc1)));
                    if (decay) {
                        NDArray d = wd.mul((float) (lr * config.weightDecay()));
                        d.attach(scope);
                        wd.subi(d);
                    }
                }
                if (master != null) {
                    Ops.assign(w, master); // rounded to the parameter's float16
                }
            }
        }
    }

    /**
     * Sets every gradient of the trainable parameters to zero (after a step). Written, not multiplied
     * by zero: a NaN left in a buffer (DJL does not clear new gradient buffers) would survive that.
     */
    public void zeroGradients() {
        try (NDManager scope = state.newSubManager()) {
            for (TrainableParameter p : params) {
                NDArray g = p.parameter().getArray().getGradient();
                g.attach(scope);
                Ops.assign(g, g.zerosLike());
            }
        }
    }

    /** Steps taken so far. */
    public long steps() {
        return step;
    }

    /** The parameters this optimizer updates. */
    public List<TrainableParameter> parameters() {
        return params;
    }

    /** Saves the moments and the step count (atomically) for a bit-exact resume. */
    public void save(Path file) throws CheckpointException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("optimizer", "adamw").metadata("step", Long.toString(step))
                .metadata("variant", config.variant().name());
        for (TrainableParameter p : params) {
            w.add("m." + p.key(), m.get(p.key()));
            w.add("v." + p.key(), v.get(p.key()));
            if (masters.containsKey(p.key())) {
                w.add("master." + p.key(), masters.get(p.key()));
            }
        }
        w.write(file);
    }

    /** Restores what {@link #save} wrote. */
    public void load(Path file) throws CheckpointException {
        try (Checkpoint c = ai.legion.core.io.Checkpoints.open(file)) {
            String s = c.metadata().get("step");
            if (s == null) {
                throw new CheckpointException(file, null, "not an optimizer state (no step in __metadata__)");
            }
            for (TrainableParameter p : params) {
                List<String> kinds = masters.containsKey(p.key()) ? List.of("m.", "v.", "master.") : List.of("m.", "v.");
                for (String kind : kinds) {
                    String key = kind + p.key();
                    NDArray target = (kind.equals("m.") ? m : kind.equals("v.") ? v : masters).get(p.key());
                    if (c.info(key) == null) {
                        throw new CheckpointException(file, key, "missing in the optimizer state");
                    }
                    try (NDArray loaded = NDArrayLoader.load(c, key, state, NDArrayLoader.FloatPolicy.FLOAT32)) {
                        if (!loaded.getShape().equals(target.getShape())) {
                            throw new CheckpointException(file, key, "shape " + loaded.getShape() + ", expected "
                                    + target.getShape());
                        }
                        ai.legion.models.nn.Ops.assign(target, loaded);
                    }
                }
            }
            step = Long.parseLong(s);
        }
        for (TrainableParameter p : params) {
            if (masters.containsKey(p.key())) {
                Ops.assign(p.parameter().getArray(), masters.get(p.key()));
            }
        }
    }

    /** The float32 master copy of a float16 trainable, or null if the parameter itself is float32. */
    public NDArray master(String key) {
        return masters.get(key);
    }

    @Override
    public void close() {
        state.close();
    }
}
