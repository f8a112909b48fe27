package ai.legion.core.config;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;

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
}
