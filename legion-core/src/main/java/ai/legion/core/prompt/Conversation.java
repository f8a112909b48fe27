package ai.legion.core.prompt;

/**
 * LLaVA's {@code llava_v1} conversation template (separator style TWO) that LEGION trains and infers
 * with: {@code "{system} USER: {user} ASSISTANT: {answer}</s>"}, or ending in {@code "ASSISTANT:"}
 * (no trailing space) when the answer is still to be generated.
 */
public final class Conversation {

    /** The system prompt ("curious human", not Vicuna's "curious user"). */
    public static final String SYSTEM = "A chat between a curious human and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the human's questions.";
    public static final String USER = "USER";
    public static final String ASSISTANT = "ASSISTANT";
    /** Separator after the user turn. */
    public static final String SEP = " ";
    /** Separator after the assistant turn (the EOS text). */
    public static final String SEP2 = "</s>";

    private Conversation() {}

    /**
     * Renders one exchange.
     *
     * @param user the user message
     * @param answer the assistant message, or {@code null} (or empty) for an inference prompt
     */
    public static String render(String user, String answer) {
        StringBuilder sb = new StringBuilder(SYSTEM).append(SEP);
        sb.append(USER).append(": ").append(user).append(SEP);
        if (answer == null || answer.isEmpty()) {
            sb.append(ASSISTANT).append(':');
        } else {
            sb.append(ASSISTANT).append(": ").append(answer).append(SEP2);
        }
        return sb.toString();
    }

    /** The text that separates the instruction part of a round from its answer. */
    static String answerSeparator() {
        return SEP + ASSISTANT + ": ";
    }
}
