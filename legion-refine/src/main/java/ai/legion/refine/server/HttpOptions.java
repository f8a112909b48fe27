package ai.legion.refine.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts, size caps and retries of a server client.
 *
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout the deadline of one attempt, from sending the request to the last byte of the response
 *     body (image generation can take minutes)
 * @param maxRetries retries after the first attempt (0 = none); only 5xx, 408, 429, I/O errors and
 *     timeouts are retried
 * @param initialBackoff the wait before the first retry; doubled for each further retry
 * @param maxBackoff the longest wait between attempts (also caps a server's {@code Retry-After})
 * @param totalTimeout the deadline of a call with all its attempts and waits; at least {@code requestTimeout}
 * @param maxResponseBytes the largest response body accepted; a larger declared {@code Content-Length} is
 *     refused before reading, a longer streamed body is cut off when it passes the cap
 */
public record HttpOptions(Duration connectTimeout, Duration requestTimeout, int maxRetries, Duration initialBackoff,
        Duration maxBackoff, Duration totalTimeout, long maxResponseBytes) {

    /** Most retries accepted (bounded so a dead server cannot keep a loop waiting forever). */
    public static final int MAX_RETRIES = 10;

    /** The default {@link #totalTimeout()} (raised to the request timeout when that is longer). */
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofMinutes(30);

    /**
     * The default {@link #maxResponseBytes()}: a base64 PNG of a 2048x2048 RGBA image is about 22 MiB, so 64 MiB
     * leaves room while bounding what a hostile server can make the process allocate.
     */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L << 20;

    /** Validates the values. */
    public HttpOptions {
        positive(connectTimeout, "connectTimeout");
        positive(requestTimeout, "requestTimeout");
        positive(totalTimeout, "totalTimeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff durations must be >= 0");
        }
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new IllegalArgumentException("maxRetries must lie in [0, " + MAX_RETRIES + "], got " + maxRetries);
        }
        if (totalTimeout.compareTo(requestTimeout) < 0) {
            throw new IllegalArgumentException("totalTimeout (" + totalTimeout + ") must be >= requestTimeout ("
                    + requestTimeout + "): a single attempt could never use its whole deadline");
        }
        if (maxResponseBytes <= 0) {
            throw new IllegalArgumentException("maxResponseBytes must be positive, got " + maxResponseBytes);
        }
    }

    /**
     * Options with the default total timeout (30 min, or {@code requestTimeout} when longer) and response cap
     * (64 MiB).
     */
    public HttpOptions(Duration connectTimeout, Duration requestTimeout, int maxRetries, Duration initialBackoff,
            Duration maxBackoff) {
        this(connectTimeout, requestTimeout, maxRetries, initialBackoff, maxBackoff,
                atLeast(DEFAULT_TOTAL_TIMEOUT, requestTimeout), DEFAULT_MAX_RESPONSE_BYTES);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    private static Duration atLeast(Duration d, Duration min) {
        return min != null && d.compareTo(min) < 0 ? min : d;
    }

    /** Connect 10 s, request 10 min, 3 retries, backoff 1 s doubling up to 16 s, total 30 min, responses 64 MiB. */
    public static HttpOptions defaults() {
        return new HttpOptions(Duration.ofSeconds(10), Duration.ofMinutes(10), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(16));
    }

    /** A copy with another request timeout (the total timeout is raised to it when shorter). */
    public HttpOptions withRequestTimeout(Duration value) {
        return new HttpOptions(connectTimeout, value, maxRetries, initialBackoff, maxBackoff,
                atLeast(totalTimeout, value), maxResponseBytes);
    }

    /** A copy with another connect timeout. */
    public HttpOptions withConnectTimeout(Duration value) {
        return new HttpOptions(value, requestTimeout, maxRetries, initialBackoff, maxBackoff, totalTimeout,
                maxResponseBytes);
    }

    /** A copy with other retry settings. */
    public HttpOptions withRetries(int retries, Duration initial, Duration max) {
        return new HttpOptions(connectTimeout, requestTimeout, retries, initial, max, totalTimeout, maxResponseBytes);
    }

    /** A copy with another total timeout (all attempts and waits of one call). */
    public HttpOptions withTotalTimeout(Duration value) {
        return new HttpOptions(connectTimeout, requestTimeout, maxRetries, initialBackoff, maxBackoff, value,
                maxResponseBytes);
    }

    /** A copy with another response size cap. */
    public HttpOptions withMaxResponseBytes(long value) {
        return new HttpOptions(connectTimeout, requestTimeout, maxRetries, initialBackoff, maxBackoff, totalTimeout,
                value);
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
