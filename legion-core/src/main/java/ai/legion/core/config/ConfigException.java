package ai.legion.core.config;

import ai.legion.core.io.CheckpointException;
import java.nio.file.Path;

/**
 * A configuration file (or a preset, or checkpoint shapes a configuration is inferred from) is
 * unreadable, malformed or holds a value this implementation does not accept. The message names the
 * file and the offending field, e.g. {@code .../config.json: hidden_size 30 is not divisible by
 * num_attention_heads 4}.
 */
public class ConfigException extends CheckpointException {

    private final String detail;

    /** A problem in {@code file} (null if not file-bound), {@code tensor} null unless a tensor key is at fault. */
    public ConfigException(Path file, String tensor, String message) {
        this(file, tensor, message, null);
    }

    /** As {@link #ConfigException(Path, String, String)}, with the underlying cause. */
    public ConfigException(Path file, String tensor, String message, Throwable cause) {
        super(file, tensor, message, cause);
        this.detail = message;
    }

    /** The problem without the file / tensor prefix of {@link #getMessage()}. */
    public String detail() {
        return detail;
    }

    /**
     * The same problem attributed to {@code file}: {@code validate()} runs without knowing where a
     * config came from, so {@code read(Path)} re-throws its findings through this.
     */
    public ConfigException inFile(Path file) {
        ConfigException e = new ConfigException(file, tensor(), detail, getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
