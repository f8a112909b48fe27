package ai.legion.serve;

import static ai.legion.serve.TestServers.get;
import static ai.legion.serve.TestServers.multipart;
import static ai.legion.serve.TestServers.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.serve.TestServers.Answer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness while the model loads or after it failed to, and the graceful stop, over a real socket. */
class ServerLifecycleTest {

    @Test
    void notReadyWhileTheModelLoads() throws Exception {
        CountDownLatch loaded = new CountDownLatch(1);
        try (LegionServer server = LegionServer.builder().analysis(() -> {
            loaded.await();
            return ImageAnalysis.of(TestServers.demo());
        }).port(0).build().start()) {
            String url = server.url();
            assertEquals(200, get(url + "/health").status(), "the process is up before the model");
            Answer ready = get(url + "/ready");
            assertEquals(503, ready.status());
            assertEquals("the model is still loading; retry when GET /ready answers 200",
                    ready.json().get("error").asText());
            Answer analyze = send(multipart(url + "/v1/analyze", "fake-1.png",
                    Files.readAllBytes(TestServers.SAMPLES.resolve("fake-1.png"))));
            assertEquals(503, analyze.status());
            assertEquals(ready.json(), analyze.json());

            loaded.countDown();
            server.whenReady().toCompletableFuture().get(5, TimeUnit.MINUTES);
            assertEquals(200, get(url + "/ready").status());
        }
    }

    @Test
    void aModelThatFailsToLoadKeepsTheServerNotReadyAndSaysWhy(@TempDir Path empty) throws Exception {
        try (LegionServer server = LegionServer.builder()
                .analyzer(() -> LegionAnalyzer.builder().model(empty).build()).port(0).build().start()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> server.whenReady().toCompletableFuture().get(1, TimeUnit.MINUTES));
            Answer ready = get(server.url() + "/ready");
            assertEquals(503, ready.status());
            String error = ready.json().get("error").asText();
            assertTrue(error.startsWith("the model failed to load: ") && error.contains(e.getCause().getMessage()),
                    error);
        }
    }

    @Test
    void closeFinishesTheRunningAnalysisAndRefusesNewOnes() throws Exception {
        TestServers.Gate gate = new TestServers.Gate(ImageAnalysis.of(TestServers.demo()));
        LegionServer server = LegionServer.builder().analysis(() -> gate).port(0)
                .shutdownGrace(Duration.ofMinutes(2)).build().start();
        server.whenReady().toCompletableFuture().get(5, TimeUnit.MINUTES);
        String url = server.url();
        byte[] sample = Files.readAllBytes(TestServers.SAMPLES.resolve("fake-2.png"));
        gate.close();
        CompletableFuture<Answer> inFlight = CompletableFuture.supplyAsync(() -> ServerApiTest.quietly(
                () -> send(multipart(url + "/v1/analyze", "fake-2.png", sample))));
        assertTrue(gate.entered.tryAcquire(2, TimeUnit.MINUTES), "the analysis never started");

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        // while the running analysis holds the stop, the server still answers: not ready, no new work
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        Answer ready;
        while ((ready = get(url + "/ready")).status() != 503) {
            assertTrue(System.nanoTime() < deadline, "/ready never turned 503");
            Thread.onSpinWait();
        }
        assertEquals("the server is shutting down", ready.json().get("error").asText());
        Answer refused = send(multipart(url + "/v1/analyze", "fake-3.png", sample));
        assertEquals(503, refused.status());
        assertEquals("the server is shutting down", refused.json().get("error").asText());

        gate.open();
        Answer answered = inFlight.get(2, TimeUnit.MINUTES);
        assertEquals(200, answered.status(), answered.text());
        assertEquals("fake-2.png", answered.json().get("report").get("source").asText());
        closing.get(2, TimeUnit.MINUTES);
        assertThrows(IOException.class, () -> get(url + "/health"), "the listener is closed after the stop");
    }
}
