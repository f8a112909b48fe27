package ai.legion.core.io;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Element types that checkpoints store, with their safetensors and PyTorch names.
 *
 * <p>Only the element types with a native mapping in DJL 0.36's PyTorch engine can become an
 * {@code NDArray} as they are; {@link #BF16} and {@link #I16} are widened on load (see
 * {@link NDArrayLoader}) because creating such an NDArray aborts the JVM.
 */
public enum DType {
    F64("F64", "DoubleStorage", 8),
    F32("F32", "FloatStorage", 4),
    F16("F16", "HalfStorage", 2),
    BF16("BF16", "BFloat16Storage", 2),
    I64("I64", "LongStorage", 8),
    I32("I32", "IntStorage", 4),
    I16("I16", "ShortStorage", 2),
    I8("I8", "CharStorage", 1),
    U8("U8", "ByteStorage", 1),
    BOOL("BOOL", "BoolStorage", 1);

    private final String safetensorsName;
    private final String torchStorage;
    private final int size;

    DType(String safetensorsName, String torchStorage, int size) {
        this.safetensorsName = safetensorsName;
        this.torchStorage = torchStorage;
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The dtype string of a safetensors header ({@code "F32"}, {@code "BF16"}, ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The legacy typed-storage class name under {@code torch.} ({@code "FloatStorage"}, ...). */
    public String torchStorageName() {
        return torchStorage;
    }

    /** Whether values are floating point. */
    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /**
     * The DJL type an NDArray of this dtype is created with as stored, or {@code null} where DJL 0.36
     * cannot hold it natively (BF16, I16).
     */
    public DataType nativeDataType() {
        switch (this) {
            case F64: return DataType.FLOAT64;
            case F32: return DataType.FLOAT32;
            case F16: return DataType.FLOAT16;
            case I64: return DataType.INT64;
            case I32: return DataType.INT32;
            case I8: return DataType.INT8;
            case U8: return DataType.UINT8;
            case BOOL: return DataType.BOOLEAN;
            default: return null;
        }
    }

    /** Parses a safetensors dtype string; {@code null} if it is not supported. */
    public static DType fromSafetensors(String name) {
        if (name == null) {
            return null;
        }
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Parses a torch storage class name such as {@code BFloat16Storage}; {@code null} if unknown. */
    public static DType fromTorchStorage(String className) {
        for (DType t : values()) {
            if (t.torchStorage.equals(className)) {
                return t;
            }
        }
        return null;
    }

    /** Parses a torch dtype attribute name such as {@code bfloat16} or {@code float32}. */
    public static DType fromTorchDtype(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "float64": case "double": return F64;
            case "float32": case "float": return F32;
            case "float16": case "half": return F16;
            case "bfloat16": return BF16;
            case "int64": case "long": return I64;
            case "int32": case "int": return I32;
            case "int16": case "short": return I16;
            case "int8": return I8;
            case "uint8": return U8;
            case "bool": return BOOL;
            default: return null;
        }
    }

    /** The DJL data type as a {@code DType}, for writing NDArrays into checkpoints. */
    public static DType fromDataType(DataType dataType) {
        switch (dataType) {
            case FLOAT64: return F64;
            case FLOAT32: return F32;
            case FLOAT16: return F16;
            case INT64: return I64;
            case INT32: return I32;
            case INT16: return I16;
            case INT8: return I8;
            case UINT8: return U8;
            case BOOLEAN: return BOOL;
            default: throw new IllegalArgumentException("No checkpoint dtype for DJL type " + dataType);
        }
    }
}
