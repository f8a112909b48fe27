package ai.legion.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class OpsTest {

    @Test
    void activationsAndNormsMatchTheirFormulas() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] xs = {-3f, -1f, -0.25f, 0f, 0.5f, 2f, 4f};
            NDArray x = m.create(xs);
            float[] gelu = Ops.gelu(x).toFloatArray();
            float[] quick = Ops.quickGelu(x).toFloatArray();
            float[] silu = Ops.silu(x).toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                double v = xs[i];
                assertEquals(0.5 * v * (1 + erf(v / Math.sqrt(2))), gelu[i], 1e-6, "gelu is the exact erf form");
                assertEquals(v / (1 + Math.exp(-1.702 * v)), quick[i], 1e-6);
                assertEquals(v / (1 + Math.exp(-v)), silu[i], 1e-6);
            }
            NDArray h = m.create(new float[] {1, 2, 3, 4, -1, 0, 1, 2}, new Shape(2, 4));
            NDArray w = m.create(new float[] {1, 0.5f, 2, -1});
            float[] rms = Ops.rmsNorm(h, w, 1e-5).toFloatArray();
            double r0 = 1 / Math.sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-5);
            assertEquals(1 * r0 * 1, rms[0], 1e-6);
            assertEquals(4 * r0 * -1, rms[3], 1e-6);
            float[] ln = Ops.layerNorm(h, m.ones(new Shape(4)), m.zeros(new Shape(4)), 1e-5).toFloatArray();
            double mean = 2.5;
            double var = ((1 - mean) * (1 - mean) + (2 - mean) * (2 - mean) + (3 - mean) * (3 - mean) + (4 - mean) * (4 - mean)) / 4;
            assertEquals((1 - mean) / Math.sqrt(var + 1e-5), ln[0], 1e-5);
            NDArray lin = Ops.linear(m.create(new float[] {1, 2}, new Shape(1, 2)),
                    m.create(new float[] {1, 0, 0, 1, 1, 1}, new Shape(3, 2)), m.create(new float[] {0, 0, 10}));
            assertEquals(new Shape(1, 3), lin.getShape());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 2, 13}, lin.toFloatArray());
        }
    }

    @Test
    void layerNorm2dMatchesItsFormulaAndLeavesNothingInTheWeightsManager() {
        try (NDManager params = NDManager.newBaseManager()) {
            NDArray w = params.create(new float[] {2f, -1f});
            NDArray b = params.create(new float[] {0.5f, 0f});
            int before = params.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                try (NDManager sub = params.newSubManager()) {
                    // [1, 2, 1, 2]: two channels, two pixels
                    NDArray x = sub.create(new float[] {1f, 3f, 3f, 5f}, new Shape(1, 2, 1, 2));
                    float[] y = Ops.layerNorm2d(x, w, b, 1e-6).toFloatArray();
                    double n = 1 / Math.sqrt(1 + 1e-6); // each pixel: values (1,3) and (3,5): mean +-1, var 1
                    assertEquals(2 * -n + 0.5, y[0], 1e-5);
                    assertEquals(2 * -n + 0.5, y[1], 1e-5);
                    assertEquals(-1 * n, y[2], 1e-5);
                    assertEquals(-1 * n, y[3], 1e-5);
                }
            }
            assertEquals(before, params.getManagedArrays().size());
        }
    }

    /** Abramowitz-Stegun 7.1.26 is too coarse; use a series/continued fraction via Math functions. */
    private static double erf(double x) {
        // erf via the complementary error function's relation to the regularized gamma (high precision series)
        double t = Math.abs(x);
        double sum = t;
        double term = t;
        for (int n = 1; n < 200; n++) {
            term *= -t * t / n;
            sum += term / (2 * n + 1);
        }
        double v = 2 / Math.sqrt(Math.PI) * sum;
        return x < 0 ? -v : v;
    }
}
