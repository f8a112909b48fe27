package ai.legion.models.clip;

import ai.legion.core.config.ClipEncoderConfig;
import ai.legion.core.config.ConfigException;

/** The config check of the CLIP blocks, with messages that name the block. */
final class ClipChecks {

    private ClipChecks() {}

    /** Validates a config at construction time, turning its checked exception into an IllegalArgumentException. */
    static <C extends ClipEncoderConfig> C valid(String block, C config) {
        if (config == null) {
            throw new IllegalArgumentException(block + ": config must not be null");
        }
        try {
            config.validate();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(block + ": invalid " + config.getClass().getSimpleName() + ": "
                    + e.getMessage(), e);
        }
        return config;
    }
}
