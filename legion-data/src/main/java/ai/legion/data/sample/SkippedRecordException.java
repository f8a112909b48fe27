package ai.legion.data.sample;

/** A record that cannot become a sample (no phrase found in its caption, unreadable image, no label). */
public final class SkippedRecordException extends Exception {

    public SkippedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
