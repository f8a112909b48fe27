package ai.legion.refine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.refine.GenerateRequest;
import ai.legion.refine.GenerationSettings;
import ai.legion.refine.GeneratorException;
import ai.legion.refine.InpaintRequest;
import ai.legion.testing.HostileText;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Automatic1111Client} against the A1111 API subset on 127.0.0.1. */
class Automatic1111ClientTest {

    static final HttpOptions FAST = new HttpOptions(Duration.ofSeconds(2), Duration.ofSeconds(5), 2,
            Duration.ofMillis(10), Duration.ofMillis(40));

    FakeServer server;

    @BeforeEach
    void start() throws Exception {
        server = FakeServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Automatic1111Client client() {
        return Automatic1111Client.builder(server.uri()).http(FAST).build();
    }

    static BinaryMask square(int w, int h, int x0, int y0, int side) {
        boolean[] b = new boolean[w * h];
        for (int y = y0; y < y0 + side; y++) {
            for (int x = x0; x < x0 + side; x++) {
                b[y * w + x] = true;
            }
        }
        return BinaryMask.fromBooleans(b, h, w);
    }

    @Test
    void txt2imgSendsTheDocumentedFieldsAndDecodesTheImage() throws Exception {
        FakeA1111.install(server);
        GenerationSettings s = GenerationSettings.generationDefaults().withSeed(7).withSize(64, 48)
                .withNegativePrompt("blurry").withSampler("Euler a");
        Automatic1111Client c = Automatic1111Client.builder(server.uri()).http(FAST).checkpoint("sdxl.safetensors")
                .extra("scheduler", "Karras").build();
        RgbImage img = c.generate(new GenerateRequest("a red fox", s));
        assertEquals(64, img.width());
        assertEquals(48, img.height());
        assertEquals(Pictures.pattern(64, 48, 7 ^ "a red fox".hashCode()), img, "the server's PNG, decoded losslessly");
        JsonNode b = server.requests("/sdapi/v1/txt2img").get(0).json();
        assertEquals("a red fox", b.get("prompt").asText());
        assertEquals("blurry", b.get("negative_prompt").asText());
        assertEquals(7, b.get("seed").asLong());
        assertEquals(28, b.get("steps").asInt());
        assertEquals(7.0, b.get("cfg_scale").asDouble());
        assertEquals("Euler a", b.get("sampler_name").asText());
        assertEquals(1, b.get("batch_size").asInt());
        assertTrue(b.get("send_images").asBoolean());
        assertFalse(b.get("save_images").asBoolean());
        assertEquals("sdxl.safetensors", b.path("override_settings").path("sd_model_checkpoint").asText());
        assertEquals("Karras", b.get("scheduler").asText());
        assertEquals("application/json", server.requests().get(0).header("Content-Type"));
    }

    @Test
    void img2imgSendsTheImageAndTheMaskAsBase64Pngs() throws Exception {
        FakeA1111.install(server);
        RgbImage image = Pictures.pattern(90, 67, 3);
        BinaryMask mask = square(90, 67, 10, 20, 15);
        RgbImage out = client().inpaint(new InpaintRequest(image, mask, "fix the hand",
                GenerationSettings.inpaintingDefaults()));
        JsonNode b = server.requests("/sdapi/v1/img2img").get(0).json();
        // decode what the server received
        assertEquals(image, Pictures.decodeB64(b.get("init_images").get(0).asText()));
        byte[] maskPng = Base64.getDecoder().decode(b.get("mask").asText());
        assertEquals(mask, MaskImages.fromImage(ImageIO.read(new ByteArrayInputStream(maskPng))), "white = repaint");
        assertEquals(java.awt.image.BufferedImage.TYPE_BYTE_GRAY, ImageIO.read(new ByteArrayInputStream(maskPng)).getType());
        assertEquals("fix the hand", b.get("prompt").asText());
        assertEquals(42, b.get("seed").asLong());
        assertEquals(25, b.get("steps").asInt());
        assertEquals(8.0, b.get("cfg_scale").asDouble());
        assertEquals(0.84, b.get("denoising_strength").asDouble());
        assertEquals(0, b.get("mask_blur").asInt());
        assertEquals(1, b.get("inpainting_fill").asInt());
        assertFalse(b.get("inpaint_full_res").asBoolean());
        assertEquals(0, b.get("inpainting_mask_invert").asInt());
        assertEquals(88, b.get("width").asInt(), "rounded to a multiple of 8");
        assertEquals(64, b.get("height").asInt());
        assertEquals(88, out.width());
        assertEquals(64, out.height());
    }

    @Test
    void retriesA500ThenSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        server.route("POST", "/sdapi/v1/txt2img", r -> calls.incrementAndGet() < 3
                ? FakeServer.Reply.json(500, "{\"error\": \"CUDA busy\"}") : FakeA1111.txt2img(r));
        RgbImage img = client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults().withSize(16, 16)));
        assertEquals(16, img.width());
        assertEquals(3, calls.get());
    }

    @Test
    void givesUpAfterTheRetriesAndNamesEndpointStatusAndBody() {
        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.json(503, "{\"error\": \"model loading\"}"));
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertEquals(3, server.requests().size(), "1 + 2 retries");
        assertEquals(503, e.status());
        assertTrue(e.endpoint().endsWith("/sdapi/v1/txt2img"), e.endpoint());
        assertTrue(e.getMessage().contains("AUTOMATIC1111"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
        assertTrue(e.getMessage().contains("model loading"), e.getMessage());
        assertTrue(e.getMessage().contains("3 attempts"), e.getMessage());
    }

    @Test
    void aHostileErrorBodyIsQuotedEscapedAndCut() {
        byte[] hostile = (HostileText.PAYLOAD + "x".repeat(1000)).getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(hostile, hostile.length + 1);
        body[hostile.length] = (byte) 0xFF; // invalid UTF-8 at the end (past the quoted start)
        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.bytes(500, "text/plain", body));
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        HostileText.assertNoRawControls(e.getMessage());
        // whitespace runs are one space (the CR), the rest escaped, the quote cut at 300 characters
        String quoted = "\\x1b]0;pwned\\x07\\x1b[2J FAKE\\x08\\x08\\u202eevil\\x9b31m\\u200b";
        assertTrue(e.getMessage().contains("HTTP 500: " + quoted + "x".repeat(300 - quoted.length()) + "...(+"),
                e.getMessage());
        assertTrue(e.getMessage().contains(" chars) (" + body.length + " bytes)"), e.getMessage());
    }

    @Test
    void doesNotRetryA400AndExplainsA404() {
        server.route("POST", "/sdapi/v1/img2img", r -> FakeServer.Reply.json(422, "{\"detail\": [{\"loc\": [\"body\", \"mask\"]}]}"));
        GeneratorException e = assertThrows(GeneratorException.class, () -> client().inpaint(new InpaintRequest(
                Pictures.pattern(8, 8, 1), BinaryMask.full(8, 8), "p", GenerationSettings.inpaintingDefaults())));
        assertEquals(1, server.requests().size());
        assertEquals(422, e.status());
        assertTrue(e.getMessage().contains("mask"), e.getMessage());
        GeneratorException notFound = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertEquals(404, notFound.status());
        assertTrue(notFound.getMessage().contains("--api"), notFound.getMessage());
        assertEquals(2, server.requests().size());
    }

    @Test
    void timesOutAndRetriesThenFailsClearly() {
        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.json(200, "{}").delayed(5_000));
        HttpOptions quick = new HttpOptions(Duration.ofSeconds(1), Duration.ofMillis(300), 1, Duration.ofMillis(10),
                Duration.ofMillis(10));
        Automatic1111Client c = Automatic1111Client.builder(server.uri()).http(quick).build();
        long t0 = System.nanoTime();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3_000, "took " + ms + " ms");
        assertEquals(0, e.status());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(e.getMessage().contains("2 attempts"), e.getMessage());
        assertEquals(2, server.requests().size());
    }

    @Test
    void malformedJsonMissingImagesAndBadBase64AreClearErrors() {
        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.text(200, "{\"images\": [\"abc"));
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("{\"images\": [\"abc"), "quotes the body: " + e.getMessage());
        assertEquals(1, server.requests().size(), "a malformed answer is not retried");

        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.json(200, "{\"images\": []}"));
        e = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(e.getMessage().contains("'images'"), e.getMessage());

        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.json(200, "{\"images\": [\"!!not base64!!\"]}"));
        e = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(e.getMessage().contains("images[0]") && e.getMessage().contains("base64"), e.getMessage());

        String notImage = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.json(200, "{\"images\": [\"" + notImage + "\"]}"));
        e = assertThrows(GeneratorException.class,
                () -> client().generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(e.getMessage().contains("not a readable image"), e.getMessage());
    }

    @Test
    void basicAuthIsSentButNeverShownInErrors() {
        String secret = "alice:s3cret-pass";
        server.route("POST", "/sdapi/v1/txt2img", r -> FakeServer.Reply.json(401,
                "{\"detail\": \"bad credentials " + r.header("Authorization") + " for alice:s3cret-pass\"}"));
        Automatic1111Client c = Automatic1111Client.builder(server.uri()).http(FAST)
                .basicAuth(ApiKey.of(secret::toCharArray)).build();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        String sent = server.requests().get(0).header("Authorization");
        assertEquals("Basic " + Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)), sent);
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertFalse(e.getMessage().contains(sent.substring(6)), e.getMessage());
        assertTrue(e.getMessage().contains("--api-auth"), e.getMessage());
        assertFalse(c.toString().contains("s3cret"));
    }

    @Test
    void refusesCredentialsInTheUrlAndOtherSchemes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Automatic1111Client(URI.create("http://bob:hunter2@127.0.0.1:7860")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Automatic1111Client(URI.create("ftp://127.0.0.1")));
    }

    @Test
    void aServerThatIsNotThereFailsFastWithAHint() {
        int port = server.uri().getPort();
        server.close();
        Automatic1111Client c = Automatic1111Client.builder(URI.create("http://127.0.0.1:" + port))
                .http(FAST.withRetries(1, Duration.ofMillis(5), Duration.ofMillis(5))).build();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(e.getMessage().contains("could not connect"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void backoffDoublesAndIsCapped() {
        HttpOptions o = new HttpOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), 5, Duration.ofMillis(100),
                Duration.ofMillis(350));
        assertEquals(100, o.backoff(1).toMillis());
        assertEquals(200, o.backoff(2).toMillis());
        assertEquals(350, o.backoff(3).toMillis());
        assertEquals(350, o.backoff(5).toMillis());
        assertThrows(IllegalArgumentException.class, () -> o.withRetries(HttpOptions.MAX_RETRIES + 1, Duration.ZERO,
                Duration.ZERO));
    }
}
