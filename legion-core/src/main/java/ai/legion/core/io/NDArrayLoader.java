package ai.legion.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns checkpoint tensors into NDArrays owned by the engine.
 *
 * <p>Each tensor is mapped from the file, copied once into engine memory (on CPU a clone of a
 * zero-copy view, on GPU the host-to-device copy) and unmapped at once, so loading a checkpoint
 * larger than RAM only ever holds one tensor's pages in addition to the parameters. BF16 and I16
 * tensors, which DJL 0.36 cannot hold, are widened to FLOAT32 / INT32 first (exactly:
 * {@code bits << 16}); a {@link FloatPolicy} then casts floating tensors on the target device.
 */
public final class NDArrayLoader {

    /** What floating-point tensors become. Integer and boolean tensors keep their type (I16 becomes INT32). */
    public enum FloatPolicy {
        /** As stored, except BF16, which becomes FLOAT32. */
        AS_STORED,
        /** Everything FLOAT32 (the CPU default). */
        FLOAT32,
        /** Everything FLOAT16 (the GPU inference option); BF16 goes through FLOAT32. */
        FLOAT16
    }

    private NDArrayLoader() {}

    /** The DJL type a stored dtype becomes under a policy. */
    public static DataType targetType(DType stored, FloatPolicy policy) {
        if (stored.isFloating()) {
            switch (policy) {
                case FLOAT32: return DataType.FLOAT32;
                case FLOAT16: return DataType.FLOAT16;
                default: return stored == DType.BF16 ? DataType.FLOAT32 : stored.nativeDataType();
            }
        }
        return stored == DType.I16 ? DataType.INT32 : stored.nativeDataType();
    }

    /**
     * Loads one tensor into {@code manager} (on the manager's device).
     *
     * @throws CheckpointException if the key is missing or its data cannot be read
     */
    public static NDArray load(Checkpoint checkpoint, String key, NDManager manager, FloatPolicy policy)
            throws CheckpointException {
        TensorInfo info = checkpoint.info(key);
        if (info == null) {
            throw new CheckpointException(checkpoint.path(), key, "no such tensor");
        }
        Shape shape = new Shape(info.shape());
        DataType target = targetType(info.dtype(), policy);
        try {
            EngineTypes.check(target, "loading " + info.dtype() + " " + TensorInfo.format(info.shape()));
        } catch (EngineTypes.UnsupportedTypeException e) {
            throw new CheckpointException(checkpoint.fileOf(key), key, e.getMessage(), e);
        }
        if (info.numel() == 0) {
            return manager.zeros(shape, target);
        }
        ByteBuffer data = checkpoint.read(key);
        NDArray array;
        try {
            switch (info.dtype()) {
                case BF16:
                    array = widened(manager, data, shape, DataType.FLOAT32, true);
                    break;
                case I16:
                    array = widened(manager, data, shape, DataType.INT32, false);
                    break;
                default:
                    array = owned(manager, direct(data), shape, info.dtype().nativeDataType());
            }
        } catch (RuntimeException e) {
            throw new CheckpointException(checkpoint.fileOf(key), key, "cannot create " + info + " on "
                    + manager.getDevice() + ": " + e.getMessage(), e);
        } finally {
            Buffers.release(data);
        }
        if (array.getDataType() != target) {
            NDArray cast = array.toType(target, false);
            array.close();
            array = cast;
        }
        return array;
    }

    /**
     * Creates an engine-owned NDArray from a direct little-endian buffer at position 0: a zero-copy
     * view, then (on CPU) one clone so that the result no longer depends on the buffer.
     */
    static NDArray owned(NDManager manager, ByteBuffer direct, Shape shape, DataType type) {
        NDArray view = manager.create(direct, shape, EngineTypes.check(type, "NDArrayLoader: create " + shape));
        if (!manager.getDevice().isGpu()) {
            NDArray copy = view.duplicate();
            view.close();
            return copy;
        }
        return view; // host-to-device creation already copied
    }

    private static NDArray widened(NDManager manager, ByteBuffer data, Shape shape, DataType type, boolean bf16) {
        if (!manager.getDevice().isGpu()) {
            // Widen straight into the engine's memory: no scratch buffer and no clone.
            NDArray out = manager.zeros(shape, type);
            ByteBuffer view = out.toByteBuffer(true);
            if (view.isDirect() && view.capacity() == data.remaining() * 2) {
                widen(data, view, bf16);
                return out;
            }
            out.close(); // the engine handed out a copy: fall back to a scratch buffer
        }
        ByteBuffer scratch = ByteBuffer.allocateDirect(Math.multiplyExact(data.remaining(), 2))
                .order(ByteOrder.nativeOrder());
        try {
            widen(data, scratch, bf16);
            return owned(manager, scratch, shape, type);
        } finally {
            Buffers.release(scratch);
        }
    }

    private static void widen(ByteBuffer data, ByteBuffer dst, boolean bf16) {
        if (bf16) {
            Buffers.widenBf16(data, dst);
        } else {
            Buffers.widenI16(data, dst);
        }
    }

    /** Heap buffers (tiny or gathered tensors) are copied into a direct one the engine can view. */
    private static ByteBuffer direct(ByteBuffer data) {
        if (data.isDirect() && data.position() == 0) {
            return data;
        }
        ByteBuffer d = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
        d.put(data.duplicate()).flip();
        return d;
    }
}
