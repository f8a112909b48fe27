package ai.legion.core.io;

import ai.djl.ndarray.types.DataType;
import java.util.EnumSet;
import java.util.Set;

/**
 * The element types an NDArray may have with DJL 0.36's PyTorch engine, checked in Java before the engine sees
 * them.
 *
 * <p>Handing the engine any other type does not throw: the native side calls {@code std::terminate}
 * ("terminate called without an active exception") and the JVM dies with exit code 134, taking every
 * thread, open file and unsaved result with it. Measured on DJL 0.36.0 ({@code NDManager.zeros}, {@code create}
 * of a buffer, {@code NDArray.toType}): {@code BFLOAT16}, {@code INT16}, {@code UINT16}, {@code UINT32},
 * {@code UINT64}, {@code STRING} and {@code UNKNOWN} abort; {@code COMPLEX64} does not abort but {@code zeros}
 * returns a float32 array. Every place where an element type comes from data or from a caller (checkpoint
 * dtypes, precision options, dtype parameters of public methods) goes through {@link #check} so that such an
 * attempt becomes an {@link UnsupportedTypeException} naming the type, the operation and the fix.
 */
public final class EngineTypes {

    /** The types the engine holds as they are. */
    public static final Set<DataType> SUPPORTED = Set.copyOf(EnumSet.of(DataType.FLOAT32, DataType.FLOAT64,
            DataType.FLOAT16, DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8, DataType.BOOLEAN));

    /** An element type the engine cannot hold was about to be handed to it. */
    public static final class UnsupportedTypeException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        private final transient DataType type;

        UnsupportedTypeException(DataType type, String what) {
            super(what + ": DJL 0.36's PyTorch engine cannot hold " + type + " arrays (creating or casting to one "
                    + "aborts the JVM); " + fix(type));
            this.type = type;
        }

        /** The refused type. */
        public DataType type() {
            return type;
        }
    }

    private EngineTypes() {}

    /**
     * Returns {@code type} when the engine can hold it.
     *
     * @param what the operation, for the message (e.g. {@code "Ops.cast"}, a file and key)
     * @throws UnsupportedTypeException for {@code null} and every type outside {@link #SUPPORTED}
     */
    public static DataType check(DataType type, String what) {
        if (type == null || !SUPPORTED.contains(type)) {
            throw new UnsupportedTypeException(type, what);
        }
        return type;
    }

    /** Whether the engine can hold {@code type}. */
    public static boolean isSupported(DataType type) {
        return type != null && SUPPORTED.contains(type);
    }

    private static String fix(DataType type) {
        if (type == null) {
            return "no element type was given";
        }
        return switch (type) {
            case BFLOAT16 -> "widen in Java first (bfloat16 to float32 is exact: bits << 16, Buffers.widenBf16) "
                    + "or use FLOAT32 / FLOAT16";
            case INT16 -> "widen in Java first (int16 to int32, Buffers.widenI16)";
            case UINT16 -> "widen in Java first (uint16 to int32)";
            case UINT32 -> "widen in Java first (uint32 to int64)";
            case UINT64 -> "convert in Java first (uint64 to int64; values above 2^63 - 1 do not fit)";
            default -> "use one of " + SUPPORTED.stream().map(DataType::name).sorted().toList();
        };
    }
}
