package ai.legion.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.legion.models.EngineThreads;
import org.junit.jupiter.api.Test;

/** The split single-row product: the parts it picks, and the same values as the plain product. */
class RowProductTest {

    @Test
    void partsDivideTheRowsAndBalanceTheThreads() {
        assertEquals(2, Ops.rowParts(11008, 2));
        assertEquals(2, Ops.rowParts(4096, 2));
        assertEquals(47, Ops.rowParts(32007, 2)); // 3 x 47 x 227: 24 of 47 parts per thread beats 2 of 3
        assertEquals(4, Ops.rowParts(4096, 4));
        assertEquals(1, Ops.rowParts(4096, 1));
        assertEquals(1, Ops.rowParts(67 * 71, 2)); // no divisor up to 64
    }

    @Test
    void aLargeSingleRowProductEqualsThePlainOneAndLeavesNothingInTheWeightsManager() {
        int before = EngineThreads.get();
        try (NDManager weights = NDManager.newBaseManager(); NDManager acts = NDManager.newBaseManager()) {
            EngineThreads.set(2);
            long out = 32007; // the vocabulary: 47 parts
            long in = 512;
            NDArray w = weights.randomNormal(new Shape(out, in));
            NDArray b = weights.randomNormal(new Shape(out));
            assertEquals(47, Ops.rowProductParts(acts.randomNormal(new Shape(1, 1, in)), w), "64 MB weight, one row");
            int held = weights.getManagedArrays().size();
            for (Shape s : new Shape[] {new Shape(1, 1, in), new Shape(1, in), new Shape(in)}) {
                NDArray x = acts.randomNormal(s);
                NDArray got = Ops.linear(x, w, b);
                NDArray want = ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
                assertArrayEquals(want.getShape().getShape(), got.getShape().getShape(), s.toString());
                float[] g = got.toFloatArray();
                float[] e = want.toFloatArray();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], g[i], 1e-4f * (1 + Math.abs(e[i])), "row " + i + " of " + s);
                }
            }
            assertEquals(held, weights.getManagedArrays().size(), "no view of the weight left in its manager");
            // two rows, or a small weight: the plain product
            assertEquals(1, Ops.rowProductParts(acts.randomNormal(new Shape(2, in)), w));
            assertEquals(1, Ops.rowProductParts(acts.randomNormal(new Shape(1, 64)), weights.randomNormal(
                    new Shape(4096, 64))));
        } finally {
            EngineThreads.set(before);
        }
    }
}
