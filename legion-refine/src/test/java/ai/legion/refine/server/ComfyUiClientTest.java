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
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ComfyUiClient} against the ComfyUI API subset (uploads, /prompt, /history polling, /view). */
class ComfyUiClientTest {

    FakeServer server;
    FakeComfyUi comfy;

    @BeforeEach
    void start() throws Exception {
        server = FakeServer.start();
        comfy = new FakeComfyUi();
        comfy.install(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ComfyUiClient.Builder builder() {
        return ComfyUiClient.builder(server.uri()).http(Automatic1111ClientTest.FAST).checkpoint("sdxl.safetensors")
                .pollInterval(Duration.ofMillis(10)).generationTimeout(Duration.ofSeconds(5));
    }

    static JsonNode node(JsonNode graph, String classType) {
        for (JsonNode n : graph) {
            if (n.path("class_type").asText().equals(classType)) {
                return n;
            }
        }
        throw new AssertionError("no " + classType + " in " + graph);
    }

    @Test
    void inpaintUploadsImageAndAlphaMaskQueuesTheWorkflowPollsAndFetchesTheResult() throws Exception {
        RgbImage image = Pictures.pattern(40, 30, 5);
        BinaryMask mask = Automatic1111ClientTest.square(40, 30, 5, 5, 10);
        RgbImage out = builder().user("lab").build().inpaint(new InpaintRequest(image, mask, "a clean hand",
                GenerationSettings.inpaintingDefaults().withNegativePrompt("extra fingers")));
        assertEquals(Pictures.invert(image), out, "the fake's output, fetched through /view");

        List<String> order = server.requests().stream().map(r -> r.method() + " " + r.path()).toList();
        assertEquals("POST /upload/image", order.get(0));
        assertEquals("POST /upload/mask", order.get(1));
        assertEquals("POST /prompt", order.get(2));
        assertEquals(List.of("GET /history/p-1", "GET /history/p-1", "GET /history/p-1"), order.subList(3, 6),
                "polled until done (2 pending answers)");
        assertEquals("GET /view", order.get(6));
        assertTrue(server.requests().stream().allMatch(r -> "lab".equals(r.header("comfy-user"))));

        // the uploads: the image as PNG, the mask as RGBA with alpha 0 where it is set, original_ref -> the image
        Map<String, Multiparts.Part> up = server.requests("/upload/image").get(0).parts();
        assertEquals(image, Pictures.decode(up.get("image").data()));
        assertEquals("input", up.get("type").text());
        Map<String, Multiparts.Part> mp = server.requests("/upload/mask").get(0).parts();
        JsonNode ref = FakeServer.JSON.readTree(mp.get("original_ref").text());
        assertEquals(up.get("image").filename(), ref.get("filename").asText());
        BufferedImage alpha = FakeComfyUi.read(mp.get("image").data());
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                assertEquals(mask.get(x, y) ? 0 : 255, alpha.getRGB(x, y) >>> 24, "alpha at " + x + "," + y);
            }
        }
        // the masked file the server made has the mask in its alpha channel, as ComfyUI's LoadImage expects
        BufferedImage masked = FakeComfyUi.read(comfy.files.get(mp.get("image").filename()));
        assertEquals(mask.get(6, 6) ? 0 : 255, masked.getRGB(6, 6) >>> 24);

        // the workflow: placeholders replaced with typed values
        JsonNode body = server.requests("/prompt").get(0).json();
        assertTrue(body.get("client_id").asText().length() > 10);
        JsonNode graph = body.get("prompt");
        assertEquals(mp.get("image").filename(), node(graph, "LoadImage").path("inputs").path("image").asText());
        JsonNode ks = node(graph, "KSampler").path("inputs");
        assertTrue(ks.get("seed").isIntegralNumber());
        assertEquals(42, ks.get("seed").asLong());
        assertEquals(25, ks.get("steps").asInt());
        assertEquals(8.0, ks.get("cfg").asDouble());
        assertEquals(0.84, ks.get("denoise").asDouble());
        assertEquals("euler", ks.get("sampler_name").asText());
        assertEquals("sdxl.safetensors", node(graph, "CheckpointLoaderSimple").path("inputs").path("ckpt_name").asText());
        List<String> texts = graph.findValues("text").stream().map(JsonNode::asText).toList();
        assertTrue(texts.contains("a clean hand") && texts.contains("extra fingers"), texts.toString());
        assertFalse(body.toString().contains("{{"), "no placeholder left: " + body);
    }

    @Test
    void separateMaskModeUploadsAGrayMaskForLoadImageMask() throws Exception {
        RgbImage image = Pictures.pattern(20, 20, 1);
        BinaryMask mask = Automatic1111ClientTest.square(20, 20, 2, 2, 6);
        builder().maskMode(ComfyUiClient.MaskMode.SEPARATE).build()
                .inpaint(new InpaintRequest(image, mask, "p", GenerationSettings.inpaintingDefaults()));
        List<FakeServer.Request> uploads = server.requests("/upload/image");
        assertEquals(2, uploads.size());
        assertTrue(server.requests("/upload/mask").isEmpty());
        Multiparts.Part maskPart = uploads.get(1).parts().get("image");
        assertEquals(mask, MaskImages.fromImage(FakeComfyUi.read(maskPart.data())));
        JsonNode graph = server.requests("/prompt").get(0).json().get("prompt");
        assertEquals(maskPart.filename(), node(graph, "LoadImageMask").path("inputs").path("image").asText());
    }

    @Test
    void txt2imgWithACustomWorkflowFileAndVariables(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("flux_api.json");
        Files.writeString(file, """
                {"prompt": {
                  "10": {"class_type": "UNETLoader", "inputs": {"unet_name": "{{unet}}"}},
                  "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "photo: {{prompt}} (seed {{seed}})"}},
                  "12": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}"}},
                  "13": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x"}}
                }}""");
        ComfyUiClient c = ComfyUiClient.builder(server.uri()).http(Automatic1111ClientTest.FAST)
                .pollInterval(Duration.ofMillis(10)).txt2imgWorkflow(ComfyWorkflow.read(file))
                .inpaintWorkflow(ComfyWorkflow.defaultInpaint(ComfyUiClient.MaskMode.ALPHA)).checkpoint("x.ckpt")
                .variable("unet", "flux1-dev.safetensors").build();
        RgbImage img = c.generate(new GenerateRequest("a fox", GenerationSettings.generationDefaults().withSeed(9)
                .withSize(32, 24)));
        assertEquals(32, img.width());
        assertEquals(24, img.height());
        JsonNode graph = server.requests("/prompt").get(0).json().get("prompt");
        assertEquals("photo: a fox (seed 9)", graph.at("/11/inputs/text").asText());
        assertEquals(32, graph.at("/12/inputs/width").asInt());
        assertTrue(graph.at("/12/inputs/width").isInt());
        assertEquals("flux1-dev.safetensors", graph.at("/10/inputs/unet_name").asText());
    }

    @Test
    void anExecutionErrorIsReportedWithTheNodeAndMessage() {
        comfy.executionError = "CUDA out of memory";
        comfy.pendingPolls = 0;
        GeneratorException e = assertThrows(GeneratorException.class, () -> builder().build()
                .generate(new GenerateRequest("p", GenerationSettings.generationDefaults().withSize(8, 8))));
        assertTrue(e.getMessage().contains("KSampler") && e.getMessage().contains("CUDA out of memory"), e.getMessage());
        assertTrue(e.getMessage().contains("ComfyUI"), e.getMessage());
    }

    @Test
    void aRejectedWorkflowIsNotRetriedAndQuotesNodeErrors() {
        server.route("POST", "/prompt", r -> FakeServer.Reply.json(400,
                "{\"error\": {\"type\": \"prompt_outputs_failed_validation\"}, \"node_errors\": {\"1\": {\"errors\": [{\"message\": \"Value not in list: ckpt_name\"}]}}}"));
        GeneratorException e = assertThrows(GeneratorException.class, () -> builder().build()
                .generate(new GenerateRequest("p", GenerationSettings.generationDefaults())));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("Value not in list"), e.getMessage());
        assertEquals(1, server.requests("/prompt").size());
    }

    @Test
    void aPromptThatNeverFinishesTimesOut() {
        comfy.pendingPolls = Integer.MAX_VALUE;
        ComfyUiClient c = builder().generationTimeout(Duration.ofMillis(200)).build();
        long t0 = System.nanoTime();
        GeneratorException e = assertThrows(GeneratorException.class,
                () -> c.generate(new GenerateRequest("p", GenerationSettings.generationDefaults().withSize(8, 8))));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 3_000);
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
    }

    @Test
    void malformedHistoryJsonIsAClearError() {
        server.route("GET", "/history/", r -> FakeServer.Reply.text(200, "<html>proxy error</html>"));
        GeneratorException e = assertThrows(GeneratorException.class, () -> builder().build()
                .generate(new GenerateRequest("p", GenerationSettings.generationDefaults().withSize(8, 8))));
        assertTrue(e.getMessage().contains("malformed JSON") && e.getMessage().contains("/history/p-1"), e.getMessage());
        assertTrue(e.getMessage().contains("proxy error"), e.getMessage());
    }

    @Test
    void workflowsAreValidatedWithTheirNameAndPlaceholder() {
        IllegalArgumentException noCkpt = assertThrows(IllegalArgumentException.class,
                () -> ComfyUiClient.builder(server.uri()).build());
        assertTrue(noCkpt.getMessage().contains("{{checkpoint}}"), noCkpt.getMessage());
        IllegalArgumentException ui = assertThrows(IllegalArgumentException.class,
                () -> ComfyWorkflow.parse("{\"nodes\": [], \"links\": []}", "my_workflow.json"));
        assertTrue(ui.getMessage().contains("my_workflow.json") && ui.getMessage().contains("API Format"), ui.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ComfyWorkflow.parse("{\"1\": {\"inputs\": {}}}", "w.json"));
        assertTrue(bad.getMessage().contains("node '1'") && bad.getMessage().contains("class_type"), bad.getMessage());
        ComfyWorkflow noImage = ComfyWorkflow.parse(
                "{\"1\": {\"class_type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"{{prompt}}\"}}}", "inpaint.json");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> builder().inpaintWorkflow(noImage).build());
        assertTrue(missing.getMessage().contains("inpaint.json") && missing.getMessage().contains("{{image}}"),
                missing.getMessage());
        ComfyWorkflow unknown = ComfyWorkflow.parse(
                "{\"1\": {\"class_type\": \"X\", \"inputs\": {\"text\": \"{{prompt}} {{lora_name}}\"}}}", "t.json");
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> builder().txt2imgWorkflow(unknown).build());
        assertTrue(u.getMessage().contains("{{lora_name}}") && u.getMessage().contains("variable"), u.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ComfyWorkflow.parse("[1, 2]", "x"));
        assertThrows(IllegalArgumentException.class, () -> ComfyWorkflow.parse("{nope", "x"));
    }
}
