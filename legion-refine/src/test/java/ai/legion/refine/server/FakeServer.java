package ai.legion.refine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A JDK {@link HttpServer} on 127.0.0.1 with an ephemeral port for protocol tests: routes by method and
 * path prefix (longest first), records every request, and runs handlers on daemon threads that
 * {@link #close()} interrupts, so a handler that sleeps (timeout tests) never keeps a test waiting.
 */
public final class FakeServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A received request. */
    public record Request(String method, String path, String query, Headers headers, byte[] body) {

        /** The body as UTF-8. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("request body is not JSON: " + text(), e);
            }
        }

        /** The multipart parts by name. */
        public Map<String, Multiparts.Part> parts() {
            return Multiparts.parse(body, header("Content-Type"));
        }

        /** A header or null. */
        public String header(String name) {
            return headers.getFirst(name);
        }

        /** A query parameter (decoded) or null. */
        public String param(String name) {
            if (query == null) {
                return null;
            }
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                if (k.equals(name)) {
                    return java.net.URLDecoder.decode(eq < 0 ? "" : kv.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    /** A reply. */
    public record Reply(int status, String contentType, byte[] body, Map<String, String> headers, long delayMs) {

        /** A JSON reply. */
        public static Reply json(int status, Object body) {
            try {
                byte[] b = body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
                return new Reply(status, "application/json", b, Map.of(), 0);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        /** A text reply (for malformed JSON). */
        public static Reply text(int status, String body) {
            return new Reply(status, "text/plain", body.getBytes(StandardCharsets.UTF_8), Map.of(), 0);
        }

        /** A binary reply. */
        public static Reply bytes(int status, String contentType, byte[] body) {
            return new Reply(status, contentType, body, Map.of(), 0);
        }

        /** This reply after a delay. */
        public Reply delayed(long ms) {
            return new Reply(status, contentType, body, headers, ms);
        }

        /** This reply with an extra header. */
        public Reply withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, contentType, body, h, delayMs);
        }
    }

    private record Route(String method, String prefix, Function<Request, Reply> handler) {}

    private final HttpServer server;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final ExecutorService executor;
    private final List<Route> routes = Collections.synchronizedList(new ArrayList<>());
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    private FakeServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a server with no routes (every request gets 404). */
    public static FakeServer start() throws IOException {
        return new FakeServer();
    }

    /** Adds a route; the longest matching prefix wins, and a later route replaces an equal one. */
    public FakeServer route(String method, String pathPrefix, Function<Request, Reply> handler) {
        routes.add(new Route(method, pathPrefix, handler));
        return this;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:43210}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** All requests so far. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The requests whose path starts with {@code prefix}. */
    public List<Request> requests(String prefix) {
        return requests().stream().filter(r -> r.path().startsWith(prefix)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders(), body);
            requests.add(req);
            Route route = null;
            synchronized (routes) { // the longest prefix; among equal ones the latest route (tests re-route)
                for (Route r : routes) {
                    if (r.method().equals(req.method()) && req.path().startsWith(r.prefix())
                            && (route == null || r.prefix().length() >= route.prefix().length())) {
                        route = r;
                    }
                }
            }
            Reply reply;
            try {
                reply = route == null ? Reply.text(404, "no route for " + req.method() + " " + req.path())
                        : route.handler().apply(req);
            } catch (RuntimeException e) {
                reply = Reply.text(500, "fake server handler failed: " + e);
            }
            if (reply.delayMs() > 0) {
                try {
                    Thread.sleep(reply.delayMs());
                } catch (InterruptedException e) {
                    return; // server closing
                }
            }
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.getResponseHeaders().add("Content-Type", reply.contentType());
            ex.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            if (reply.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(reply.body());
                }
            }
        } catch (IOException e) {
            // the client went away (timeout tests)
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
