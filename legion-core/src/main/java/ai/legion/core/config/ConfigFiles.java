package ai.legion.core.config;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Writes config records in their upstream JSON form (snake_case keys, 2-space indent), atomically. */
public final class ConfigFiles {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigFiles() {}

    /**
     * Writes a config record (e.g. {@link LegionConfig}, {@link ClipVisionConfig}, {@link SamConfig},
     * {@link ClipImageProcessorConfig}, {@link AddedTokens}) so that its {@code read} method reads it back.
     */
    public static void write(Path file, Object config) throws CheckpointException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, null, "cannot serialize " + config.getClass().getSimpleName() + ": " + e, e);
        }
        IoUtils.writeAtomically(file, bytes);
    }

    /**
     * Writes a config as HF's {@code save_pretrained} lays it out: object keys sorted at every level
     * ({@code json.dumps(..., sort_keys=True)} in {@code PretrainedConfig.to_json_string}), 2-space indent.
     */
    public static void writeSorted(Path file, Object config) throws CheckpointException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(sorted(JSON.valueToTree(config)));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CheckpointException(file, null, "cannot serialize " + config.getClass().getSimpleName() + ": " + e,
                    e);
        }
        IoUtils.writeAtomically(file, bytes);
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            for (String n : names) {
                out.set(n, sorted(node.get(n)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return node;
    }
}
