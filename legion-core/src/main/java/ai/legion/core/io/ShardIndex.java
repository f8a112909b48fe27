package ai.legion.core.io;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The index of a sharded checkpoint ({@code pytorch_model.bin.index.json},
 * {@code model.safetensors.index.json}): {@code {"metadata": {"total_size": N}, "weight_map": {key: shard}}}.
 *
 * @param metadata free-form metadata; {@code total_size} is the byte count of all tensors
 * @param weightMap tensor key to shard file name (relative to the index's folder)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardIndex(
        @JsonProperty("metadata") Map<String, Object> metadata,
        @JsonProperty("weight_map") Map<String, String> weightMap) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public ShardIndex {
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        weightMap = weightMap == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /** Shard file names in first-use order. */
    public Set<String> shards() {
        return new LinkedHashSet<>(weightMap.values());
    }

    /** Reads and validates an index: a non-empty weight map whose shard names stay inside the folder. */
    public static ShardIndex read(Path file) throws CheckpointException {
        ShardIndex index;
        try {
            index = JSON.readValue(file.toFile(), ShardIndex.class);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, null, "not a valid shard index (expected {\"metadata\": {...}, "
                    + "\"weight_map\": {key: file}}): " + e.getMessage(), e);
        }
        if (index == null || index.weightMap.isEmpty()) {
            throw new CheckpointException(file, null, "index has an empty or missing weight_map");
        }
        for (Map.Entry<String, String> e : index.weightMap.entrySet()) {
            String shard = e.getValue();
            if (shard == null || shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")
                    || shard.equals(".")) {
                throw new CheckpointException(file, e.getKey(), "shard name '" + shard
                        + "' must be a plain file name in the index's folder");
            }
        }
        return index;
    }

    /** Writes the index atomically, HF style (2-space indent). */
    public void write(Path file) throws CheckpointException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot serialize index: " + e, e);
        }
        IoUtils.writeAtomically(file, bytes);
    }

    /** Whether {@code file} looks like a shard index by name. */
    public static boolean isIndexFile(Path file) {
        return file.getFileName().toString().endsWith(".index.json") && Files.isRegularFile(file);
    }
}
