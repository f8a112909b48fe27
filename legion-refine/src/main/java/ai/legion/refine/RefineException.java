package ai.legion.refine;

/** A refinement loop failed: a generator or reviser call, an output file, or the analysis of an image. */
public class RefineException extends Exception {

    private static final long serialVersionUID = 1L;

    /** An error with a message that says what failed (file, server, iteration). */
    public RefineException(String message) {
        super(message);
    }

    /** An error with its cause. */
    public RefineException(String message, Throwable cause) {
        super(message, cause);
    }
}
