package ai.legion.core.io.torch;

import ai.legion.core.io.Buffers;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.DType;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A checkpoint written by {@code torch.save} (zip format, torch >= 1.6): {@code .bin}, {@code .pth},
 * {@code .pt}. The pickled state dict is read by a {@link RestrictedUnpickler} that accepts only
 * tensor rebuild functions, storage types and {@code OrderedDict}; storages are mapped lazily from the
 * zip (they are stored uncompressed), honouring storage offsets and strides.
 *
 * <p>Nested dictionaries are flattened with {@code .} ({@code {"state_dict": {"w": t}}} gives
 * {@code state_dict.w}); values that are not tensors are skipped.
 */
public final class TorchZipCheckpoint implements Checkpoint {

    /**
     * A real 7B shard's data.pkl is ~100 kB (~300 bytes per tensor); 64 MiB would index some 200k tensors.
     * Bounding it up front keeps a hostile pickle from costing even the read.
     */
    private static final long MAX_PICKLE = 64L * 1024 * 1024;
    private static final int MAX_DEPTH = 64;

    private final Path path;
    private final FileChannel channel;
    private final Map<String, TorchTensorRef> tensors;
    private final Map<String, TensorInfo> infos;

    private TorchZipCheckpoint(Path path, FileChannel channel, Map<String, TorchTensorRef> tensors) {
        this.path = path;
        this.channel = channel;
        this.tensors = tensors;
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        tensors.forEach((k, t) -> m.put(k, new TensorInfo(k, t.dtype(), t.size())));
        this.infos = Collections.unmodifiableMap(m);
    }

    /**
     * Opens a torch zip checkpoint and reads its tensor index.
     *
     * @throws CheckpointException naming the file (and tensor or zip entry) if it is not a torch zip
     *     checkpoint, is damaged, or references anything but tensors
     */
    public static TorchZipCheckpoint open(Path path) throws CheckpointException {
        checkMagic(path);
        Map<String, TorchTensorRef> tensors;
        try (FileChannel zipChannel = FileChannel.open(path, StandardOpenOption.READ)) {
            tensors = index(path, zipChannel);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(path, null, "not a readable torch zip checkpoint: " + e, e);
        }
        try {
            return new TorchZipCheckpoint(path, FileChannel.open(path, StandardOpenOption.READ), tensors);
        } catch (IOException e) {
            throw new CheckpointException(path, null, "cannot open: " + e, e);
        }
    }

    private static void checkMagic(Path path) throws CheckpointException {
        byte[] head = new byte[4];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(head);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill up to 4 bytes
            }
            if (b.position() < 4) {
                throw new CheckpointException(path, null, "truncated: " + b.position() + " bytes, not a torch checkpoint");
            }
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(path, null, "cannot open: " + e, e);
        }
        if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        if ((head[0] & 0xFF) == 0x80 && head[1] >= 1 && head[1] <= 5) {
            throw new CheckpointException(path, null, "legacy (pre-1.6, non-zip) torch serialization is not supported; "
                    + "re-save it with a newer torch: torch.save(torch.load(f, map_location='cpu'), f_new)");
        }
        throw new CheckpointException(path, null, String.format(
                "bad magic %02x %02x %02x %02x: not a torch zip checkpoint (expected 'PK\\x03\\x04')",
                head[0], head[1], head[2], head[3]));
    }

    private static Map<String, TorchTensorRef> index(Path path, FileChannel zipChannel)
            throws IOException, CheckpointException {
        long fileSize = zipChannel.size();
        try (ZipFile zip = ZipFile.builder().setSeekableByteChannel(zipChannel).get()) {
            Map<String, ZipArchiveEntry> byName = new HashMap<>();
            ZipArchiveEntry pkl = null;
            for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
                byName.put(e.getName(), e);
                String n = e.getName();
                if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.endsWith("/data.pkl"))
                        && n.indexOf('/') == n.lastIndexOf('/')) {
                    if (pkl != null) {
                        throw new CheckpointException(path, null, "two pickles in one archive: " + pkl.getName()
                                + " and " + n);
                    }
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new CheckpointException(path, null, "zip entry '<archive>/data.pkl' missing: not a torch checkpoint");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            checkByteOrder(path, zip, byName.get(prefix + "byteorder"));
            byte[] pickle = readEntry(path, zip, pkl, MAX_PICKLE);
            StorageResolver resolver = new StorageResolver(path, byName, prefix, fileSize);
            Object top;
            try {
                top = new RestrictedUnpickler(pickle, resolver).load();
            } catch (RestrictedUnpickler.PickleError e) {
                throw new CheckpointException(path, resolver.currentKey, e.getMessage(), e);
            }
            return flatten(path, top);
        }
    }

    private static void checkByteOrder(Path path, ZipFile zip, ZipArchiveEntry e) throws IOException, CheckpointException {
        if (e == null) {
            return; // older torch writes no byteorder record: little-endian
        }
        String order = new String(readEntry(path, zip, e, 16), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new CheckpointException(path, null, "byteorder '" + order + "' is not supported (only little-endian)");
        }
    }

    private static byte[] readEntry(Path path, ZipFile zip, ZipArchiveEntry e, long limit)
            throws IOException, CheckpointException {
        long size = e.getSize();
        if (size < 0 || size > limit) {
            throw new CheckpointException(path, null, "zip entry " + e.getName() + " claims " + size
                    + " bytes (limit " + limit + ")");
        }
        byte[] data = new byte[(int) size];
        try (InputStream in = zip.getInputStream(e)) {
            int off = 0;
            while (off < data.length) {
                int n = in.read(data, off, data.length - off);
                if (n < 0) {
                    throw new CheckpointException(path, null, "zip entry " + e.getName() + " is truncated: "
                            + off + " of " + size + " bytes");
                }
                off += n;
            }
        }
        return data;
    }

    private record Pending(String prefix, Map<?, ?> map, int depth) {}

    /** Walks the unpickled object (no recursion) and collects tensors under dotted keys, in pickle order. */
    private static Map<String, TorchTensorRef> flatten(Path path, Object top) throws CheckpointException {
        if (!(top instanceof Map<?, ?> root)) {
            throw new CheckpointException(path, null, "top-level object is a " + Pickle.typeOf(top)
                    + ", expected a state dict");
        }
        Map<String, TorchTensorRef> out = new LinkedHashMap<>();
        Deque<Pending> work = new ArrayDeque<>();
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>(); // a dict may contain itself via the memo
        work.push(new Pending("", root, 0));
        while (!work.isEmpty()) {
            Pending item = work.pop();
            if (seen.put(item.map, Boolean.TRUE) != null || item.depth > MAX_DEPTH) {
                continue;
            }
            List<Pending> children = new ArrayList<>();
            for (Map.Entry<?, ?> e : item.map.entrySet()) {
                String key = item.prefix + e.getKey();
                if (e.getValue() instanceof TorchTensorRef t) {
                    if (out.put(key, t) != null) {
                        throw new CheckpointException(path, key, "duplicate tensor key");
                    }
                } else if (e.getValue() instanceof Map<?, ?> child) {
                    children.add(new Pending(key + ".", child, item.depth + 1));
                }
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                work.push(children.get(i));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Resolves persistent ids to storages and the whitelisted rebuild calls to tensor references. */
    private static final class StorageResolver implements RestrictedUnpickler.Resolver {
        private final Path path;
        private final Map<String, ZipArchiveEntry> entries;
        private final String prefix;
        private final long fileSize;
        private final Map<String, TorchStorage> storages = new HashMap<>();
        String currentKey;

        StorageResolver(Path path, Map<String, ZipArchiveEntry> entries, String prefix, long fileSize) {
            this.path = path;
            this.entries = entries;
            this.prefix = prefix;
            this.fileSize = fileSize;
        }

        @Override
        public boolean allows(String module, String name) {
            String q = module + "." + name;
            return RestrictedUnpickler.TENSOR_REBUILDERS.contains(q)
                    || q.equals("collections.OrderedDict")
                    || q.equals("torch.Size")
                    || q.equals("_codecs.encode")
                    || RestrictedUnpickler.isStorageType(module, name)
                    || ("torch".equals(module) && DType.fromTorchDtype(name) != null);
        }

        @Override
        public Object persistentLoad(Object pid) throws RestrictedUnpickler.PickleError {
            if (!(pid instanceof Pickle.Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
                throw new RestrictedUnpickler.PickleError("persistent id is not ('storage', type, key, location, numel)");
            }
            if (!(t.get(1) instanceof Pickle.Global type) || !(t.get(2) instanceof String key)
                    || !(t.get(4) instanceof Long numel) || numel < 0) {
                throw new RestrictedUnpickler.PickleError("malformed storage persistent id");
            }
            currentKey = null;
            TorchStorage known = storages.get(key);
            if (known != null) {
                return known;
            }
            DType dtype = null;
            if (!type.name().equals("UntypedStorage")) {
                dtype = DType.fromTorchStorage(type.name());
                if (dtype == null) {
                    throw new RestrictedUnpickler.PickleError("storage '" + key + "' has unsupported type torch."
                            + type.name());
                }
            }
            ZipArchiveEntry e = entries.get(prefix + "data/" + key);
            if (e == null) {
                throw new RestrictedUnpickler.PickleError("zip entry '" + prefix + "data/" + key + "' missing");
            }
            if (e.getMethod() != ZipArchiveEntry.STORED) {
                throw new RestrictedUnpickler.PickleError("zip entry '" + e.getName()
                        + "' is compressed; torch.save stores storages uncompressed");
            }
            long need;
            try {
                need = Math.multiplyExact(numel, dtype == null ? 1 : dtype.size());
            } catch (ArithmeticException ex) {
                throw new RestrictedUnpickler.PickleError("storage '" + key + "' size overflows");
            }
            long offset = e.getDataOffset();
            if (e.getSize() < need || offset < 0 || offset > fileSize || need > fileSize - offset) {
                throw new RestrictedUnpickler.PickleError("storage '" + key + "' needs " + need + " bytes but zip entry "
                        + e.getName() + " holds " + e.getSize() + " at offset " + offset + " of a " + fileSize
                        + "-byte file");
            }
            TorchStorage s = new TorchStorage(key, dtype, numel, offset);
            storages.put(key, s);
            return s;
        }

        @Override
        public Object call(Pickle.Global fn, Pickle.Tuple args) throws RestrictedUnpickler.PickleError {
            switch (fn.qualified()) {
                case "collections.OrderedDict":
                    if (args.size() != 0) {
                        throw new RestrictedUnpickler.PickleError("OrderedDict with arguments is not supported");
                    }
                    return new LinkedHashMap<>();
                case "torch.Size":
                    if (args.size() != 1 || !(args.get(0) instanceof Pickle.Tuple)) {
                        throw new RestrictedUnpickler.PickleError("torch.Size expects one tuple");
                    }
                    return args.get(0);
                case "_codecs.encode":
                    if (args.size() < 1 || !(args.get(0) instanceof String s)) {
                        throw new RestrictedUnpickler.PickleError("_codecs.encode expects a string");
                    }
                    return s.getBytes(StandardCharsets.ISO_8859_1);
                case "torch._utils._rebuild_parameter":
                case "torch._utils._rebuild_parameter_with_state":
                    if (args.size() < 1 || !(args.get(0) instanceof TorchTensorRef)) {
                        throw new RestrictedUnpickler.PickleError(fn.qualified() + " expects a tensor");
                    }
                    return args.get(0);
                case "torch._utils._rebuild_tensor":
                case "torch._utils._rebuild_tensor_v2":
                    return rebuild(fn, args, null);
                case "torch._utils._rebuild_tensor_v3":
                    if (args.size() < 7 || !(args.get(6) instanceof Pickle.Global dt)
                            || DType.fromTorchDtype(dt.name()) == null) {
                        throw new RestrictedUnpickler.PickleError("_rebuild_tensor_v3 without a supported dtype");
                    }
                    return rebuild(fn, args, DType.fromTorchDtype(dt.name()));
                default:
                    throw new RestrictedUnpickler.PickleError("global " + fn.qualified() + " is not callable");
            }
        }

        private TorchTensorRef rebuild(Pickle.Global fn, Pickle.Tuple args, DType explicit)
                throws RestrictedUnpickler.PickleError {
            if (args.size() < 4 || !(args.get(0) instanceof TorchStorage storage) || !(args.get(1) instanceof Long offset)
                    || !(args.get(2) instanceof Pickle.Tuple size) || !(args.get(3) instanceof Pickle.Tuple stride)) {
                throw new RestrictedUnpickler.PickleError(fn.qualified()
                        + " expects (storage, offset, size tuple, stride tuple, ...)");
            }
            DType dtype = explicit != null ? explicit : storage.dtype();
            if (dtype == null) {
                throw new RestrictedUnpickler.PickleError("tensor on untyped storage '" + storage.key() + "' without a dtype");
            }
            long[] sz = longs(size, "size");
            long[] st = longs(stride, "stride");
            if (sz.length != st.length) {
                throw new RestrictedUnpickler.PickleError("size " + TensorInfo.format(sz) + " and stride "
                        + TensorInfo.format(st) + " differ in rank");
            }
            long storageElems = storage.dtype() == null ? storage.numel() / dtype.size() : storage.numel();
            try {
                long numel = TensorInfo.numel(sz);
                if (offset < 0) {
                    throw new RestrictedUnpickler.PickleError("negative storage offset " + offset);
                }
                if (numel > 0) {
                    long last = offset;
                    for (int i = 0; i < sz.length; i++) {
                        last = Math.addExact(last, Math.multiplyExact(sz[i] - 1, st[i]));
                    }
                    if (last >= storageElems) {
                        throw new RestrictedUnpickler.PickleError("view (offset " + offset + ", size "
                                + TensorInfo.format(sz) + ", stride " + TensorInfo.format(st) + ") reaches element "
                                + last + " of storage '" + storage.key() + "' with " + storageElems + " elements");
                    }
                }
            } catch (ArithmeticException e) {
                throw new RestrictedUnpickler.PickleError("tensor size overflows: " + TensorInfo.format(sz));
            }
            return new TorchTensorRef(storage, dtype, offset, sz, st);
        }

        private static long[] longs(Pickle.Tuple t, String what) throws RestrictedUnpickler.PickleError {
            long[] out = new long[t.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(t.get(i) instanceof Long v) || v < 0) {
                    throw new RestrictedUnpickler.PickleError(what + " entry " + i + " is not an integer >= 0");
                }
                out[i] = v;
            }
            return out;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Map<String, TensorInfo> infos() {
        return infos;
    }

    @Override
    public ByteBuffer read(String key) throws CheckpointException {
        TorchTensorRef t = ref(key);
        int elem = t.dtype().size();
        long numel = TensorInfo.numel(t.size());
        long bytes = numel * elem;
        if (bytes > Integer.MAX_VALUE) {
            throw new CheckpointException(path, key, "tensor has " + bytes
                    + " bytes; one buffer holds at most 2 GiB (DJL/JNI limit)");
        }
        if (numel == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            if (t.isContiguous()) {
                return channel.map(FileChannel.MapMode.READ_ONLY, t.storage().fileOffset() + t.offset() * elem, bytes)
                        .order(ByteOrder.LITTLE_ENDIAN);
            }
            return gather(t, (int) bytes);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(path, key, "cannot read storage '" + t.storage().key() + "': " + e, e);
        }
    }

    /** Copies a strided view into a new contiguous buffer. */
    private ByteBuffer gather(TorchTensorRef t, int bytes) throws IOException {
        int elem = t.dtype().size();
        long[] size = t.size();
        long[] stride = t.stride();
        long last = t.offset();
        for (int i = 0; i < size.length; i++) {
            last += (size[i] - 1) * stride[i];
        }
        long spanBytes = (last - t.offset() + 1) * elem;
        if (spanBytes > Integer.MAX_VALUE) {
            throw new IOException("strided view spans " + spanBytes + " bytes, more than one mapping can hold");
        }
        ByteBuffer src = channel.map(FileChannel.MapMode.READ_ONLY, t.storage().fileOffset() + t.offset() * elem,
                spanBytes);
        ByteBuffer dst = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int rank = size.length;
        long[] idx = new long[rank];
        long numel = TensorInfo.numel(size);
        for (long n = 0; n < numel; n++) {
            long off = 0;
            for (int d = 0; d < rank; d++) {
                off += idx[d] * stride[d];
            }
            for (int b = 0; b < elem; b++) {
                dst.put(src.get((int) (off * elem + b)));
            }
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        Buffers.release(src);
        return dst.flip();
    }

    @Override
    public void readInto(String key, ByteBuffer dst) throws CheckpointException {
        TorchTensorRef t = ref(key);
        if (!t.isContiguous()) {
            Checkpoint.super.readInto(key, dst);
            return;
        }
        int elem = t.dtype().size();
        IoUtils.readTensor(channel, path, key, t.storage().fileOffset() + t.offset() * elem,
                TensorInfo.numel(t.size()) * elem, dst);
    }

    @Override
    public void copyTo(String key, WritableByteChannel out) throws CheckpointException, IOException {
        TorchTensorRef t = ref(key);
        if (!t.isContiguous()) {
            Checkpoint.super.copyTo(key, out);
            return;
        }
        int elem = t.dtype().size();
        long bytes = TensorInfo.numel(t.size()) * elem;
        IoUtils.transferFully(channel, t.storage().fileOffset() + t.offset() * elem, bytes, out);
    }

    /** The storage key a tensor views (tensors may share storages). */
    public String storageKey(String key) throws CheckpointException {
        return ref(key).storage().key();
    }

    private TorchTensorRef ref(String key) throws CheckpointException {
        return CheckpointException.requireTensor(tensors, path, key);
    }

    @Override
    public void close() {
        IoUtils.closeQuietly(channel);
    }
}
