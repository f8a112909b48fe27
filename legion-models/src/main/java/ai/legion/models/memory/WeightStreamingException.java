package ai.legion.models.memory;

/**
 * A streamed layer's weights could not be read while the model ran (a checkpoint file that was truncated, changed
 * or removed after loading, or a weight holding NaN): the message names the layer, the file and the tensor. The
 * model stays usable: the layer is read again the next time it runs.
 */
public class WeightStreamingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     * @param cause the reader's exception
     */
    public WeightStreamingException(String message, Throwable cause) {
        super(message, cause);
    }
}
