package ai.legion.refine.server;

import ai.legion.core.text.SafeText;
import ai.legion.refine.GeneratorException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP exchange shared by the clients: deadlines over headers and body, a response size cap (see
 * {@link CappedBody}), bounded retries with exponential backoff (5xx, 408,
 * 429, I/O errors and timeouts; other 4xx fail at once), and {@link GeneratorException}s that name the
 * server, endpoint and status with a truncated body from which credentials are redacted. Logs name the
 * endpoint and status only, never headers.
 */
final class HttpSupport {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSupport.class);
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_BODY_IN_MESSAGE = 300;
    /** The most bytes of an error status's body that are read (the message quotes at most 300 characters). */
    static final int ERROR_BODY_BYTES = 4096;

    private static final Pattern BEARER = Pattern.compile("(?i)(bearer|basic)\\s+[A-Za-z0-9._~+/=-]+");
    private static final Pattern KEY_LIKE = Pattern.compile("\\bsk-[A-Za-z0-9_-]{6,}");
    private static final Pattern KEY_FIELD = Pattern.compile(
            "(?i)(\"?(?:api[_-]?key|authorization|password|token)\"?\\s*[:=]\\s*\"?)[^\"\\s,}]+");

    /** A response: status, headers, body bytes. */
    record Response(int status, HttpHeaders headers, byte[] body, boolean truncated) {
        Response {
            body = body == null ? new byte[0] : body;
        }

        String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }
    }

    private final String label;
    private final HttpOptions options;
    private final HttpClient client;
    private final List<ApiKey> secrets;
    private final IntFunction<String> hints;

    /**
     * @param label the server's name in messages, e.g. {@code AUTOMATIC1111}
     * @param secrets credentials to redact from messages
     * @param hints an extra sentence for a status (e.g. 404 on A1111: "start it with --api"), or null
     */
    HttpSupport(String label, HttpOptions options, List<ApiKey> secrets, IntFunction<String> hints) {
        this.label = Objects.requireNonNull(label, "label");
        this.options = Objects.requireNonNull(options, "options");
        this.secrets = List.copyOf(secrets);
        this.hints = hints != null ? hints : s -> null;
        this.client = HttpClient.newBuilder().connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    HttpOptions options() {
        return options;
    }

    String label() {
        return label;
    }

    /** Checks a server's base URL: http(s), a host, no credentials, no query. */
    static URI baseUri(URI uri, String what) {
        Objects.requireNonNull(uri, what);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException(what + " must be an http:// or https:// URL, got '" + uri.getScheme()
                    + "' scheme");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(what + " has no host: " + safe(uri));
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(what + " contains credentials: pass them with basicAuth/apiKey instead of"
                    + " the URL (" + safe(uri) + ")");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(what + " must not have a query or fragment: " + safe(uri));
        }
        String s = uri.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    private static String safe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + Objects.requireNonNullElse(uri.getRawPath(), "");
    }

    /** POSTs JSON and parses a JSON answer. */
    JsonNode postJson(URI uri, JsonNode body, Map<String, String> headers) throws GeneratorException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a request body", e);
        }
        Response r = send("POST", uri, bytes, "application/json", headers);
        return json(r, "POST " + uri);
    }

    /** GETs and parses a JSON answer. */
    JsonNode getJson(URI uri, Map<String, String> headers) throws GeneratorException {
        return json(send("GET", uri, null, null, headers), "GET " + uri);
    }

    /** The response body as JSON, or an error quoting the start of the body. */
    JsonNode json(Response r, String endpoint) throws GeneratorException {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n == null || n.isMissingNode()) {
                throw fail(endpoint, r.status(), "returned an empty body where JSON was expected", null);
            }
            return n;
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
            throw fail(endpoint, r.status(), "returned malformed JSON (HTTP " + r.status() + ", " + why + "): "
                    + snippet(r), e);
        }
    }

    /** An error about {@code endpoint}'s answer (missing field, bad image), with redaction. */
    GeneratorException fail(String endpoint, int status, String what, Throwable cause) {
        return new GeneratorException(endpoint, status, redact(label + ": " + endpoint + " " + what), cause);
    }

    /**
     * Sends a request with retries. Each attempt has {@link HttpOptions#requestTimeout()} for the response headers
     * and the whole body (the JDK's request timeout alone stops at the headers, so a server trickling its body
     * would hang the caller), every call has {@link HttpOptions#totalTimeout()} for all attempts and waits, and a
     * body above {@link HttpOptions#maxResponseBytes()} is refused without being read to its end.
     *
     * @param body the body or null (GET)
     * @param headers extra headers (credentials included; never logged)
     * @return a 2xx response
     * @throws GeneratorException after a non-retryable status or an oversized response, or when the retries or
     *     the total time are used up
     */
    Response send(String method, URI uri, byte[] body, String contentType, Map<String, String> headers)
            throws GeneratorException {
        String endpoint = method + " " + uri;
        int attempts = options.maxRetries() + 1;
        long callDeadline = System.nanoTime() + options.totalTimeout().toNanos();
        String lastProblem = "";
        int lastStatus = 0;
        Throwable lastCause = null;
        int attempt = 1;
        for (;; attempt++) {
            long left = callDeadline - System.nanoTime();
            // whole milliseconds, rounded up, so that the first attempt of a call whose total equals the request
            // timeout still gets (and reports) the full request timeout
            Duration attemptTimeout = Duration.ofMillis(Math.max(1, (Math.min(options.requestTimeout().toNanos(), left)
                    + 999_999) / 1_000_000));
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(attemptTimeout);
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            headers.forEach(b::header);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            Duration wait = options.backoff(attempt);
            try {
                LOG.debug("{}: {} (attempt {}/{}, {} bytes)", label, endpoint, attempt, attempts, body == null ? 0 : body.length);
                Response r = exchange(b.build(), attemptTimeout);
                if (r.status() >= 200 && r.status() < 300) {
                    return r;
                }
                lastStatus = r.status();
                lastCause = null;
                String hint = hints.apply(r.status());
                lastProblem = "-> HTTP " + r.status() + (hint != null ? " (" + hint + ")" : "") + ": " + snippet(r);
                if (!retryable(r.status())) {
                    throw new GeneratorException(endpoint, r.status(), redact(label + ": " + endpoint + " " + lastProblem), null);
                }
                wait = retryAfter(r, wait);
            } catch (CappedBody.TooLarge e) {
                throw new GeneratorException(endpoint, e.status, redact(label + ": " + endpoint + " -> HTTP " + e.status
                        + ": " + e.getMessage()), e);
            } catch (HttpConnectTimeoutException e) {
                lastStatus = 0;
                lastCause = e;
                lastProblem = "could not connect within " + seconds(options.connectTimeout()) + " (is the server running?)";
            } catch (HttpTimeoutException | TimeoutException e) {
                lastStatus = 0;
                lastCause = e;
                lastProblem = "timed out after " + seconds(attemptTimeout) + " before the whole response arrived ("
                        + (attemptTimeout.equals(options.requestTimeout()) ? "requestTimeout"
                        : "what was left of totalTimeout " + seconds(options.totalTimeout())) + ")";
            } catch (ConnectException e) {
                lastStatus = 0;
                lastCause = e;
                lastProblem = "could not connect (" + Objects.requireNonNullElse(e.getMessage(), "connection refused")
                        + "; is the server running at " + uri.getScheme() + "://" + uri.getAuthority() + "?)";
            } catch (IOException e) {
                lastStatus = 0;
                lastCause = e;
                lastProblem = "failed: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GeneratorException(endpoint, 0, label + ": " + endpoint + " interrupted", e);
            }
            if (attempt >= attempts) {
                break;
            }
            left = callDeadline - System.nanoTime();
            if (left <= wait.toNanos()) {
                lastProblem += "; no time left for a retry within totalTimeout " + seconds(options.totalTimeout());
                break;
            }
            LOG.warn("{}: {} {}; retry {}/{} in {} ms", label, endpoint, shortProblem(lastProblem), attempt,
                    options.maxRetries(), wait.toMillis());
            sleep(wait, endpoint);
        }
        String msg = label + ": " + endpoint + " " + lastProblem + (attempt > 1 ? " (gave up after " + attempt
                + " attempts)" : "");
        throw new GeneratorException(endpoint, lastStatus, redact(msg), lastCause);
    }

    /**
     * One attempt: the response with its body, which is read within {@code timeout} (counted from now) and
     * capped. The body of an error status is only kept up to {@link #ERROR_BODY_BYTES}: it is quoted, never
     * parsed.
     */
    private Response exchange(HttpRequest request, Duration timeout) throws IOException, InterruptedException,
            TimeoutException {
        CappedBody.Handler handler = new CappedBody.Handler(options.maxResponseBytes());
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, handler);
        try {
            HttpResponse<byte[]> resp = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new Response(resp.statusCode(), resp.headers(), resp.body(), handler.truncated());
        } catch (TimeoutException e) {
            handler.cancel(); // closes the connection: a trickling server stops costing anything
            future.cancel(true);
            throw e;
        } catch (InterruptedException e) {
            handler.cancel();
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof CappedBody.TooLarge big) {
                    throw big;
                }
            }
            Throwable c = e.getCause() instanceof CompletionException ce && ce.getCause() != null ? ce.getCause()
                    : e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(String.valueOf(c), c);
        }
    }

    static boolean retryable(int status) {
        return status >= 500 || status == 408 || status == 429;
    }

    private Duration retryAfter(Response r, Duration backoff) {
        String v = r.headers().firstValue("Retry-After").orElse(null);
        if (v == null) {
            return backoff;
        }
        try {
            long s = Long.parseLong(v.strip());
            Duration d = Duration.ofSeconds(Math.max(0, s));
            return d.compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : d.compareTo(backoff) > 0 ? d : backoff;
        } catch (NumberFormatException e) {
            return backoff;
        }
    }

    private void sleep(Duration d, String endpoint) throws GeneratorException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GeneratorException(endpoint, 0, label + ": " + endpoint + " interrupted while waiting to retry", e);
        }
    }

    private String shortProblem(String p) {
        return SafeText.forTerminalLine(redact(p), 120);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * The start of a body for messages: text with invalid UTF-8 replaced, whitespace runs as one space and
     * control and invisible characters shown escaped; binary as a size.
     */
    static String snippet(Response r) {
        byte[] b = r.body();
        if (b.length == 0) {
            return "(empty body)";
        }
        String type = r.contentType().toLowerCase(java.util.Locale.ROOT);
        if (type.startsWith("image/") || type.startsWith("application/octet-stream")) {
            return "(" + (r.truncated() ? "more than " : "") + b.length + " bytes of " + type + ")";
        }
        String s = SafeText.decodeUtf8(b, 0, Math.min(b.length, MAX_BODY_IN_MESSAGE * 4)).replaceAll("\\s+", " ")
                .strip();
        String size = r.truncated() ? " (more than " + b.length + " bytes)"
                : b.length > MAX_BODY_IN_MESSAGE ? " (" + b.length + " bytes)" : "";
        return SafeText.forTerminalLine(s, MAX_BODY_IN_MESSAGE) + size;
    }

    /** Removes credentials: the configured secrets, bearer/basic tokens, sk- keys, key-like JSON fields. */
    String redact(String s) {
        String out = s;
        List<String> values = new ArrayList<>();
        for (ApiKey k : secrets) {
            String v = k.revealOrNull();
            if (v != null && v.length() >= 4) {
                values.add(v);
                int colon = v.indexOf(':');
                if (colon > 0 && colon < v.length() - 1) { // user:password: the password alone too
                    values.add(v.substring(colon + 1));
                }
                values.add(java.util.Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
            }
        }
        for (String v : values) {
            if (v.length() >= 4) {
                out = out.replace(v, "***");
            }
        }
        out = BEARER.matcher(out).replaceAll("$1 ***");
        out = KEY_LIKE.matcher(out).replaceAll("sk-***");
        out = KEY_FIELD.matcher(out).replaceAll("$1***");
        return out;
    }
}
