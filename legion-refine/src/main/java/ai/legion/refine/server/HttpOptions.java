package ai.legion.refine.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and retries of a server client.
 *
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout the whole request, response included (image generation can take minutes)
 * @param maxRetries retries after the first attempt (0 = none); only 5xx, 408, 429, I/O errors and
 *     timeouts are retried
 * @param initialBackoff the wait before the first retry; doubled for each further retry
 * @param maxBackoff the longest wait between attempts (also caps a server's {@code Retry-After})
 */
public record HttpOptions(Duration connectTimeout, Duration requestTimeout, int maxRetries, Duration initialBackoff,
        Duration maxBackoff) {

    /** Most retries accepted (bounded so a dead server cannot keep a loop waiting forever). */
    public static final int MAX_RETRIES = 10;

    /** Validates the values. */
    public HttpOptions {
        positive(connectTimeout, "connectTimeout");
        positive(requestTimeout, "requestTimeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff durations must be >= 0");
        }
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new IllegalArgumentException("maxRetries must lie in [0, " + MAX_RETRIES + "], got " + maxRetries);
        }
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /** Connect 10 s, request 10 min, 3 retries, backoff 1 s doubling up to 16 s. */
    public static HttpOptions defaults() {
        return new HttpOptions(Duration.ofSeconds(10), Duration.ofMinutes(10), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(16));
    }

    /** A copy with another request timeout. */
    public HttpOptions withRequestTimeout(Duration value) {
        return new HttpOptions(connectTimeout, value, maxRetries, initialBackoff, maxBackoff);
    }

    /** A copy with another connect timeout. */
    public HttpOptions withConnectTimeout(Duration value) {
        return new HttpOptions(value, requestTimeout, maxRetries, initialBackoff, maxBackoff);
    }

    /** A copy with other retry settings. */
    public HttpOptions withRetries(int retries, Duration initial, Duration max) {
        return new HttpOptions(connectTimeout, requestTimeout, retries, initial, max);
    }

    /** The wait before retry number {@code retry} (1-based): {@code initial * 2^(retry-1)}, capped. */
    public Duration backoff(int retry) {
        long ms = initialBackoff.toMillis();
        for (int i = 1; i < retry && ms < maxBackoff.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }
}
