package ai.legion.core.io;

import ai.legion.core.io.torch.TorchCheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Converts checkpoints between torch zip ({@code .bin}) and safetensors, shard by shard, bit-exactly
 * (dtypes are kept, BF16 stays BF16). Tensors stream file-to-file one at a time, so memory stays
 * bounded by the largest non-contiguous tensor (contiguous ones are copied by the kernel).
 */
public final class CheckpointConverter {

    /**
     * What a conversion wrote.
     *
     * @param files the weight files written, in shard order
     * @param index the index written, or {@code null} for a single file
     * @param tensors number of tensors
     * @param bytes tensor bytes written
     */
    public record Result(List<Path> files, Path index, int tensors, long bytes) {}

    private CheckpointConverter() {}

    /**
     * Converts a torch checkpoint (folder, index or single file) to safetensors in {@code outDir}:
     * {@code pytorch_model-00001-of-00002.bin} becomes {@code model-00001-of-00002.safetensors}, the
     * index {@code model.safetensors.index.json}. Other files of a source folder (config, tokenizer)
     * are copied along unless already present.
     */
    public static Result toSafetensors(Path source, Path outDir) throws CheckpointException {
        try (Checkpoint ckpt = Checkpoints.open(source)) {
            List<Checkpoint> shards = ckpt instanceof ShardedCheckpoint s ? s.shards() : List.of(ckpt);
            List<Path> written = new ArrayList<>();
            Map<String, String> weightMap = new LinkedHashMap<>();
            long bytes = 0;
            int count = 0;
            for (Checkpoint shard : shards) {
                Path target = outDir.resolve(safetensorsName(shard.path().getFileName().toString()));
                SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
                for (String key : shard.keys()) {
                    if (ckpt.fileOf(key).equals(shard.path())) {
                        TensorInfo info = shard.info(key);
                        w.add(info, out -> shard.copyTo(key, out));
                        weightMap.put(key, target.getFileName().toString());
                        bytes += info.byteLength();
                        count++;
                    }
                }
                w.write(target);
                written.add(target);
            }
            Path index = null;
            if (ckpt instanceof ShardedCheckpoint) {
                index = outDir.resolve("model.safetensors.index.json");
                new ShardIndex(Map.of("total_size", bytes), weightMap).write(index);
            }
            copySidecars(ckpt.path(), outDir, shards);
            return new Result(written, index, count, bytes);
        }
    }

    /** Writes every tensor of a checkpoint into one torch zip file ({@code torch.load}-compatible). */
    public static Result toTorch(Checkpoint ckpt, Path target) throws CheckpointException {
        TorchCheckpointWriter w = new TorchCheckpointWriter();
        long bytes = 0;
        for (String key : ckpt.keys()) {
            TensorInfo info = ckpt.info(key);
            w.add(info, out -> ckpt.copyTo(key, out));
            bytes += info.byteLength();
        }
        w.write(target);
        return new Result(List.of(target), null, ckpt.keys().size(), bytes);
    }

    /** HF's naming: {@code pytorch_model*.bin} to {@code model*.safetensors}, other stems kept. */
    static String safetensorsName(String file) {
        String stem = file;
        for (String ext : List.of(".bin", ".pth", ".pt", ".safetensors")) {
            if (stem.endsWith(ext)) {
                stem = stem.substring(0, stem.length() - ext.length());
                break;
            }
        }
        if (stem.startsWith("pytorch_model")) {
            stem = "model" + stem.substring("pytorch_model".length());
        }
        return stem + ".safetensors";
    }

    private static void copySidecars(Path source, Path outDir, List<Checkpoint> shards) throws CheckpointException {
        Path dir = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(source) && !source.getFileName().toString().endsWith(".index.json")) {
            return; // a single file: nothing beside it belongs to it for sure
        }
        List<Path> skip = new ArrayList<>();
        shards.forEach(s -> skip.add(s.path().toAbsolutePath().normalize()));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                boolean weights = skip.contains(f.toAbsolutePath().normalize()) || name.endsWith(".index.json")
                        || name.endsWith(".bin") || name.endsWith(".pth") || name.endsWith(".pt")
                        || name.endsWith(".safetensors");
                Path target = outDir.resolve(name);
                if (!weights && Files.isRegularFile(f) && !Files.exists(target)) {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(dir, null, "cannot copy config and tokenizer files: " + e, e);
        }
    }
}
