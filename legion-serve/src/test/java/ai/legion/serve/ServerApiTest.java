package ai.legion.serve;

import static ai.legion.serve.TestServers.get;
import static ai.legion.serve.TestServers.multipart;
import static ai.legion.serve.TestServers.postRaw;
import static ai.legion.serve.TestServers.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.Overlay;
import ai.legion.core.report.ReportJson;
import ai.legion.serve.TestServers.Answer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API over a real socket with the demo model: one server for the class (queue of 1, one worker, small
 * byte and pixel limits); a gate in front of the analysis holds the worker busy for the 429 and 504 cases.
 */
class ServerApiTest {

    private static final long MAX_BYTES = 256 * 1024;
    private static final long MAX_PIXELS = 200 * 200;

    private static TestServers.Gate gate;
    private static LegionServer server;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        gate = new TestServers.Gate(ImageAnalysis.of(TestServers.demo()));
        server = LegionServer.builder().analysis(() -> gate).port(0).queue(1).workers(1).maxBytes(MAX_BYTES)
                .maxPixels(MAX_PIXELS).build().start();
        server.whenReady().toCompletableFuture().get(5, TimeUnit.MINUTES);
        url = server.url();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            gate.open();
            server.close();
        }
    }

    /** The report without its timings (the only part that differs between two runs of one image). */
    private static JsonNode withoutTimings(JsonNode report) {
        ObjectNode copy = report.deepCopy();
        copy.remove("timings_ms");
        return copy;
    }

    @Test
    void analyzeAnswersTheAnalyzersReportAndServesItsImages() throws Exception {
        Path sample = TestServers.SAMPLES.resolve("fake-1.png");
        Answer a = send(multipart(url + "/v1/analyze", "fake-1.png", Files.readAllBytes(sample)));
        assertEquals(200, a.status(), a.text());
        assertTrue(a.contentType().startsWith("application/json"), a.contentType());
        JsonNode body = a.json();

        RgbImage image = new ImageLoader().load(sample);
        ArtifactReport direct = TestServers.demo().analyze(image, "fake-1.png");
        assertEquals(withoutTimings(TestServers.JSON.readTree(ReportJson.toJson(direct))),
                withoutTimings(body.get("report")));
        ArtifactReport served = ReportJson.fromJson(body.get("report").toString());
        assertTrue(served.verdict().isPresent() && !served.artifacts().isEmpty(), "the demo model finds artifacts");

        String id = body.get("id").asText();
        assertEquals("/v1/results/" + id + "/overlay.png", body.get("overlay").asText());
        Answer overlay = get(url + body.get("overlay").asText());
        assertEquals(200, overlay.status());
        assertEquals("image/png", overlay.contentType());
        BufferedImage expected = Overlay.render(image.toBufferedImage(), served);
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(overlay.body()));
        assertEquals(expected.getWidth(), png.getWidth());
        assertEquals(expected.getHeight(), png.getHeight());
        assertArrayEquals(expected.getRGB(0, 0, png.getWidth(), png.getHeight(), null, 0, png.getWidth()),
                png.getRGB(0, 0, png.getWidth(), png.getHeight(), null, 0, png.getWidth()));

        Answer union = get(url + body.get("mask").asText());
        assertEquals(served.union(), MaskImages.fromImage(ImageIO.read(new ByteArrayInputStream(union.body()))));
        assertEquals(served.artifacts().size(), body.get("artifact_masks").size());
        Answer first = get(url + body.get("artifact_masks").get(0).asText());
        assertEquals(served.artifacts().get(0).mask(),
                MaskImages.fromImage(ImageIO.read(new ByteArrayInputStream(first.body()))));
        assertEquals(String.format("#%06x", Overlay.colorOf(0)), body.get("artifact_colors").get(0).asText());

        Answer report = get(url + "/v1/results/" + id + "/report.json");
        assertEquals(body.get("report"), report.json());
        assertEquals(body, get(url + "/v1/results/" + id).json());

        Answer beyond = get(url + "/v1/results/" + id + "/" + MaskImages.artifactFileName(served.artifacts().size()));
        assertEquals(404, beyond.status());
        assertTrue(beyond.json().get("error").asText().contains("has " + served.artifacts().size() + " artifact"),
                beyond.text());
    }

    @Test
    void rawBodyIsAnalyzedUnderTheGivenName() throws Exception {
        Answer a = postRaw(url + "/v1/analyze?name=fake-2.png",
                Files.readAllBytes(TestServers.SAMPLES.resolve("fake-2.png")));
        assertEquals(200, a.status(), a.text());
        assertEquals("fake-2.png", a.json().get("report").get("source").asText());
    }

    @Test
    void uploadOverTheByteLimitIs413NamingTheLimit() throws Exception {
        byte[] big = new byte[(int) MAX_BYTES + 1];
        Answer raw = postRaw(url + "/v1/analyze", big);
        assertEquals(413, raw.status(), raw.text());
        String error = raw.json().get("error").asText();
        assertTrue(error.contains("" + MAX_BYTES) && error.contains("max-bytes"), error);

        Answer form = send(multipart(url + "/v1/analyze", "big.png", new byte[(int) MAX_BYTES + 100_000]));
        assertEquals(413, form.status(), form.text());
        assertTrue(form.json().get("error").asText().contains("max-bytes"), form.text());

        // without Content-Length (chunked) the limit is found while reading
        Answer chunked = send(HttpRequest.newBuilder(URI.create(url + "/v1/analyze"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build());
        assertEquals(413, chunked.status(), chunked.text());
        assertEquals("the upload is larger, more than this server's limit of " + MAX_BYTES + " bytes (max-bytes)",
                chunked.json().get("error").asText());
        HttpRequest form2 = multipart(url + "/v1/analyze", "big.png", new byte[(int) MAX_BYTES + 100_000]);
        byte[] formBody = TestServers.multipartBody("big.png", new byte[(int) MAX_BYTES + 100_000]);
        Answer chunkedForm = send(HttpRequest.newBuilder(URI.create(url + "/v1/analyze"))
                .header("Content-Type", form2.headers().firstValue("Content-Type").orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(formBody))).build());
        assertEquals(413, chunkedForm.status(), chunkedForm.text());
        assertTrue(chunkedForm.json().get("error").asText().contains("max-bytes"), chunkedForm.text());
    }

    @Test
    void imageOverThePixelLimitOrNotAnImageIs400() throws Exception {
        BufferedImage wide = new BufferedImage(400, 101, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(wide, "png", png);
        Answer a = send(multipart(url + "/v1/analyze", "wide.png", png.toByteArray()));
        assertEquals(400, a.status(), a.text());
        assertEquals("wide.png: the PNG image is 400x101 = 40400 pixels, more than this server's limit of "
                + MAX_PIXELS + " pixels (max-pixels)", a.json().get("error").asText());

        Answer text = postRaw(url + "/v1/analyze?name=notes.txt", "just some text".getBytes());
        assertEquals(400, text.status());
        assertTrue(text.json().get("error").asText().startsWith("notes.txt: not an image"), text.text());

        Answer empty = postRaw(url + "/v1/analyze", new byte[0]);
        assertEquals(400, empty.status());
        assertEquals("upload: the upload is empty (0 bytes)", empty.json().get("error").asText());

        Answer timeout = postRaw(url + "/v1/analyze?timeout_ms=soon", png.toByteArray());
        assertEquals(400, timeout.status());
        assertTrue(timeout.json().get("error").asText().startsWith("timeout_ms must be"), timeout.text());
    }

    @Test
    void fullQueueIs429AndSlowAnalysisIs504() throws Exception {
        byte[] sample = Files.readAllBytes(TestServers.SAMPLES.resolve("fake-3.png"));
        gate.close();
        try {
            // the worker takes the first request and waits at the gate; the second fills the queue of 1
            CompletableFuture<Answer> running = CompletableFuture.supplyAsync(() -> quietly(
                    () -> send(multipart(url + "/v1/analyze", "fake-3.png", sample))));
            assertTrue(gate.entered.tryAcquire(2, TimeUnit.MINUTES), "the first analysis never started");
            CompletableFuture<Answer> queued = CompletableFuture.supplyAsync(() -> quietly(
                    () -> postRaw(url + "/v1/analyze?timeout_ms=300&name=queued.png", sample)));
            // the queued one times out while waiting (its 300 ms run out at the gate of the first)
            Answer late = queued.get(2, TimeUnit.MINUTES);
            assertEquals(504, late.status(), late.text());
            assertEquals("queued.png: no answer within the timeout of 300 ms (queue wait included); the analysis "
                    + "was abandoned", late.json().get("error").asText());

            CompletableFuture<Answer> waiting = CompletableFuture.supplyAsync(() -> quietly(
                    () -> postRaw(url + "/v1/analyze?name=waiting.png", sample)));
            awaitQueued(1);
            Answer rejected = postRaw(url + "/v1/analyze", sample);
            assertEquals(429, rejected.status(), rejected.text());
            assertEquals("the queue is full (1 waiting, 1 running); retry later", rejected.json().get("error").asText());

            gate.open();
            assertEquals(200, running.get(2, TimeUnit.MINUTES).status());
            Answer w = waiting.get(2, TimeUnit.MINUTES);
            assertEquals(200, w.status(), w.text());
            assertEquals("waiting.png", w.json().get("report").get("source").asText());
        } finally {
            gate.open();
        }
    }

    /** Waits until {@code n} requests wait in the queue (read from /health, as an operator would). */
    private static void awaitQueued(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (get(url + "/health").json().get("queued").asInt() != n) {
            assertTrue(System.nanoTime() < deadline, "the queue never held " + n);
            Thread.onSpinWait();
        }
    }

    @Test
    void unknownResultsAndEndpointsAreJson404() throws Exception {
        Answer missing = get(url + "/v1/results/no-such-id/overlay.png");
        assertEquals(404, missing.status());
        assertTrue(missing.json().get("error").asText().startsWith("no result no-such-id (results are kept 600 s"),
                missing.text());
        Answer file = get(url + "/v1/results/x/secrets.txt");
        assertEquals(404, file.status());
        assertTrue(file.json().get("error").asText().startsWith("no file secrets.txt"), file.text());
        Answer endpoint = get(url + "/v2/analyze");
        assertEquals(404, endpoint.status());
        assertEquals("no such endpoint: GET /v2/analyze (see docs/SERVE.md)", endpoint.json().get("error").asText());
    }

    @Test
    void healthAndReadyAnswerWhileServing() throws Exception {
        Answer health = get(url + "/health");
        assertEquals(200, health.status());
        assertEquals("up", health.json().get("status").asText());
        assertTrue(health.json().get("ready").asBoolean());
        assertEquals(200, get(url + "/ready").status());
        Answer page = get(url + "/");
        assertEquals(200, page.status());
        assertTrue(page.text().contains("<input id=\"file\" type=\"file\""), "the web page");
        assertFalse(page.text().contains("http://") || page.text().contains("https://"), "no external resources");
    }

    interface Call<T> {
        T call() throws Exception;
    }

    static <T> T quietly(Call<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
