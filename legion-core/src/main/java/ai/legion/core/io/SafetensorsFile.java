package ai.legion.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped reader of one {@code .safetensors} file.
 *
 * <p>Opening reads and validates only the header: the header length, its JSON, every dtype, shape
 * and offset pair (inside the data section, no overlaps or holes, {@code numel x dtype size == end - begin}).
 * Tensor data is mapped per tensor on {@link #read}, so files far above 2 GiB work and only the
 * tensors actually read are paged in.
 */
public final class SafetensorsFile implements Checkpoint {

    /** The reference implementation refuses headers above 100 MB; a real 7B header is ~100 kB. */
    static final long MAX_HEADER = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private record Entry(TensorInfo info, long begin, long end) {}

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws CheckpointException naming the file (and tensor) if the file cannot be read or its
     *     header is malformed
     */
    public static SafetensorsFile open(Path path) throws CheckpointException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(path, null, "cannot open: " + e, e);
        }
        try {
            return parse(path, ch);
        } catch (CheckpointException | RuntimeException e) {
            IoUtils.closeQuietly(ch);
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(path, null, "malformed safetensors file: " + e, e);
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel ch) throws CheckpointException {
        long fileSize;
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try {
            fileSize = ch.size();
            if (fileSize < 8) {
                throw new CheckpointException(path, null,
                        "truncated: " + fileSize + " bytes, a safetensors file starts with an 8-byte header length");
            }
            IoUtils.readFully(ch, len, 0);
        } catch (IOException e) {
            throw new CheckpointException(path, null, "cannot read header length: " + e, e);
        }
        long headerLen = len.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > fileSize - 8) {
            throw new CheckpointException(path, null, "invalid header length " + Long.toUnsignedString(headerLen)
                    + " (file has " + fileSize + " bytes; expected 1.." + Math.min(MAX_HEADER, fileSize - 8) + ")");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        try {
            IoUtils.readFully(ch, header, 8);
        } catch (IOException e) {
            throw new CheckpointException(path, null, "cannot read header: " + e, e);
        }
        JsonNode root = parseHeader(path, header.array());
        long dataStart = 8 + headerLen;
        long dataSize = fileSize - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            String key = f.getKey();
            JsonNode v = f.getValue();
            if ("__metadata__".equals(key)) {
                if (!v.isObject()) {
                    throw new CheckpointException(path, null, "__metadata__ must be an object of strings");
                }
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    if (!e.getValue().isTextual()) {
                        throw new CheckpointException(path, null, "__metadata__." + e.getKey() + " must be a string");
                    }
                    metadata.put(e.getKey(), e.getValue().asText());
                }
                continue;
            }
            entries.put(key, parseEntry(path, key, v, dataSize));
        }
        checkLayout(path, entries.values(), dataSize);
        return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(metadata));
    }

    /**
     * The header must be exactly one JSON object starting at its first byte, followed by nothing but spaces
     * (upstream huggingface/safetensors README "Format": "MUST begin with a {", "MAY be trailing padded with
     * whitespace (0x20)"); bytes after the object would otherwise be silently ignored.
     */
    private static JsonNode parseHeader(Path path, byte[] header) throws CheckpointException {
        if (header[0] != '{') {
            throw new CheckpointException(path, null, String.format(
                    "header starts with byte 0x%02x; a safetensors header is a JSON object and must begin "
                    + "with '{'", header[0] & 0xFF));
        }
        JsonNode root;
        long end;
        try (JsonParser p = JSON.createParser(header)) {
            root = JSON.readTree(p);
            end = p.currentLocation().getByteOffset();
        } catch (JsonProcessingException e) {
            throw new CheckpointException(path, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(path, null, "cannot parse header: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(path, null, "header must be a JSON object");
        }
        for (long i = end; i < header.length; i++) {
            if (header[(int) i] != ' ') {
                throw new CheckpointException(path, null, String.format("header has %d bytes after its JSON object "
                        + "(first 0x%02x at header byte %d); only space padding may follow it",
                        header.length - end, header[(int) i] & 0xFF, i));
            }
        }
        return root;
    }

    private static Entry parseEntry(Path path, String key, JsonNode v, long dataSize) throws CheckpointException {
        if (!v.isObject()) {
            throw new CheckpointException(path, key, "entry must be an object with dtype, shape, data_offsets");
        }
        JsonNode dt = v.get("dtype");
        DType dtype = dt != null && dt.isTextual() ? DType.fromSafetensors(dt.asText()) : null;
        if (dtype == null) {
            throw new CheckpointException(path, key, "unsupported or missing dtype " + dt
                    + " (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new CheckpointException(path, key, "missing shape array");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new CheckpointException(path, key, "shape entry " + i + " is " + d + ", expected an integer >= 0");
            }
            shape[i] = d.asLong();
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new CheckpointException(path, key, "data_offsets must be [begin, end], found " + off);
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new CheckpointException(path, key, "data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataSize + " bytes");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(TensorInfo.numel(shape), dtype.size());
        } catch (ArithmeticException e) {
            throw new CheckpointException(path, key, "shape " + TensorInfo.format(shape) + " overflows");
        }
        if (bytes != end - begin) {
            throw new CheckpointException(path, key, "shape " + TensorInfo.format(shape) + " x " + dtype + " needs "
                    + bytes + " bytes but data_offsets span " + (end - begin));
        }
        return new Entry(new TensorInfo(key, dtype, shape), begin, end);
    }

    /**
     * Tensors must tile the data section: no overlaps, no holes and no bytes after the last one (upstream
     * huggingface/safetensors {@code safetensors/src/tensor.rs::Metadata::validate} rejects the same files
     * as InvalidOffset and MetadataIncompleteBuffer).
     */
    private static void checkLayout(Path path, Collection<Entry> entries, long dataSize) throws CheckpointException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry prev = null;
        long covered = 0;
        for (Entry e : sorted) {
            if (e.end == e.begin) {
                continue; // an empty tensor occupies no bytes
            }
            if (e.begin < covered) {
                throw new CheckpointException(path, e.info.name(), "data [" + e.begin + ", " + e.end
                        + ") overlaps tensor '" + prev.info.name() + "' [" + prev.begin + ", " + prev.end + ")");
            }
            if (e.begin > covered) {
                throw new CheckpointException(path, e.info.name(), "data starts at " + e.begin + " but the "
                        + (prev == null ? "data section starts at 0" : "previous tensor '" + prev.info.name()
                        + "' ends at " + covered) + ": " + (e.begin - covered) + " unindexed bytes");
            }
            prev = e;
            covered = e.end;
        }
        if (covered != dataSize) {
            throw new CheckpointException(path, null, "tensors cover " + covered + " of the " + dataSize
                    + " bytes of the data section: " + (dataSize - covered) + " trailing bytes belong to no tensor");
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Collection<String> keys() {
        return entries.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.info;
    }

    @Override
    public Map<String, TensorInfo> infos() {
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        entries.forEach((k, e) -> m.put(k, e.info));
        return m;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Absolute file offset of a tensor's first byte (for tools that copy raw bytes). */
    public long dataOffset(String key) throws CheckpointException {
        return dataStart + entry(key).begin;
    }

    @Override
    public ByteBuffer read(String key) throws CheckpointException {
        Entry e = entry(key);
        long n = e.end - e.begin;
        if (n > Integer.MAX_VALUE) {
            throw new CheckpointException(path, key, "tensor has " + n
                    + " bytes; one buffer holds at most 2 GiB (DJL/JNI limit)");
        }
        if (n == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, n).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException | RuntimeException ex) {
            throw new CheckpointException(path, key, "cannot map " + n + " bytes at offset " + (dataStart + e.begin)
                    + ": " + ex, ex);
        }
    }

    @Override
    public void readInto(String key, ByteBuffer dst) throws CheckpointException {
        Entry e = entry(key);
        IoUtils.readTensor(channel, path, key, dataStart + e.begin, e.end - e.begin, dst);
    }

    @Override
    public void copyTo(String key, WritableByteChannel out) throws CheckpointException, IOException {
        Entry e = entry(key);
        IoUtils.transferFully(channel, dataStart + e.begin, e.end - e.begin, out);
    }

    private Entry entry(String key) throws CheckpointException {
        return CheckpointException.requireTensor(entries, path, key);
    }

    @Override
    public void close() {
        IoUtils.closeQuietly(channel);
    }
}
