package ai.legion.core.io.torch;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.io.SafetensorsWriter.TensorSource;
import ai.legion.core.io.TensorInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Writes a state dict in the zip format of {@code torch.save} (pickle protocol 2, storages stored
 * uncompressed and 64-byte aligned), loadable by {@code torch.load}. Each tensor gets its own
 * contiguous storage. The file is written atomically.
 */
public final class TorchCheckpointWriter {

    private record Item(TensorInfo info, TensorSource source) {}

    private final List<Item> items = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Adds a tensor whose little-endian bytes a source streams at write time. */
    public TorchCheckpointWriter add(TensorInfo info, TensorSource source) {
        if (!names.add(info.name())) {
            throw new IllegalArgumentException("duplicate tensor name " + info.name());
        }
        items.add(new Item(info, source));
        return this;
    }

    /** Writes the checkpoint; the zip's top folder is the file stem, as torch names it. */
    public void write(Path target) throws CheckpointException {
        String file = target.getFileName().toString();
        int dot = file.lastIndexOf('.');
        String archive = (dot > 0 ? file.substring(0, dot) : file) + "/";
        byte[] pickle = pickle();
        IoUtils.writeAtomically(target, channel -> {
            try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(channel)) {
                zip.setUseZip64(Zip64Mode.AsNeeded);
                putStored(zip, archive + "data.pkl", pickle);
                putStored(zip, archive + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < items.size(); i++) {
                    Item item = items.get(i);
                    ZipArchiveEntry e = storedEntry(archive + "data/" + i, item.info.byteLength());
                    zip.putArchiveEntry(e);
                    CountingChannel counting = new CountingChannel(zip);
                    item.source.writeTo(counting);
                    if (counting.count != item.info.byteLength()) {
                        throw new CheckpointException(target, item.info.name(), "source wrote " + counting.count
                                + " bytes, expected " + item.info.byteLength());
                    }
                    zip.closeArchiveEntry();
                }
                putStored(zip, archive + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
                zip.finish();
            }
        });
    }

    private static ZipArchiveEntry storedEntry(String name, long size) {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setMethod(ZipArchiveEntry.STORED);
        e.setSize(size);
        e.setAlignment(64);
        e.setTime(315532800000L); // 1980-01-01, the zip epoch torch uses: reproducible files
        return e;
    }

    private static void putStored(ZipArchiveOutputStream zip, String name, byte[] data) throws IOException {
        zip.putArchiveEntry(storedEntry(name, data.length));
        zip.write(data);
        zip.closeArchiveEntry();
    }

    /** The data.pkl of an OrderedDict of {@code _rebuild_tensor_v2} calls, as torch.save writes it. */
    private byte[] pickle() {
        PickleWriter p = new PickleWriter().proto();
        p.global("collections", "OrderedDict").op(')').op('R');
        boolean open = false;
        for (int i = 0; i < items.size(); i++) {
            if (i % 1000 == 0) { // pickle batches SETITEMS in groups of 1000
                if (open) {
                    p.op('u');
                }
                p.mark();
                open = true;
            }
            TensorInfo info = items.get(i).info;
            long[] shape = info.shape();
            long[] stride = new long[shape.length];
            long s = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                stride[d] = s;
                s *= Math.max(shape[d], 1);
            }
            p.string(info.name());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.mark();
            p.mark().string("storage").global("torch", info.dtype().torchStorageName()).string(Integer.toString(i))
                    .string("cpu").integer(info.numel()).op('t').binPersId();
            p.integer(0).tuple(shape).tuple(stride).newFalse();
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
        }
        if (open) {
            p.op('u');
        }
        return p.op('.').toByteArray();
    }

    /**
     * The channel a source writes one entry through. Heap buffers go to the zip stream in one call (one CRC
     * update and one file write per buffer, not one per 8 kB as {@code Channels.newChannel} would do): this is
     * what makes multi-GB shards write at disk speed.
     */
    private static final class CountingChannel implements WritableByteChannel {
        private static final int SCRATCH = 1 << 20;

        private final OutputStream out;
        private byte[] scratch;
        long count;

        CountingChannel(OutputStream out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (src.hasArray()) {
                out.write(src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.position() + n);
            } else {
                if (scratch == null) {
                    scratch = new byte[Math.min(SCRATCH, Math.max(n, 1))];
                }
                while (src.hasRemaining()) {
                    int k = Math.min(src.remaining(), scratch.length);
                    src.get(scratch, 0, k);
                    out.write(scratch, 0, k);
                }
            }
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true; // for as long as the writer streams this entry
        }

        @Override
        public void close() {
            // the zip stream is closed by the writer
        }
    }
}
