package ai.legion.refine;

/**
 * The paper's {@code Revise(P_t, M_t)} (Eq. 5): turns the current prompt and the memory bank of LEGION's
 * explanations into the next prompt. Implementations: {@link RuleBasedReviser} (offline, deterministic)
 * and {@code server.OpenAiChatReviser} (an OpenAI-compatible chat model with upstream's instruction).
 */
@FunctionalInterface
public interface PromptReviser {

    /**
     * Revises a prompt.
     *
     * @param prompt the prompt of the latest iteration
     * @param memory every earlier iteration's prompt and report, oldest first (never empty)
     * @return the revised prompt (not blank)
     * @throws GeneratorException when a remote reviser fails
     */
    String revise(String prompt, MemoryBank memory) throws GeneratorException;
}
