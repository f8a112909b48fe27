package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Types the engine cannot hold are refused in Java with a message that names them and the fix. The refused
 * types are never handed to DJL here (that would end the test JVM, exit 134): this test finishing is the proof
 * that the checks run first.
 */
class EngineTypesTest {

    /** Measured on DJL 0.36.0: these abort the JVM (or, COMPLEX64, silently create float32). */
    private static final Set<DataType> REFUSED = EnumSet.of(DataType.BFLOAT16, DataType.INT16, DataType.UINT16,
            DataType.UINT32, DataType.UINT64, DataType.STRING, DataType.UNKNOWN, DataType.COMPLEX64);

    @ParameterizedTest
    @EnumSource(DataType.class)
    void everyTypeIsEitherSupportedOrRefusedWithItsNameAndTheFix(DataType type) {
        assertEquals(!REFUSED.contains(type), EngineTypes.isSupported(type), type.name());
        if (!REFUSED.contains(type)) {
            assertSame(type, EngineTypes.check(type, "test"));
            return;
        }
        EngineTypes.UnsupportedTypeException e = assertThrows(EngineTypes.UnsupportedTypeException.class,
                () -> EngineTypes.check(type, "loading x"));
        assertSame(type, e.type());
        assertTrue(e.getMessage().startsWith("loading x: "), e.getMessage());
        assertTrue(e.getMessage().contains(type.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("aborts the JVM"), e.getMessage());
        String fix = switch (type) {
            case BFLOAT16, INT16, UINT16, UINT32 -> "widen in Java first";
            case UINT64 -> "convert in Java first";
            default -> "use one of";
        };
        assertTrue(e.getMessage().contains(fix), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"BFLOAT16", "INT16", "UINT16", "UINT32", "UINT64"})
    void theLoadersCreateRefusesBeforeTheEngineSeesTheBuffer(DataType type) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ByteBuffer data = ByteBuffer.allocateDirect(8 * 4).order(ByteOrder.nativeOrder());
            EngineTypes.UnsupportedTypeException e = assertThrows(EngineTypes.UnsupportedTypeException.class,
                    () -> NDArrayLoader.owned(manager, data, new Shape(4), type));
            assertTrue(e.getMessage().contains("NDArrayLoader") && e.getMessage().contains(type.toString()),
                    e.getMessage());
            assertEquals(0, manager.getManagedArrays().size());
            // the engine is still usable afterwards
            try (NDArray ok = NDArrayLoader.owned(manager, data, new Shape(4), DataType.FLOAT64)) {
                assertEquals(4, ok.size());
            }
        }
    }

    @Test
    void everyTypeTheLoaderProducesIsSupported() {
        Set<DataType> produced = EnumSet.noneOf(DataType.class);
        for (DType d : DType.values()) {
            for (NDArrayLoader.FloatPolicy p : NDArrayLoader.FloatPolicy.values()) {
                produced.add(NDArrayLoader.targetType(d, p));
            }
        }
        assertEquals(EnumSet.of(DataType.FLOAT64, DataType.FLOAT32, DataType.FLOAT16, DataType.INT64, DataType.INT32,
                DataType.INT8, DataType.UINT8, DataType.BOOLEAN), produced);
        assertTrue(produced.stream().allMatch(EngineTypes::isSupported), produced.toString());
    }
}
