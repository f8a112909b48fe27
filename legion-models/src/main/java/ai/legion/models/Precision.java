package ai.legion.models;

import ai.legion.core.io.NDArrayLoader;

/** The precision the floating parameters are held in. */
public enum Precision {
    /** float32: exact, the default on CPU (DJL 0.36 cannot hold bfloat16, so bf16 checkpoints are widened). */
    FLOAT32(NDArrayLoader.FloatPolicy.FLOAT32),
    /** float16: half the memory, for GPUs (CPU float16 matmul is 30-70x slower than float32). */
    FLOAT16(NDArrayLoader.FloatPolicy.FLOAT16);

    private final NDArrayLoader.FloatPolicy policy;

    Precision(NDArrayLoader.FloatPolicy policy) {
        this.policy = policy;
    }

    /** What the checkpoint reader converts floating tensors to. */
    public NDArrayLoader.FloatPolicy floatPolicy() {
        return policy;
    }
}
