package ai.legion.refine.server;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A credential (API key, or {@code user:password} for HTTP Basic) that is read only when a request is
 * built and never logged: {@link #toString()} names its origin, not its value, and clients redact it from
 * error messages. Either from an environment variable (read at each use) or from a {@code char[]}
 * supplier, whose array is wiped after each use (so return a fresh copy each time).
 */
public final class ApiKey {

    private final String env;
    private final Supplier<char[]> supplier;

    private ApiKey(String env, Supplier<char[]> supplier) {
        this.env = env;
        this.supplier = supplier;
    }

    /** The value of environment variable {@code name}, read at each request. */
    public static ApiKey fromEnv(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the environment variable name is blank");
        }
        return new ApiKey(name, null);
    }

    /** A supplied key; the returned array is zeroed after use. */
    public static ApiKey of(Supplier<char[]> supplier) {
        return new ApiKey(null, Objects.requireNonNull(supplier, "supplier"));
    }

    /**
     * The value (internal use).
     *
     * @throws IllegalStateException naming the environment variable when it is not set, or when the
     *     supplier gives nothing
     */
    String reveal() {
        if (env != null) {
            String v = System.getenv(env);
            if (v == null || v.isBlank()) {
                throw new IllegalStateException("environment variable " + env + " is not set (it should hold the key)");
            }
            return v.strip();
        }
        char[] c = supplier.get();
        if (c == null || c.length == 0) {
            throw new IllegalStateException("the API key supplier returned no key");
        }
        try {
            return new String(c).strip();
        } finally {
            Arrays.fill(c, '\0');
        }
    }

    /** The value if it can be read, else null (for redaction only). */
    String revealOrNull() {
        try {
            return reveal();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return env != null ? "ApiKey[env " + env + "]" : "ApiKey[supplied]";
    }
}
