package ai.legion.core.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@code .safetensors} file atomically (temporary file, fsync, rename). Tensors are streamed
 * one at a time from their sources, so memory stays bounded by what a source holds, not by the file.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format", "pt")
 *     .add("w", DType.F32, new long[] {2, 3}, buffer)
 *     .write(path);
 * }</pre>
 */
public final class SafetensorsWriter {

    /** Produces exactly {@code info.byteLength()} little-endian bytes of one tensor. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(WritableByteChannel out) throws IOException, CheckpointException;
    }

    private record Item(TensorInfo info, TensorSource source) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Item> items = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor whose bytes a source streams at write time. */
    public SafetensorsWriter add(TensorInfo info, TensorSource source) {
        if (!names.add(info.name())) {
            throw new IllegalArgumentException("duplicate tensor name " + info.name());
        }
        if ("__metadata__".equals(info.name())) {
            throw new IllegalArgumentException("'__metadata__' is reserved");
        }
        items.add(new Item(info, source));
        return this;
    }

    /** Adds a tensor from a little-endian buffer (position to limit) of exactly the right size. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteBuffer data) {
        TensorInfo info = new TensorInfo(name, dtype, shape);
        if (data.remaining() != info.byteLength()) {
            throw new IllegalArgumentException(name + ": " + data.remaining() + " bytes for " + info + ", expected "
                    + info.byteLength());
        }
        ByteBuffer view = data.duplicate();
        return add(info, out -> IoUtils.writeFully(out, view.duplicate()));
    }

    /** Adds an NDArray (copied to the host when written). BF16 arrays are not supported by DJL 0.36. */
    public SafetensorsWriter add(String name, NDArray array) {
        TensorInfo info = new TensorInfo(name, DType.fromDataType(array.getDataType()), array.getShape().getShape());
        return add(info, out -> {
            ByteBuffer b = array.toByteBuffer();
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                throw new IOException("big-endian hosts are not supported");
            }
            IoUtils.writeFully(out, b);
        });
    }

    /** Tensors added so far. */
    public List<TensorInfo> tensors() {
        return items.stream().map(Item::info).toList();
    }

    /** Writes the file; on any failure the target is left as it was. */
    public void write(Path target) throws CheckpointException {
        byte[] header = header();
        IoUtils.writeAtomically(target, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            IoUtils.writeFully(out, len);
            IoUtils.writeFully(out, ByteBuffer.wrap(header));
            for (Item item : items) {
                writeItem(target, out, item);
            }
        });
    }

    private static void writeItem(Path target, FileChannel out, Item item) throws IOException, CheckpointException {
        long before = out.position();
        item.source.writeTo(out);
        long written = out.position() - before;
        if (written != item.info.byteLength()) {
            throw new CheckpointException(target, item.info.name(), "source wrote " + written + " bytes, expected "
                    + item.info.byteLength() + " for " + TensorInfo.format(item.info.shape()) + " " + item.info.dtype());
        }
    }

    /** JSON header, space-padded to a multiple of 8 bytes as the reference writer does. */
    private byte[] header() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Item item : items) {
            ObjectNode t = root.putObject(item.info.name());
            t.put("dtype", item.info.dtype().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (long d : item.info.shape()) {
                shape.add(d);
            }
            ArrayNode off = t.putArray("data_offsets");
            off.add(offset);
            offset += item.info.byteLength();
            off.add(offset);
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
