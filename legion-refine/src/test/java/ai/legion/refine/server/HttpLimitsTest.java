package ai.legion.refine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.refine.GenerateRequest;
import ai.legion.refine.GenerationSettings;
import ai.legion.refine.GeneratorException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deadlines and size caps of {@link HttpSupport} against slow and hostile servers on 127.0.0.1. */
class HttpLimitsTest {

    /** One-second attempts, no retries, a 1 MiB cap. */
    static final HttpOptions TIGHT = new HttpOptions(Duration.ofSeconds(2), Duration.ofSeconds(1), 0,
            Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(1), 1L << 20);

    HttpServer server;
    ExecutorService executor;
    final AtomicLong written = new AtomicLong();

    /** A server whose every response comes from {@code handler}; handler threads are interrupted on close. */
    URI serve(HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                handler.handle(ex);
            } catch (IOException e) {
                // the client hung up: what the limits are for
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** Writes {@code chunk} up to {@code times} times, pausing {@code pauseMs}; stops when the client hangs up. */
    void writeRepeatedly(HttpExchange ex, byte[] chunk, int times, long pauseMs) throws IOException {
        OutputStream out = ex.getResponseBody();
        for (int i = 0; i < times; i++) {
            out.write(chunk);
            out.flush();
            written.addAndGet(chunk.length);
            if (pauseMs > 0) {
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    static HttpSupport support(HttpOptions options) {
        return new HttpSupport("TestServer", options, List.of(), null);
    }

    @Test
    void aBodyTrickledForeverFailsAtTheDeadline() throws Exception {
        // headers at once, then one byte per 200 ms for up to 60 s: only a body deadline can stop this
        URI base = serve(ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0);
            writeRepeatedly(ex, new byte[] {' '}, 300, 200);
        });
        long t0 = System.nanoTime();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> support(TIGHT).getJson(URI.create(base + "/slow"), Map.of()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 900 && ms < 5_000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("timed out after 1 s"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + base.getPort() + "/slow"), e.getMessage());
        assertEquals(0, e.status());
    }

    @Test
    void retriesHaveADeadlineEachAndTheCallATotalCap() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        URI base = serve(ex -> {
            calls.incrementAndGet();
            ex.sendResponseHeaders(200, 0);
            writeRepeatedly(ex, new byte[] {' '}, 300, 200);
        });
        // 600 ms attempts, up to 10 retries, but 1.5 s in all: three attempts at most
        HttpOptions o = new HttpOptions(Duration.ofSeconds(2), Duration.ofMillis(600), 10, Duration.ofMillis(50),
                Duration.ofMillis(50), Duration.ofMillis(1500), 1L << 20);
        long t0 = System.nanoTime();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> support(o).getJson(URI.create(base + "/slow"), Map.of()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 1_000 && ms < 5_000, "took " + ms + " ms");
        assertTrue(calls.get() >= 2 && calls.get() <= 3, calls.get() + " attempts");
        assertTrue(e.getMessage().contains("totalTimeout"), e.getMessage());
        assertTrue(e.getMessage().contains("gave up after " + calls.get() + " attempts"), e.getMessage());
    }

    @Test
    void aDeclaredTwoGigabyteBodyIsRefusedBeforeReading() throws Exception {
        long declared = 2L << 30;
        URI base = serve(ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, declared);
            writeRepeatedly(ex, new byte[64 << 10], 1 << 15, 0); // up to the declared 2 GiB, until the client hangs up
        });
        long t0 = System.nanoTime();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> support(TIGHT.withRequestTimeout(Duration.ofSeconds(30))).getJson(URI.create(base + "/big"),
                        Map.of()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5_000, "took " + ms + " ms");
        assertEquals(200, e.status());
        assertTrue(e.getMessage().contains("Content-Length " + declared + ", above the response cap of 1 MiB"
                + " (maxResponseBytes); not read"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + base.getPort() + "/big"), e.getMessage());
        // the socket buffers take some bytes before the connection is closed, never the 2 GiB
        assertTrue(written.get() < (256L << 20), written.get() + " bytes written");
    }

    @Test
    void aChunkedBodyAboveTheCapIsCutOff() throws Exception {
        URI base = serve(ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
            writeRepeatedly(ex, new byte[64 << 10], 1 << 10, 0); // up to 64 MiB
        });
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> support(TIGHT.withRequestTimeout(Duration.ofSeconds(30))).getJson(URI.create(base + "/chunked"),
                        Map.of()));
        assertEquals(200, e.status());
        assertTrue(e.getMessage().contains("sent more than 1 MiB, the response cap (maxResponseBytes)"),
                e.getMessage());
        assertTrue(written.get() < (32L << 20), written.get() + " bytes written");
    }

    @Test
    void aBodyJustUnderTheCapIsRead() throws Exception {
        byte[] json = ("[" + "0,".repeat((1 << 19) - 2) + "0]").getBytes(StandardCharsets.US_ASCII);
        URI base = serve(ex -> {
            ex.sendResponseHeaders(200, 0);
            writeRepeatedly(ex, json, 1, 0);
        });
        assertTrue(json.length < 1 << 20);
        assertEquals((1 << 19) - 1, support(TIGHT.withRequestTimeout(Duration.ofSeconds(30)))
                .getJson(URI.create(base + "/ok"), Map.of()).size());
    }

    @Test
    void aMegabyteErrorPageBecomesOneShortLine() throws Exception {
        String page = "<html>\n<body>\r\n" + "Internal Server Error\n".repeat(50_000) + "</body></html>";
        URI base = serve(ex -> {
            byte[] b = page.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html");
            ex.sendResponseHeaders(500, b.length);
            writeRepeatedly(ex, b, 1, 0);
        });
        assertTrue(page.length() > 1_000_000);
        Automatic1111Client c = Automatic1111Client.builder(base).http(TIGHT.withRequestTimeout(Duration.ofSeconds(30))
                .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10))).build();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        String m = e.getMessage();
        assertEquals(500, e.status());
        assertFalse(m.contains("\n") || m.contains("\r"), m);
        assertTrue(m.length() < 600, m.length() + " chars: " + m);
        assertTrue(m.startsWith("AUTOMATIC1111: POST http://127.0.0.1:" + base.getPort()
                + "/sdapi/v1/txt2img -> HTTP 500: <html> <body> Internal Server Error"), m);
        assertTrue(m.contains("(more than " + HttpSupport.ERROR_BODY_BYTES + " bytes)"), m);
        assertTrue(m.endsWith("(gave up after 2 attempts)"), m);
    }

    @Test
    void optionsNameTheBadValue() {
        HttpOptions d = HttpOptions.defaults();
        assertEquals(Duration.ofMinutes(10), d.requestTimeout());
        assertEquals(Duration.ofMinutes(30), d.totalTimeout());
        assertEquals(64L << 20, d.maxResponseBytes());
        assertEquals(Duration.ofHours(1), d.withRequestTimeout(Duration.ofHours(1)).totalTimeout());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> d.withMaxResponseBytes(0));
        assertTrue(a.getMessage().contains("maxResponseBytes"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> d.withTotalTimeout(Duration.ofMinutes(5)));
        assertTrue(b.getMessage().contains("totalTimeout") && b.getMessage().contains("requestTimeout"),
                b.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> d.withTotalTimeout(Duration.ZERO));
        assertTrue(c.getMessage().contains("totalTimeout"), c.getMessage());
    }
}
