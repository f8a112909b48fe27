package ai.legion.refine;

import ai.legion.core.text.SafeText;

/**
 * A refinement loop failed: a generator or reviser call, an output file, or the analysis of an image. Server
 * answers and model output quoted in the message have their control and invisible characters shown escaped
 * ({@link SafeText#forTerminalLine}).
 */
public class RefineException extends Exception {

    private static final long serialVersionUID = 1L;

    /** An error with a message that says what failed (file, server, iteration). */
    public RefineException(String message) {
        super(SafeText.forTerminalLine(message, SafeText.UNLIMITED));
    }

    /** An error with its cause. */
    public RefineException(String message, Throwable cause) {
        super(SafeText.forTerminalLine(message, SafeText.UNLIMITED), cause);
    }
}
