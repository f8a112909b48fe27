package ai.legion.serve;

/** A request that ends with an HTTP error status and the JSON body {@code {"error": message}}. */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
