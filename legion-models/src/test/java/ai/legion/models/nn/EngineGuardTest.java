package ai.legion.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.io.EngineTypes;
import ai.legion.models.lm.KvCache;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every entry point of the model code that takes an element type from a caller refuses the types DJL 0.36
 * cannot hold (the engine would end the JVM with exit 134) with {@link EngineTypes.UnsupportedTypeException},
 * before DJL is called: this test finishing at all is the proof. Afterwards the same entry points still work
 * with a supported type.
 */
class EngineGuardTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"BFLOAT16", "INT16", "UINT16", "UINT32", "UINT64"})
    void castsInitsAdaptersAndCachesRefuseTypesTheEngineCannotHold(DataType bad) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(2, 3));
            refused(bad, "Ops.cast", () -> Ops.cast(x, bad));
            refused(bad, "Init.create", () -> Init.NORMAL.create(m, new Shape(4), bad, 0.02f));
            refused(bad, "Init.create", () -> Init.ONES.create(m, new Shape(4), bad, 0.02f));
            Linear lin = new Linear(3, 2, true);
            WeightMap w = lin.weightMap("");
            refused(bad, "Init.create", () -> w.initialize(m, bad, 0.02f, 1));
            if (bad.isFloating()) { // integer adapter types are refused earlier, as not floating
                refused(bad, "Linear: adapter dtype", () -> lin.attachAdapter(2, 4, 0, m, 1, bad));
            } else {
                assertThrows(IllegalArgumentException.class, () -> lin.attachAdapter(2, 4, 0, m, 1, bad));
            }
            refused(bad, "KvCache", () -> new KvCache(m, 2, 1, 2, 8, 4, bad));
            long before = m.getManagedArrays().size();

            // still usable with a type the engine holds
            assertEquals(DataType.FLOAT16, Ops.cast(x, DataType.FLOAT16).getDataType());
            w.initialize(m, DataType.FLOAT32, 0.02f, 1);
            lin.attachAdapter(2, 4, 0, m, 1, DataType.FLOAT32);
            try (KvCache cache = new KvCache(m, 2, 1, 2, 8, 4, DataType.FLOAT32)) {
                assertEquals(0, cache.length());
            }
            assertTrue(m.getManagedArrays().size() > before);
        }
    }

    private static void refused(DataType bad, String what, Executable call) {
        EngineTypes.UnsupportedTypeException e = assertThrows(EngineTypes.UnsupportedTypeException.class, call, what);
        assertEquals(bad, e.type());
        assertTrue(e.getMessage().startsWith(what) && e.getMessage().contains(bad.toString())
                && e.getMessage().contains("in Java first"), e.getMessage());
    }
}
