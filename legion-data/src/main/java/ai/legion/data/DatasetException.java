package ai.legion.data;

import ai.legion.core.text.SafeText;
import java.nio.file.Path;

/**
 * A dataset (or a file of it) cannot be read: the message names the file and what was expected. Ids,
 * captions and file names it quotes come from the dataset, so their control and invisible characters are
 * shown escaped ({@link SafeText#forTerminalLine}).
 */
public class DatasetException extends Exception {

    private final transient Path file;

    public DatasetException(Path file, String message) {
        this(file, message, null);
    }

    public DatasetException(Path file, String message, Throwable cause) {
        super(SafeText.forTerminalLine((file == null ? "" : file + ": ") + message, SafeText.UNLIMITED), cause);
        this.file = file;
    }

    /** The file at fault, or {@code null}. */
    public Path file() {
        return file;
    }

    /** Carries a {@link DatasetException} out of an {@link java.util.Iterator}. */
    public static final class Unchecked extends RuntimeException {
        public Unchecked(DatasetException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized DatasetException getCause() {
            return (DatasetException) super.getCause();
        }
    }
}
