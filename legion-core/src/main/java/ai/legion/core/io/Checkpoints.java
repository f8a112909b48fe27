package ai.legion.core.io;

import ai.legion.core.io.torch.TorchZipCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Opens any supported checkpoint: a file, a shard index, or a model folder. */
public final class Checkpoints {

    /** File names tried, in order, when a folder is opened. */
    public static final List<String> FOLDER_CANDIDATES = List.of(
            "model.safetensors.index.json", "model.safetensors",
            "pytorch_model.bin.index.json", "pytorch_model.bin",
            "adapter_model.safetensors", "adapter_model.bin");

    private Checkpoints() {}

    /**
     * Opens a checkpoint.
     *
     * <ul>
     *   <li>a folder: the first of {@link #FOLDER_CANDIDATES} present;
     *   <li>a {@code *.index.json} file: all its shards as one checkpoint;
     *   <li>any other file: safetensors or torch zip, decided by content, not by extension.
     * </ul>
     */
    public static Checkpoint open(Path path) throws CheckpointException {
        if (Files.isDirectory(path)) {
            for (String name : FOLDER_CANDIDATES) {
                Path f = path.resolve(name);
                if (Files.isRegularFile(f)) {
                    return open(f);
                }
            }
            throw new CheckpointException(path, null, "no checkpoint in folder (looked for " + FOLDER_CANDIDATES + ")");
        }
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(path, null, "no such file");
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return ShardedCheckpoint.open(path);
        }
        return openFile(path);
    }

    /** Opens one checkpoint file, deciding the format by its first bytes. */
    static Checkpoint openFile(Path file) throws CheckpointException {
        return switch (sniff(file)) {
            case TORCH_ZIP, TORCH_LEGACY -> TorchZipCheckpoint.open(file);
            case SAFETENSORS -> SafetensorsFile.open(file);
        };
    }

    /** Checkpoint container formats. */
    public enum Format { SAFETENSORS, TORCH_ZIP, TORCH_LEGACY }

    /** Detects the format from the first bytes (zip magic, pickle protocol byte, else safetensors). */
    public static Format sniff(Path file) throws CheckpointException {
        ByteBuffer head = ByteBuffer.allocate(4);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // read up to 4 bytes
            }
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot open: " + e, e);
        }
        byte[] b = head.array();
        if (head.position() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
            return Format.TORCH_ZIP;
        }
        if (head.position() >= 2 && (b[0] & 0xFF) == 0x80 && b[1] >= 1 && b[1] <= 5) {
            return Format.TORCH_LEGACY;
        }
        return Format.SAFETENSORS;
    }
}
