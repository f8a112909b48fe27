package ai.legion.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several checkpoint files seen as one, via a shard index. Every key of the index must exist in the
 * shard it names; keys a shard holds beyond the index are included too (as HF's loader does).
 */
public final class ShardedCheckpoint implements Checkpoint {

    private final Path indexFile;
    private final List<Checkpoint> shards;
    private final Map<String, Checkpoint> owner;
    private final Map<String, TensorInfo> infos;

    private ShardedCheckpoint(Path indexFile, List<Checkpoint> shards, Map<String, Checkpoint> owner) {
        this.indexFile = indexFile;
        this.shards = shards;
        this.owner = owner;
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        owner.forEach((k, c) -> m.put(k, c.info(k)));
        this.infos = Collections.unmodifiableMap(m);
    }

    /** Opens every shard of an index (closing them all again if one fails). */
    public static ShardedCheckpoint open(Path indexFile) throws CheckpointException {
        ShardIndex index = ShardIndex.read(indexFile);
        Path dir = indexFile.toAbsolutePath().getParent();
        List<Checkpoint> opened = new ArrayList<>();
        try {
            Map<String, Checkpoint> byShard = new LinkedHashMap<>();
            for (String shard : index.shards()) {
                Path file = dir.resolve(shard);
                if (!Files.isRegularFile(file)) {
                    throw new CheckpointException(indexFile, null, "shard '" + shard + "' named by the index is missing");
                }
                Checkpoint c = Checkpoints.openFile(file);
                opened.add(c);
                byShard.put(shard, c);
            }
            Map<String, Checkpoint> owner = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                Checkpoint c = byShard.get(e.getValue());
                if (!c.contains(e.getKey())) {
                    throw new CheckpointException(c.path(), e.getKey(), "the index places this tensor in '"
                            + e.getValue() + "' but the shard does not hold it");
                }
                owner.put(e.getKey(), c);
            }
            for (Checkpoint c : opened) {
                for (String k : c.keys()) {
                    owner.putIfAbsent(k, c); // where a key is held twice, the index decides
                }
            }
            return new ShardedCheckpoint(indexFile, List.copyOf(opened), owner);
        } catch (CheckpointException | RuntimeException e) {
            opened.forEach(IoUtils::closeQuietly);
            throw e;
        }
    }

    @Override
    public Path path() {
        return indexFile;
    }

    /** The opened shard files. */
    public List<Checkpoint> shards() {
        return shards;
    }

    @Override
    public Map<String, TensorInfo> infos() {
        return infos;
    }

    @Override
    public ByteBuffer read(String key) throws CheckpointException {
        return shard(key).read(key);
    }

    @Override
    public void readInto(String key, ByteBuffer dst) throws CheckpointException {
        shard(key).readInto(key, dst);
    }

    @Override
    public void copyTo(String key, WritableByteChannel out) throws CheckpointException, IOException {
        shard(key).copyTo(key, out);
    }

    @Override
    public Path fileOf(String key) {
        Checkpoint c = owner.get(key);
        return c == null ? indexFile : c.path();
    }

    private Checkpoint shard(String key) throws CheckpointException {
        return CheckpointException.requireTensor(owner, indexFile, key);
    }

    @Override
    public void close() {
        shards.forEach(IoUtils::closeQuietly);
    }
}
