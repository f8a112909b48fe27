package ai.legion.data.sample;

import ai.legion.core.text.SafeText;

/**
 * A record that cannot become a sample (no phrase found in its caption, unreadable image, no label). The
 * message quotes the record, so its control and invisible characters are shown escaped.
 */
public final class SkippedRecordException extends Exception {

    public SkippedRecordException(String message, Throwable cause) {
        super(SafeText.forTerminalLine(message, SafeText.UNLIMITED), cause);
    }
}
