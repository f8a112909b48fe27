package ai.legion.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.ConfigException;

/** Input and config checks shared by the CLIP blocks, with messages that name the block. */
final class ClipChecks {

    private ClipChecks() {}

    /** Validates a config at construction time, turning its checked exception into an IllegalArgumentException. */
    static ClipVisionConfig valid(String block, ClipVisionConfig config) {
        if (config == null) {
            throw new IllegalArgumentException(block + ": config must not be null");
        }
        try {
            config.validate();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(block + ": invalid CLIPVisionConfig: " + e.getMessage(), e);
        }
        return config;
    }

    /** Checks a token tensor {@code [B, T, C]} with the given width. */
    static void tokens(String block, NDArray x, long width) {
        if (x == null) {
            throw new IllegalArgumentException(block + ": expected hidden states [B, T, " + width + "], got null");
        }
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != width) {
            throw new IllegalArgumentException(block + ": expected hidden states [B, T, " + width + "], got " + s);
        }
    }
}
