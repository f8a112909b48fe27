package ai.legion.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Small file helpers shared by the checkpoint readers and writers. */
public final class IoUtils {

    private IoUtils() {}

    /** Fills {@code dst} from {@code position}, failing at end of file. */
    public static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at offset " + pos);
            }
            pos += n;
        }
    }

    /**
     * Fills {@code dst} with the {@code length} bytes at {@code position} of a checkpoint file: the positional read
     * of {@link Checkpoint#readInto} ({@code tensor} names the key in messages).
     */
    public static void readTensor(FileChannel ch, Path file, String tensor, long position, long length, ByteBuffer dst)
            throws CheckpointException {
        if (dst.remaining() < length) {
            throw new CheckpointException(file, tensor, "needs " + length + " bytes, the buffer has "
                    + dst.remaining());
        }
        ByteBuffer window = dst.duplicate();
        window.limit(Math.toIntExact(window.position() + length));
        try {
            readFully(ch, window, position);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, tensor, "cannot read " + length + " bytes at offset " + position
                    + " (file of " + sizeOf(ch) + " bytes: truncated or damaged since it was opened?): " + e, e);
        }
        dst.position(window.position());
    }

    private static String sizeOf(FileChannel ch) {
        try {
            return Long.toString(ch.size());
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Copies {@code length} bytes at {@code position} file-to-channel, looping until all are written. */
    public static void transferFully(FileChannel src, long position, long length, WritableByteChannel out)
            throws IOException {
        long done = 0;
        while (done < length) {
            long n = src.transferTo(position + done, length - done, out);
            if (n <= 0) {
                throw new IOException("unexpected end of file at offset " + (position + done));
            }
            done += n;
        }
    }

    /** Writes the whole buffer. */
    public static void writeFully(WritableByteChannel out, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            out.write(src);
        }
    }

    /** Closes, ignoring failures (for read-only resources and cleanup paths). */
    public static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing useful to do
        }
    }

    /** Writes a file through a channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel out) throws IOException, CheckpointException;
    }

    /**
     * Writes {@code target} atomically: the content goes to a temporary file in the same folder, is
     * forced to disk, then renamed over the target, so readers see the old file or the complete new
     * one, never a partial write. On failure the temporary file is removed and the target untouched.
     */
    public static void writeAtomically(Path target, ChannelWriter writer) throws CheckpointException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            boolean synced = false;
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(out);
                if (out.isOpen()) {
                    out.force(true);
                    synced = true;
                }
            }
            if (!synced) { // writers such as zip streams close the channel themselves
                try (FileChannel sync = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    sync.force(true);
                }
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw new CheckpointException(target, null, "cannot write: " + e, e);
        } catch (CheckpointException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** {@link #writeAtomically(Path, ChannelWriter)} of a byte array. */
    public static void writeAtomically(Path target, byte[] bytes) throws CheckpointException {
        writeAtomically(target, out -> writeFully(out, ByteBuffer.wrap(bytes)));
    }

    /** Deletes a file, or a folder with everything below it (deepest first); nothing when it does not exist. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
