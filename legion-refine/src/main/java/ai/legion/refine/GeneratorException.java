package ai.legion.refine;

/**
 * A generator, inpainter or reviser call failed. The message names the server and endpoint, the HTTP
 * status when there was a response, and a truncated, redacted part of the response body; credentials
 * (API keys, Basic-auth passwords, Authorization headers) never appear in it.
 */
public class GeneratorException extends RefineException {

    private static final long serialVersionUID = 1L;

    private final String endpoint;
    private final int status;

    /**
     * An error of a call to {@code endpoint}.
     *
     * @param endpoint method and URL, e.g. {@code POST http://127.0.0.1:7860/sdapi/v1/img2img} (no credentials)
     * @param status the HTTP status, or 0 when no response arrived (timeout, connection refused, bad data)
     * @param message the full message
     * @param cause the underlying exception, or null
     */
    public GeneratorException(String endpoint, int status, String message, Throwable cause) {
        super(message, cause);
        this.endpoint = endpoint == null ? "" : endpoint;
        this.status = status;
    }

    /** An error without an HTTP exchange (e.g. a generator implemented in-process). */
    public GeneratorException(String message) {
        this("", 0, message, null);
    }

    /** The method and URL of the failed call ("" when not an HTTP call). */
    public String endpoint() {
        return endpoint;
    }

    /** The HTTP status of the last response, 0 when there was none. */
    public int status() {
        return status;
    }
}
