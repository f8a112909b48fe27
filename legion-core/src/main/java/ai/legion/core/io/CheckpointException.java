package ai.legion.core.io;

import ai.legion.core.text.SafeText;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint, tensor file or config could not be read or written: the message names the file and,
 * where one is involved, the tensor key, together with what was found and what was expected.
 *
 * <p>File names, keys and the strings a message quotes come from the file, so the message shows their control
 * and invisible characters escaped ({@link SafeText#forTerminalLine}): it can be printed or logged as it is.
 * {@link #file()} and {@link #tensor()} keep the exact values.
 */
public class CheckpointException extends Exception {

    private final transient Path file;
    private final String tensor;

    public CheckpointException(Path file, String tensor, String message) {
        this(file, tensor, message, null);
    }

    public CheckpointException(Path file, String tensor, String message, Throwable cause) {
        super(describe(file, tensor, message), cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file at fault, or {@code null}. */
    public Path file() {
        return file;
    }

    /** The tensor key at fault, or {@code null} when the problem is not tied to one tensor. */
    public String tensor() {
        return tensor;
    }

    /**
     * The entry of a tensor key in a reader's index.
     *
     * @throws CheckpointException "no such tensor", naming {@code file} and the key, when the index lacks it
     */
    public static <T> T requireTensor(Map<String, T> index, Path file, String key) throws CheckpointException {
        T t = index.get(key);
        if (t == null) {
            throw new CheckpointException(file, key, "no such tensor");
        }
        return t;
    }

    private static String describe(Path file, String tensor, String message) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file);
        }
        if (tensor != null) {
            sb.append(sb.length() > 0 ? " " : "").append("[tensor '").append(tensor).append("']");
        }
        if (sb.length() > 0) {
            sb.append(": ");
        }
        return SafeText.forTerminalLine(sb.append(message), SafeText.UNLIMITED);
    }
}
