package ai.legion.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.models.testing.Parity;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

public class LinearTest {

    static final int IN = 12;
    static final int OUT = 7;
    static final int R = 3;
    static final double ALPHA = 6; // scaling 2

    public static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** A layer with random W [OUT, IN], bias, and an attached adapter whose A and B are random. */
    static Linear layer(NDManager params, boolean adapterRandom) {
        Linear lin = new Linear(IN, OUT, true);
        lin.weightParameter().setArray(params.create(random(OUT * IN, 1, 0.5), new Shape(OUT, IN)));
        lin.biasParameter().setArray(params.create(random(OUT, 2, 0.5), new Shape(OUT)));
        lin.attachAdapter(R, ALPHA, 0.0, params, 9);
        if (adapterRandom) {
            try (NDManager tmp = params.newSubManager()) {
                lin.setAdapterWeights(tmp.create(random(R * IN, 3, 0.5), new Shape(R, IN)),
                        tmp.create(random(OUT * R, 4, 0.5), new Shape(OUT, R)));
            }
        }
        return lin;
    }

    /** Host reference in double: W x + b + s · B (A x). */
    static double[] reference(float[] w, float[] b, float[] a, float[] bb, float[] x, double s) {
        double[] y = new double[OUT];
        double[] ax = new double[R];
        for (int k = 0; k < R; k++) {
            for (int j = 0; j < IN; j++) {
                ax[k] += (double) a[k * IN + j] * x[j];
            }
        }
        for (int i = 0; i < OUT; i++) {
            double v = b[i];
            for (int j = 0; j < IN; j++) {
                v += (double) w[i * IN + j] * x[j];
            }
            for (int k = 0; k < R; k++) {
                v += s * bb[i * R + k] * ax[k];
            }
            y[i] = v;
        }
        return y;
    }

    @Test
    void freshAdapterFollowsPeftInitAndChangesNothing() {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Linear lin = new Linear(IN, OUT, false);
            lin.weightParameter().setArray(params.create(random(OUT * IN, 1, 0.5), new Shape(OUT, IN)));
            NDArray x = m.create(random(2 * 5 * IN, 5, 1), new Shape(2, 5, IN));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray base = lin.forward(ps, x, false);
            assertFalse(lin.hasAdapter());
            lin.attachAdapter(R, ALPHA, 0.05, params, 42);
            assertTrue(lin.hasAdapter());
            assertEquals(2.0, lin.scaling(), 0);
            float[] a = lin.adapterParameters().get(0).getArray().toFloatArray();
            double bound = 1 / Math.sqrt(IN);
            double maxAbs = 0;
            for (float v : a) {
                assertTrue(Math.abs(v) <= bound, "kaiming-uniform(a=sqrt 5) bound 1/sqrt(in)");
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertTrue(maxAbs > bound / 2, "A is spread over the range");
            assertEquals(new Shape(R, IN), lin.adapterParameters().get(0).getArray().getShape());
            assertEquals(new Shape(OUT, R), lin.adapterParameters().get(1).getArray().getShape());
            assertEquals(0f, lin.adapterParameters().get(1).getArray().abs().max().getFloat(), 0);
            Parity.assertClose("B = 0 leaves the output unchanged", base, lin.forward(ps, x, false), 0);
            assertTrue(lin.weightMap("p.").entries().containsKey("p.lora_A.weight"));
            assertTrue(lin.weightMap("p.").entries().containsKey("p.lora_B.weight"));
            // same seed, same init; another seed, another init
            Linear twin = new Linear(IN, OUT, false);
            twin.attachAdapter(R, ALPHA, 0.05, params, 42);
            Parity.assertClose("seeded init", lin.adapterParameters().get(0).getArray(),
                    twin.adapterParameters().get(0).getArray(), 0);
            Linear other = new Linear(IN, OUT, false);
            other.attachAdapter(R, ALPHA, 0.05, params, 43);
            assertTrue(Parity.maxAbsDiff(lin.adapterParameters().get(0).getArray(),
                    other.adapterParameters().get(0).getArray()) > 0.01);
            assertThrows(IllegalStateException.class, () -> lin.attachAdapter(R, ALPHA, 0, params, 1));
        }
    }

    @Test
    void forwardMergeUnmergeMatchTheFormula() {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Linear lin = layer(params, true);
            float[] w = lin.weightParameter().getArray().toFloatArray();
            float[] b = lin.biasParameter().getArray().toFloatArray();
            float[] a = lin.adapterParameters().get(0).getArray().toFloatArray();
            float[] bb = lin.adapterParameters().get(1).getArray().toFloatArray();
            float[] xv = random(IN, 6, 1);
            NDArray x = m.create(xv, new Shape(1, IN));
            ParameterStore ps = new ParameterStore(m, false);
            double[] ref = reference(w, b, a, bb, xv, 2.0);
            float[] y = lin.forward(ps, x, false).toFloatArray();
            for (int i = 0; i < OUT; i++) {
                assertEquals(ref[i], y[i], 1e-5, "unmerged y[" + i + "]");
            }
            lin.merge();
            assertTrue(lin.isMerged());
            float[] merged = lin.weightParameter().getArray().toFloatArray();
            for (int i = 0; i < OUT; i++) {
                for (int j = 0; j < IN; j++) {
                    double d = 0;
                    for (int k = 0; k < R; k++) {
                        d += (double) bb[i * R + k] * a[k * IN + j];
                    }
                    assertEquals(w[i * IN + j] + 2.0 * d, merged[i * IN + j], 1e-6, "merged W");
                }
            }
            float[] ym = lin.forward(ps, x, false).toFloatArray();
            for (int i = 0; i < OUT; i++) {
                assertEquals(ref[i], ym[i], 1e-5, "merged y[" + i + "] (adapter skipped, W merged)");
            }
            lin.merge(); // no-op
            assertThrows(IllegalStateException.class, () -> lin.setAdapterWeights(x, x));
            lin.unmerge();
            assertFalse(lin.isMerged());
            Parity.assertClose("unmerged W", m.create(w, new Shape(OUT, IN)), lin.weightParameter().getArray(), 1e-6);
            lin.removeAdapter();
            assertFalse(lin.hasAdapter());
            assertFalse(lin.weightMap("").entries().containsKey("lora_A.weight"));
            assertEquals(2, lin.getDirectParameters().size());
        }
    }

    @Test
    void dropoutOnlyWhileTrainingAndSeededByTheEngine() {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Linear lin = new Linear(IN, OUT, false);
            lin.weightParameter().setArray(params.create(random(OUT * IN, 1, 0.5), new Shape(OUT, IN)));
            lin.attachAdapter(R, ALPHA, 0.5, params, 1);
            lin.setAdapterWeights(params.create(random(R * IN, 3, 0.5), new Shape(R, IN)),
                    params.create(random(OUT * R, 4, 0.5), new Shape(OUT, R)));
            Linear noDrop = new Linear(IN, OUT, false);
            noDrop.weightParameter().setArray(lin.weightParameter().getArray().duplicate());
            noDrop.attachAdapter(R, ALPHA, 0.0, params, 1);
            noDrop.setAdapterWeights(lin.adapterParameters().get(0).getArray(), lin.adapterParameters().get(1).getArray());
            NDArray x = m.create(random(4 * IN, 8, 1), new Shape(4, IN));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray eval = lin.forward(ps, x, false);
            Parity.assertClose("eval ignores dropout", noDrop.forward(ps, x, false), eval, 0);
            Engine.getInstance().setRandomSeed(1234);
            NDArray t1 = lin.forward(ps, x, true);
            Engine.getInstance().setRandomSeed(1234);
            NDArray t2 = lin.forward(ps, x, true);
            Parity.assertClose("same engine seed, same dropout mask", t1, t2, 0);
            assertTrue(Parity.maxAbsDiff(eval, t1) > 1e-3, "dropout active in training");
            // the base path is not dropped: with B = 0 training equals eval
            noDrop.setAdapterWeights(lin.adapterParameters().get(0).getArray(), m.zeros(new Shape(OUT, R)));
            Linear zeroB = noDrop;
            Parity.assertClose("base path has no dropout", zeroB.forward(ps, x, false), zeroB.forward(ps, x, true), 0);
        }
    }

    @Test
    void mixedDtypesCastInAndOut() {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Linear ref = layer(params, true);
            NDArray x = m.create(random(3 * IN, 10, 1), new Shape(3, IN));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray y32 = ref.forward(ps, x, false);

            // frozen fp16 base, fp32 adapter (the GPU setting: DJL has no autocast, README "CPU and GPU")
            Linear half = new Linear(IN, OUT, true);
            half.weightParameter().setArray(ref.weightParameter().getArray().toType(DataType.FLOAT16, true));
            half.biasParameter().setArray(ref.biasParameter().getArray().toType(DataType.FLOAT16, true));
            half.attachAdapter(R, ALPHA, 0.1, params, 0, DataType.FLOAT32);
            half.setAdapterWeights(ref.adapterParameters().get(0).getArray(), ref.adapterParameters().get(1).getArray());
            NDArray y16 = half.forward(ps, x.toType(DataType.FLOAT16, false), false);
            assertEquals(DataType.FLOAT16, y16.getDataType());
            Parity.assertClose("fp16 base + fp32 LoRA", y32, y16.toType(DataType.FLOAT32, false), 2e-2);
            NDArray y16train = half.forward(ps, x.toType(DataType.FLOAT16, false), true);
            assertEquals(DataType.FLOAT16, y16train.getDataType());
            // fp32 input into the fp16 base: output follows the input dtype
            assertEquals(DataType.FLOAT32, half.forward(ps, x, false).getDataType());
            half.merge();
            assertEquals(DataType.FLOAT16, half.weightParameter().getArray().getDataType());
            Parity.assertClose("fp16 merged", y16.toType(DataType.FLOAT32, false),
                    half.forward(ps, x.toType(DataType.FLOAT16, false), false).toType(DataType.FLOAT32, false), 2e-2);
            half.unmerge();
            Parity.assertClose("fp16 unmerged W", ref.weightParameter().getArray(),
                    half.weightParameter().getArray().toType(DataType.FLOAT32, false), 2e-3);

            // fp32 base, fp16 adapter
            Linear mixed = new Linear(IN, OUT, true);
            mixed.weightParameter().setArray(ref.weightParameter().getArray().duplicate());
            mixed.biasParameter().setArray(ref.biasParameter().getArray().duplicate());
            mixed.attachAdapter(R, ALPHA, 0, params, 0, DataType.FLOAT16);
            mixed.setAdapterWeights(ref.adapterParameters().get(0).getArray(), ref.adapterParameters().get(1).getArray());
            NDArray ym = mixed.forward(ps, x, false);
            assertEquals(DataType.FLOAT32, ym.getDataType());
            Parity.assertClose("fp32 base + fp16 LoRA", y32, ym, 2e-2);
        }
    }

    @Test
    void badInputShapeIsReported() {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Linear lin = layer(params, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lin.forward(new ParameterStore(m, false), m.zeros(new Shape(2, IN + 1)), false));
            assertTrue(e.getMessage().contains("Linear") && e.getMessage().contains("[..., " + IN + "]")
                    && e.getMessage().contains("(2, " + (IN + 1) + ")"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> lin.setAdapterWeights(m.zeros(new Shape(R + 1, IN)), m.zeros(new Shape(OUT, R))));
            assertThrows(IllegalArgumentException.class, () -> new Linear(IN, OUT, false).attachAdapter(0, 1, 0, params, 0));
            assertThrows(IllegalArgumentException.class, () -> new Linear(IN, OUT, false).attachAdapter(2, 1, 1.0, params, 0));
            assertThrows(IllegalStateException.class, () -> new Linear(IN, OUT, false).merge());
        }
    }

    @Test
    void forwardsInSubManagersDoNotLeak() {
        try (NDManager base = NDManager.newBaseManager(); NDManager params = NDManager.newBaseManager()) {
            Linear lin = layer(params, true);
            Linear half = new Linear(IN, OUT, false);
            half.weightParameter().setArray(params.create(random(OUT * IN, 1, 0.5), new Shape(OUT, IN))
                    .toType(DataType.FLOAT16, false));
            half.attachAdapter(R, ALPHA, 0.2, params, 3);
            int before = params.getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                try (NDManager sub = base.newSubManager()) {
                    NDArray x = sub.create(random(2 * IN, i, 1), new Shape(2, IN));
                    ParameterStore ps = new ParameterStore(sub, false);
                    lin.forward(ps, x, i % 2 == 0);
                    half.forward(ps, x.toType(DataType.FLOAT16, false), i % 2 == 0);
                }
            }
            for (int i = 0; i < 20; i++) {
                lin.merge();
                lin.unmerge();
                half.merge();
                half.unmerge();
            }
            assertEquals(before, params.getManagedArrays().size());
        }
    }
}
