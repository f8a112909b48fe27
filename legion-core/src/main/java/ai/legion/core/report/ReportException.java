package ai.legion.core.report;

import ai.legion.core.text.SafeText;
import java.nio.file.Path;

/**
 * A report file (JSON or mask PNG) could not be read or written, or its content is not a valid report:
 * the message names the file, when there is one, and what was found and expected (control and invisible
 * characters escaped, {@link SafeText#forTerminalLine}).
 */
public class ReportException extends Exception {

    private final transient Path file;

    /** A problem with {@code file} ({@code null} for in-memory input). */
    public ReportException(Path file, String message) {
        this(file, message, null);
    }

    /** A problem with {@code file} ({@code null} for in-memory input) caused by {@code cause}. */
    public ReportException(Path file, String message, Throwable cause) {
        super(SafeText.forTerminalLine(file == null ? message : file + ": " + message, SafeText.UNLIMITED), cause);
        this.file = file;
    }

    /** The file at fault, or {@code null}. */
    public Path file() {
        return file;
    }
}
