package ai.legion.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * A readable set of named tensors: one safetensors file, one torch zip checkpoint, or a sharded
 * folder of either. Tensors are read lazily, one at a time, so a checkpoint far larger than memory
 * can be streamed into parameters.
 *
 * <p>Implementations are safe for concurrent reads of different tensors.
 */
public interface Checkpoint extends AutoCloseable {

    /** The file or folder this checkpoint was opened from. */
    Path path();

    /** Tensor keys in file order (by default the keys of {@link #infos()}). */
    default Collection<String> keys() {
        return infos().keySet();
    }

    /** Whether the key exists. */
    default boolean contains(String key) {
        return info(key) != null;
    }

    /** Dtype and shape of a tensor, or {@code null} if the key is absent (by default looked up in {@link #infos()}). */
    default TensorInfo info(String key) {
        return infos().get(key);
    }

    /** Dtype and shape of every tensor, in file order. */
    Map<String, TensorInfo> infos();

    /**
     * The tensor's elements, contiguous in row-major order, little-endian, as a read-only buffer
     * positioned at 0 whose {@code remaining()} equals {@link TensorInfo#byteLength()}. Where the file
     * stores the tensor contiguously this is a memory-mapped view (no copy); otherwise the elements are
     * gathered into a new buffer.
     *
     * @throws CheckpointException if the key is absent, the tensor is larger than one buffer can hold
     *     (2 GiB), or the file is damaged
     */
    ByteBuffer read(String key) throws CheckpointException;

    /**
     * Writes the bytes of {@link #read} to a channel; implementations copy stored contiguous tensors
     * file-to-file without mapping them, so streaming tools stay within a small memory budget.
     */
    default void copyTo(String key, WritableByteChannel out) throws CheckpointException, IOException {
        ByteBuffer b = read(key);
        while (b.hasRemaining()) {
            out.write(b);
        }
        Buffers.release(b);
    }

    /**
     * Copies the bytes of {@link #read} into {@code dst} from its position on (which advances by
     * {@link TensorInfo#byteLength()}). Implementations read stored contiguous tensors with positional channel
     * reads instead of mapping them: nothing stays mapped (mapped pages count in the process's resident size) and
     * a file that shrank since it was opened gives an exception instead of a fault on the mapped page, so a caller
     * that reads the same tensors again and again (memory-budgeted execution) can reuse one buffer.
     *
     * @throws CheckpointException if the key is absent, {@code dst} has too little room, or the data cannot be read
     *     (a truncated file is named with the offset it ends at)
     */
    default void readInto(String key, ByteBuffer dst) throws CheckpointException {
        ByteBuffer b = read(key);
        try {
            if (dst.remaining() < b.remaining()) {
                throw new CheckpointException(fileOf(key), key, "needs " + b.remaining() + " bytes, the buffer has "
                        + dst.remaining());
            }
            dst.put(b);
        } finally {
            Buffers.release(b);
        }
    }

    /** Where the file keeps this tensor (for messages and the CLI); {@code path()} if unknown. */
    default Path fileOf(String key) {
        return path();
    }

    /** Metadata strings stored with the checkpoint (safetensors {@code __metadata__}); may be empty. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    void close();
}
