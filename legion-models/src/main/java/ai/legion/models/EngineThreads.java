package ai.legion.models;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count: how many threads one operator (a matrix product, a convolution) splits its
 * work over. libtorch keeps ONE such setting per process: it applies to every model, analyzer and trainer in the
 * JVM, and the last call wins. libtorch's default is one thread per core, which is fastest on an idle machine but
 * oversubscribes a busy one (see docs/PERFORMANCE.md for measured figures).
 */
public final class EngineThreads {

    private EngineThreads() {}

    /**
     * Sets the intra-op thread count of the process (starting the PyTorch engine if needed).
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void set(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("libtorch threads must be at least 1, got " + n);
        }
        Engine.getEngine("PyTorch"); // loads libtorch, which JniUtils calls into
        JniUtils.setNumThreads(n);
    }

    /** The intra-op thread count now in effect (starting the PyTorch engine if needed). */
    public static int get() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
