package ai.legion.core.image;

import ai.legion.core.text.SafeText;
import java.util.Objects;

/**
 * An image could not be loaded: the message names the source (file path or the name given for a
 * stream) and says what was wrong and, where the caller can do something about it, how to fix it.
 *
 * <p>{@link #kind()} classifies the failure so that callers (batch tools, servers) can decide whether
 * to skip an input, report a user error or retry with other {@link ImageLoader.Options}.
 *
 * <p>The message shows control and invisible characters of the source name and reason escaped
 * ({@link SafeText#forTerminalLine}); {@link #source()} and {@link #reason()} keep the exact values.
 */
public class ImageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an image could not be loaded. */
    public enum Kind {
        /** The file does not exist. */
        NOT_FOUND,
        /** The path is a directory or another non-regular file (device, pipe). */
        NOT_A_FILE,
        /** The file exists but cannot be read (permissions, I/O error). */
        UNREADABLE,
        /** The file or stream has no bytes. */
        EMPTY,
        /** No installed ImageIO reader recognizes the data (not an image, or an unsupported format). */
        UNSUPPORTED_FORMAT,
        /** The data is recognized but truncated or corrupt. */
        CORRUPT,
        /** The header declares a zero or negative width or height. */
        INVALID_SIZE,
        /** The image has more pixels than {@link ImageLoader.Options#maxPixels()} allows, or does not fit in memory. */
        TOO_LARGE,
        /** Decoding took longer than {@link ImageLoader.Options#decodeTimeout()}. */
        TIMEOUT
    }

    private final String source;
    private final Kind kind;
    private final String reason;

    /**
     * @param source file path or stream name, used as the message prefix
     * @param kind failure class
     * @param reason what was wrong (and how to fix it where possible)
     * @param cause underlying exception, or {@code null}
     */
    public ImageException(String source, Kind kind, String reason, Throwable cause) {
        super(SafeText.forTerminalLine(source + ": " + reason, SafeText.UNLIMITED), cause);
        this.source = source;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reason = reason;
    }

    /** Same as {@link #ImageException(String, Kind, String, Throwable)} without a cause. */
    public ImageException(String source, Kind kind, String reason) {
        this(source, kind, reason, null);
    }

    /** The file path or stream name. */
    public String source() {
        return source;
    }

    /** The failure class. */
    public Kind kind() {
        return kind;
    }

    /** The message without the source prefix. */
    public String reason() {
        return reason;
    }
}
