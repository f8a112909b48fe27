package ai.legion.serve;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.models.inference.LegionAnalyzer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/** What the server tests share: the demo model (loaded once per test JVM), an HTTP client and a gate. */
final class TestServers {

    static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples").toAbsolutePath()
            .normalize();
    static final Path SAMPLES = EXAMPLES.resolve("samples").resolve("images");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

    private static LegionAnalyzer demo;

    private TestServers() {}

    /** The demo model of examples/demo-model; never closed (the JVM's end releases it). */
    static synchronized LegionAnalyzer demo() throws Exception {
        if (demo == null) {
            demo = LegionAnalyzer.builder().model(EXAMPLES.resolve("demo-model")).build();
        }
        return demo;
    }

    /**
     * The demo model's analysis behind a gate: while closed, each analysis announces itself ({@link #entered}) and
     * waits, so tests can hold the worker busy without sleeping.
     */
    static final class Gate implements ImageAnalysis {
        final ImageAnalysis inner;
        final Semaphore entered = new Semaphore(0);
        private volatile CountDownLatch latch;

        Gate(ImageAnalysis inner) {
            this.inner = inner;
        }

        /** Closes the gate; {@link #entered} counts only the analyses that start from now on. */
        void close() {
            entered.drainPermits();
            latch = new CountDownLatch(1);
        }

        void open() {
            CountDownLatch l = latch;
            latch = null;
            if (l != null) {
                l.countDown();
            }
        }

        @Override
        public ArtifactReport analyze(RgbImage image, String source, BooleanSupplier cancelled) {
            entered.release();
            CountDownLatch l = latch;
            if (l != null) {
                try {
                    l.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return inner.analyze(image, source, cancelled);
        }
    }

    record Answer(int status, String contentType, byte[] body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static Answer get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).GET().build());
    }

    static Answer postRaw(String url, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** A multipart/form-data upload of {@code bytes} in the field {@code image}, as the web page sends it. */
    static HttpRequest multipart(String url, String fileName, byte[] bytes) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipartBody(fileName, bytes))).build();
    }

    private static final String BOUNDARY = "legion-test-boundary-7f3a";

    /** The body of {@link #multipart}. */
    static byte[] multipartBody(String fileName, byte[] bytes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + fileName
                + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    static Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }
}
