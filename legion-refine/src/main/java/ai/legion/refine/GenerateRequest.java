package ai.legion.refine;

import java.util.Objects;

/**
 * A text-to-image call.
 *
 * @param prompt the prompt
 * @param settings sampling settings (seed, steps, guidance, size, negative prompt)
 */
public record GenerateRequest(String prompt, GenerationSettings settings) {

    /** Checks that both are present and the prompt is not blank. */
    public GenerateRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(settings, "settings");
        if (prompt.isBlank()) {
            throw new IllegalArgumentException("the prompt is blank");
        }
    }
}
