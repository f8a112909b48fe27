package ai.legion.refine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.refine.GenerateRequest;
import ai.legion.refine.GenerationSettings;
import ai.legion.refine.GeneratorException;
import ai.legion.refine.InpaintRequest;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link OpenAiImagesClient} against the images API subset (generations JSON, edits multipart, b64_json). */
class OpenAiImagesClientTest {

    static final String KEY = "sk-test-0123456789abcdef";

    FakeServer server;

    @BeforeEach
    void start() throws Exception {
        server = FakeServer.start();
        server.route("POST", "/v1/images/generations", r -> {
            JsonNode b = r.json();
            String[] size = b.path("size").asText("16x16").split("x");
            RgbImage img = Pictures.pattern(Integer.parseInt(size[0]), Integer.parseInt(size[1]), b.path("prompt").asText().hashCode());
            return FakeServer.Reply.json(200, Map.of("created", 1, "data", java.util.List.of(Map.of("b64_json", Pictures.b64(img)))));
        });
        server.route("POST", "/v1/images/edits", r -> {
            RgbImage img = Pictures.decode(r.parts().get("image").data());
            return FakeServer.Reply.json(200, Map.of("created", 1, "data",
                    java.util.List.of(Map.of("b64_json", Pictures.b64(Pictures.invert(img))))));
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    OpenAiImagesClient.Builder builder() {
        return OpenAiImagesClient.builder(server.uri()).http(Automatic1111ClientTest.FAST).apiKey(ApiKey.of(KEY::toCharArray));
    }

    @Test
    void generationsSendModelPromptSizeFormatAndTheBearerKey() throws Exception {
        RgbImage img = builder().build().generate(new GenerateRequest("a lighthouse",
                GenerationSettings.generationDefaults().withSize(24, 16)));
        assertEquals(Pictures.pattern(24, 16, "a lighthouse".hashCode()), img);
        FakeServer.Request r = server.requests().get(0);
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        JsonNode b = r.json();
        assertEquals("dall-e-2", b.get("model").asText());
        assertEquals("a lighthouse", b.get("prompt").asText());
        assertEquals(1, b.get("n").asInt());
        assertEquals("24x16", b.get("size").asText());
        assertEquals("b64_json", b.get("response_format").asText());
        // gpt-image models reject response_format; a base URL ending in /v1 is not doubled
        OpenAiImagesClient.builder(URI.create(server.uri() + "/v1")).http(Automatic1111ClientTest.FAST)
                .model("gpt-image-1").build().generate(new GenerateRequest("x", GenerationSettings.generationDefaults()
                        .withSize(8, 8)));
        JsonNode b2 = server.requests().get(1).json();
        assertFalse(b2.has("response_format"));
        assertEquals("/v1/images/generations", server.requests().get(1).path());
    }

    @Test
    void editsSendImageAndTransparentMaskAsMultipart() throws Exception {
        RgbImage image = Pictures.pattern(32, 32, 4);
        BinaryMask mask = Automatic1111ClientTest.square(32, 32, 8, 8, 8);
        RgbImage out = builder().build().inpaint(new InpaintRequest(image, mask, "no artifacts",
                GenerationSettings.inpaintingDefaults()));
        assertEquals(Pictures.invert(image), out);
        Map<String, Multiparts.Part> parts = server.requests().get(0).parts();
        assertEquals(image, Pictures.decode(parts.get("image").data()));
        assertEquals("image/png", parts.get("mask").contentType());
        BufferedImage m = FakeComfyUi.read(parts.get("mask").data());
        assertTrue(m.getColorModel().hasAlpha());
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                assertEquals(mask.get(x, y) ? 0 : 255, m.getRGB(x, y) >>> 24, "alpha 0 = edit here");
            }
        }
        assertEquals("no artifacts", parts.get("prompt").text());
        assertEquals("dall-e-2", parts.get("model").text());
        assertEquals("b64_json", parts.get("response_format").text());
        assertEquals("Bearer " + KEY, server.requests().get(0).header("Authorization"));
    }

    @Test
    void theKeyNeverAppearsInErrorsOrToString() {
        server.route("POST", "/v1/images/generations", r -> FakeServer.Reply.json(401,
                "{\"error\": {\"message\": \"Incorrect API key provided: " + KEY + ". Header was "
                        + r.header("Authorization") + "\"}}"));
        OpenAiImagesClient c = builder().build();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertEquals(401, e.status());
        assertFalse(e.getMessage().contains("0123456789abcdef"), e.getMessage());
        assertTrue(e.getMessage().contains("Incorrect API key"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
        assertFalse(c.toString().contains("0123456789"), c.toString());
        assertEquals(1, server.requests().size(), "401 is not retried");
    }

    @Test
    void aUrlAnswerOrAMissingEnvironmentKeyIsExplained() {
        server.route("POST", "/v1/images/generations", r -> FakeServer.Reply.json(200,
                "{\"data\": [{\"url\": \"https://example.invalid/x.png\"}]}"));
        GeneratorException e = assertThrows(GeneratorException.class, () -> builder().build()
                .generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(e.getMessage().contains("b64_json"), e.getMessage());
        String var = "LEGION_TEST_SURELY_UNSET_KEY_VARIABLE";
        OpenAiImagesClient c = OpenAiImagesClient.builder(server.uri()).apiKey(ApiKey.fromEnv(var)).build();
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertTrue(missing.getMessage().contains(var), missing.getMessage());
        assertEquals("ApiKey[env " + var + "]", ApiKey.fromEnv(var).toString());
    }
}
