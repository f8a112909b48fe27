package ai.legion.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ScopesTest {

    private static NDArray layers(NDArray x, NDArray w, boolean scoped, int n) {
        NDArray h = x;
        for (int i = 0; i < n; i++) {
            NDArray in = h;
            h = scoped ? Scopes.scoped(in, a -> Ops.silu(a.matMul(w)).mul(a)) : Ops.silu(in.matMul(w)).mul(in);
            if (scoped && in != x) {
                in.close();
            }
        }
        return h.sum();
    }

    @Test
    void temporariesAreFreedAndGradientsAreUnchanged() {
        float[][] grads = new float[2][];
        int[] left = new int[2];
        for (int s = 0; s < 4; s++) {
            boolean scoped = s >= 1;
            int n = s == 3 ? 8 : 2;
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray w = m.create(new float[] {0.5f, -0.25f, 1f, 0.75f}, new Shape(2, 2));
                w.setRequiresGradient(true);
                try (NDManager run = m.newSubManager()) {
                    NDArray x = run.create(new float[] {1f, 2f, -1f, 0.5f}, new Shape(2, 2));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray y = layers(x, w, scoped, n);
                        gc.backward(y);
                    }
                    if (s >= 2) {
                        left[s - 2] = run.getManagedArrays().size();
                    }
                }
                if (s < 2) {
                    grads[s] = w.getGradient().toFloatArray();
                }
            }
        }
        assertArrayEquals(grads[0], grads[1], 1e-6f);
        assertEquals(left[0], left[1], "arrays left after 2 and after 8 scoped layers");
    }
}
