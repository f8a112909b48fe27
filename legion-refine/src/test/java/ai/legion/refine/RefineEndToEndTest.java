package ai.legion.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.ReportJson;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.refine.server.Automatic1111Client;
import ai.legion.refine.server.ComfyUiClient;
import ai.legion.refine.server.FakeA1111;
import ai.legion.refine.server.FakeComfyUi;
import ai.legion.refine.server.FakeServer;
import ai.legion.refine.server.Pictures;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both loops end to end with the real analyzer on the tiny LEGION fixture model, against the local
 * protocol servers. The tiny model has random weights, so its greedy answer rarely grounds an artifact; the
 * inpainting test therefore forces upstream's recorded answer token by token (through the analyzer's public
 * {@code analyze(image, source, options, listener)}), which makes the real SAM decoder predict real masks on
 * every (changing) image.
 */
class RefineEndToEndTest {

    static LegionAnalyzer analyzer;
    static GenerationOptions forced;
    static Path png;

    @BeforeAll
    static void build() throws Exception {
        long[] prompt;
        long[] all;
        try (Checkpoint io = Checkpoints.open(Fixtures.path("parity/legion_tiny/io.safetensors")); NDManager m = NDManager.newBaseManager()) {
            prompt = NDArrayLoader.load(io, "prompt_input_ids", m, NDArrayLoader.FloatPolicy.FLOAT32).toType(DataType.INT64, false).flatten().toLongArray();
            all = NDArrayLoader.load(io, "input_ids", m, NDArrayLoader.FloatPolicy.FLOAT32).toType(DataType.INT64, false).flatten().toLongArray();
        }
        long[] answer = Arrays.copyOfRange(all, prompt.length, all.length);
        forced = GenerationOptions.DEFAULT.withMaxNewTokens(answer.length).withProcessor((seq, step, gen, logits) -> {
            Arrays.fill(logits, -1e9f);
            logits[(int) answer[step]] = 0f;
        });
        analyzer = LegionAnalyzer.builder().model(Fixtures.path("parity/" + "legion_tiny")).clip(Fixtures.path("parity/" + "legion_tiny/clip"))
                .samConfig(SamConfig.read(Fixtures.path("parity/" + "sam").resolve("config.json"))).promptIds(prompt)
                .generation(GenerationOptions.DEFAULT.withMaxNewTokens(8)).explainReal(true).build();
        png = Fixtures.path("parity/" + "legion_tiny").resolve("image.png");
    }

    @AfterAll
    static void close() {
        if (analyzer != null) {
            analyzer.close();
        }
    }

    @Test
    void inpaintingWithTheRealAnalyzerAgainstAutomatic1111KeepsPixelsOutsideTheMasks(@TempDir Path tmp) throws Exception {
        ArtifactSource legion = (image, source) -> analyzer.analyze(image, source, forced, null);
        // the random tiny model marks ~80% of its 90x67 image; upstream's 21x21 dilation would cover every pixel,
        // so dilation is off here to leave pixels whose preservation can be checked (dilation: MaskOpsTest)
        try (FakeServer server = FakeA1111.install(FakeServer.start())) {
            Path out = tmp.resolve("inpaint");
            RefinementResult r = Refiner.inpainting().artifacts(legion)
                    .inpainter(Automatic1111Client.builder(server.uri()).http(RefineLoopTest.FAST).build())
                    .rounds(2).dilation(1, 0).output(out).run(png);
            IterationResult first = r.iterations().get(0);
            assertFalse(first.edits().isEmpty(), "the forced answer grounds artifacts with masks: " + first.report().phrases());
            assertEquals(r.iterations().stream().mapToInt(i -> i.edits().size()).sum(),
                    server.requests("/sdapi/v1/img2img").size(), "one img2img call per region and round");
            RgbImage input = new ImageLoader().load(png);
            assertEquals(input, new ImageLoader().load(out.resolve("iteration_0/image.png")));
            for (int t = 0; t + 1 < r.iterations().size(); t++) {
                IterationResult it = r.iterations().get(t);
                RgbImage now = new ImageLoader().load(out.resolve("iteration_" + t + "/image.png"));
                RgbImage next = new ImageLoader().load(out.resolve("iteration_" + (t + 1) + "/image.png"));
                BinaryMask union = BinaryMask.union(it.image().height(), it.image().width(),
                        it.edits().stream().map(RegionEdit::mask).toList());
                RefineLoopTest.assertSameOutside(now, next, union, "iteration " + t);
                assertTrue(union.area() < union.pixelCount(), "masks do not cover the whole image");
                for (RegionEdit e : it.edits()) {
                    BinaryMask raw = it.report().artifacts().stream().filter(a -> a.index() == e.artifactIndex())
                            .findFirst().orElseThrow().mask();
                    assertEquals(raw, e.mask(), "dilation(1, 0) keeps LEGION's mask");
                    assertEquals(e.mask(), MaskImages.read(e.maskFile()));
                }
                ArtifactReport written = ReportJson.read(out.resolve("iteration_" + t + "/report.json"));
                assertEquals(it.report().phrases(), written.phrases());
                assertEquals(it.report().union(), written.union());
            }
            JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
            assertEquals(r.iterations().size(), s.get("iterations").size());
            for (int t = 0; t < r.iterations().size(); t++) {
                assertEquals(r.iterations().get(t).report().artifactAreaFraction(),
                        s.at("/iterations/" + t + "/scores/artifact_area").asDouble(), 0);
            }
            System.out.printf("refine e2e (inpainting, tiny model, forced answer): %d iterations, %s, artifact area %s,"
                    + " analyze ms %s%n", r.iterations().size(), r.stopReason(),
                    Arrays.toString(r.scores(ArtifactAreaScorer.NAME)),
                    r.iterations().stream().map(i -> i.analyzeMillis()).toList());
        }
    }

    @Test
    void regenerationWithTheRealAnalyzerAgainstComfyUi(@TempDir Path tmp) throws Exception {
        FakeComfyUi comfy = new FakeComfyUi();
        try (FakeServer server = comfy.install(FakeServer.start())) {
            ComfyUiClient client = ComfyUiClient.builder(server.uri()).http(RefineLoopTest.FAST).checkpoint("demo.safetensors")
                    .pollInterval(Duration.ofMillis(10)).build();
            Path out = tmp.resolve("regen");
            RefinementResult r = Refiner.regeneration().artifacts(analyzer::analyze).generator(client).reviser(new RuleBasedReviser())
                    .settings(GenerationSettings.generationDefaults().withSize(64, 48).withSeed(1)).iterations(2)
                    .output(out).run("a lighthouse on a cliff, dramatic sky");
            assertEquals(2, r.iterations().size());
            assertEquals(2, server.requests("/prompt").size());
            for (int t = 0; t < 2; t++) {
                IterationResult it = r.iterations().get(t);
                assertEquals(64, it.report().imageWidth());
                assertEquals(48, it.report().imageHeight());
                assertEquals(8, it.report().generatedTokens(), "the analyzer's own 8-token budget");
                assertEquals(Pictures.pattern(64, 48, 7), new ImageLoader().load(it.imageFile()));
                assertEquals(it.prompt() + "\n", Files.readString(out.resolve("iteration_" + t + "/prompt.txt")));
                assertEquals(it.report().rawText(), ReportJson.read(it.reportFile()).rawText());
                assertTrue(it.scores().containsKey(ArtifactAreaScorer.NAME));
            }
            JsonNode graph = server.requests("/prompt").get(1).json().get("prompt");
            assertEquals(r.iterations().get(1).prompt(), graph.at("/2/inputs/text").asText());
            assertEquals(2, graph.at("/5/inputs/seed").asLong(), "seed + iteration");
            JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
            assertEquals(List.of("a lighthouse on a cliff, dramatic sky", r.iterations().get(1).prompt()),
                    List.of(s.at("/iterations/0/prompt").asText(), s.at("/iterations/1/prompt").asText()));
        }
    }
}
