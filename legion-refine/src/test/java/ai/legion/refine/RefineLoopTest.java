package ai.legion.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.ReportJson;
import ai.legion.refine.server.Automatic1111Client;
import ai.legion.refine.server.FakeA1111;
import ai.legion.refine.server.FakeServer;
import ai.legion.refine.server.HttpOptions;
import ai.legion.refine.server.Pictures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both loops with a deterministic artifact source ({@link MarkerSource}) so that artifacts appear and
 * disappear, against the A1111 protocol server and in-process generators.
 */
class RefineLoopTest {

    static final HttpOptions FAST = new HttpOptions(Duration.ofSeconds(2), Duration.ofSeconds(5), 1,
            Duration.ofMillis(10), Duration.ofMillis(10));

    @TempDir
    Path tmp;
    FakeServer server;

    @BeforeEach
    void start() throws Exception {
        server = FakeA1111.install(FakeServer.start());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A base picture without pure red or blue pixels (channels within 20..235). */
    static RgbImage base(int w, int h) {
        byte[] rgb = Pictures.pattern(w, h, 3).rgb().clone();
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (20 + (rgb[i] & 0xFF) * 215 / 255);
        }
        return new RgbImage(w, h, rgb);
    }

    static RgbImage read(Path p) throws Exception {
        return new ImageLoader().load(p);
    }

    /** Every pixel outside {@code mask} is bit-identical in a and b. */
    static void assertSameOutside(RgbImage a, RgbImage b, BinaryMask mask, String what) {
        assertEquals(a.width(), b.width());
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                if (!mask.get(x, y)) {
                    for (int c = 0; c < 3; c++) {
                        if (a.get(x, y, c) != b.get(x, y, c)) {
                            throw new AssertionError(what + ": pixel (" + x + ", " + y + ") outside the masks changed");
                        }
                    }
                }
            }
        }
    }

    @Test
    void inpaintingRepairsRegionByRegionKeepsEveryOtherPixelAndStopsWhenClean() throws Exception {
        RgbImage input = MarkerSource.paint(MarkerSource.paint(base(90, 67), 10, 10, 6, MarkerSource.RED), 60, 40, 5,
                MarkerSource.BLUE);
        Path in = tmp.resolve("input.png");
        Files.write(in, ImageCodec.png(input));
        MarkerSource legion = new MarkerSource();
        List<Integer> seen = new ArrayList<>();
        Path out = tmp.resolve("out");
        RefinementResult r = Refiner.inpainting().artifacts(legion)
                .inpainter(Automatic1111Client.builder(server.uri()).http(FAST).build())
                .rounds(3).dilation(5, 5).output(out).onIteration(it -> seen.add(it.iteration())).run(in);

        // round 0 repaints both regions; the fake inverts them away, so LEGION finds nothing in round 1
        assertEquals(2, r.iterations().size());
        assertEquals("no artifact left", r.stopReason());
        assertTrue(r.stoppedEarly());
        assertEquals(List.of(0, 1), seen);
        assertEquals(2, legion.calls.get());
        IterationResult first = r.iterations().get(0);
        assertEquals(2, first.edits().size());
        assertEquals(List.of(0, 1), first.edits().stream().map(RegionEdit::artifactIndex).toList());
        assertEquals(InpaintingRefiner.prompt(InpaintingRefiner.PROMPT_TEMPLATE, first.report().artifacts().get(0)),
                first.edits().get(0).prompt());
        assertTrue(first.edits().get(0).prompt().startsWith("Try to avoid the problem: The hand has six fingers. And"));
        assertEquals(List.of(42L, 43L), first.edits().stream().map(RegionEdit::seed).toList());

        // the server saw the running image: the second call's init image already has region 0 repainted
        List<FakeServer.Request> calls = server.requests("/sdapi/v1/img2img");
        assertEquals(2, calls.size());
        RgbImage secondInit = Pictures.decodeB64(calls.get(1).json().at("/init_images/0").asText());
        assertTrue(MarkerSource.pixels(secondInit, MarkerSource.RED).isEmpty());
        assertFalse(MarkerSource.pixels(secondInit, MarkerSource.BLUE).isEmpty());
        // and the dilated masks: a 6x6 square grows by 10 on each side (21x21 kernel), clipped at the border
        BinaryMask sent = MaskImages.fromImage(Pictures.decodeB64(calls.get(0).json().get("mask").asText()).toBufferedImage());
        assertEquals(MaskOps.dilate(MarkerSource.pixels(input, MarkerSource.RED), 5, 5), sent);
        assertEquals(26 * 26, sent.area());

        // files: iteration_0 {image, report, mask_0, mask_1, prompt}, iteration_1 {image, report}
        Path it0 = out.resolve("iteration_0");
        Path it1 = out.resolve("iteration_1");
        assertEquals(input, read(it0.resolve("image.png")));
        assertEquals(sent, MaskImages.read(it0.resolve("mask_0.png")));
        assertTrue(Files.exists(it0.resolve("mask_1.png")));
        String prompts = Files.readString(it0.resolve("prompt.txt"));
        assertTrue(prompts.startsWith("mask_0.png: Try to avoid the problem: The hand has six fingers."), prompts);
        assertTrue(prompts.contains("mask_1.png: Try to avoid the problem: The reflection"), prompts);
        ArtifactReport rep0 = ReportJson.read(it0.resolve("report.json"));
        assertEquals(List.of("hand", "reflection"), rep0.phrases());
        assertFalse(Files.exists(it1.resolve("prompt.txt")));
        assertFalse(Files.exists(it1.resolve("mask_0.png")));

        // Eq. 6: outside the union of the dilated masks every pixel is bit-identical, read back from the PNGs
        RgbImage refined = read(it1.resolve("image.png"));
        assertEquals(r.finalImage(), refined);
        BinaryMask union = BinaryMask.union(first.edits().get(0).mask(), first.edits().get(1).mask());
        assertSameOutside(input, refined, union, "round 0");
        assertNotEquals(input, refined);
        // inside, the repaint came through (the fake inverted it; the 88x64 answer was resized back to 90x67)
        assertTrue(refined.get(12, 12, 0) < 128 && refined.get(12, 12, 1) > 128, "red became ~cyan: " + refined.get(12, 12, 0));

        // summary.json
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals("legion-refine", s.get("format").asText());
        assertEquals("inpainting", s.get("mode").asText());
        assertEquals(in.toString(), s.get("input").asText());
        assertTrue(s.get("finished").asBoolean());
        assertEquals("no artifact left", s.get("stopReason").asText());
        assertEquals(2, s.get("iterations").size());
        JsonNode i0 = s.at("/iterations/0");
        assertEquals("iteration_0/image.png", i0.get("image").asText());
        assertEquals(first.artifactArea(), i0.get("artifactArea").asDouble(), 0);
        assertEquals((36.0 + 25.0) / (90 * 67), i0.at("/scores/artifact_area").asDouble(), 1e-12);
        assertEquals("iteration_0/mask_0.png", i0.at("/edits/0/mask").asText());
        assertEquals(0.0, s.at("/iterations/1/scores/artifact_area").asDouble());
        assertEquals("iteration_1/image.png", s.at("/final/image").asText());
        assertEquals(5, s.at("/settings/dilation/iterations").asInt());
        assertEquals(0.84, s.at("/settings/strength").asDouble());
        assertEquals(List.of(r.iterations().get(0).artifactArea(), 0.0),
                List.of(r.scores("artifact_area")[0], r.scores("artifact_area")[1]));
    }

    @Test
    void aStubbornArtifactRunsAllRoundsAndEachRoundOnlyTouchesItsMasks() throws Exception {
        RgbImage input = MarkerSource.paint(base(40, 30), 30, 20, 4, MarkerSource.RED);
        // an inpainter that repaints everything (a VAE round trip) but leaves the red marker in place
        Inpainter stubborn = req -> {
            RgbImage inv = Pictures.invert(req.image());
            return MarkerSource.paint(inv, 30, 20, 4, MarkerSource.RED);
        };
        RefinementResult r = Refiner.inpainting().artifacts(new MarkerSource()).inpainter(stubborn).rounds(2)
                .dilation(3, 1).output(tmp.resolve("o")).run(input);
        assertEquals(3, r.iterations().size(), "rounds 0, 1 and the final analysis");
        assertEquals("rounds done", r.stopReason());
        assertTrue(r.last().edits().isEmpty());
        for (int t = 0; t < 2; t++) {
            IterationResult it = r.iterations().get(t);
            assertSameOutside(it.image(), r.iterations().get(t + 1).image(), it.edits().get(0).mask(), "round " + t);
            assertEquals(36, it.edits().get(0).mask().area(), "4x4 dilated by 3x3 once");
        }
        // pixels far from the artifact are those of the input after every round
        assertSameOutside(input, r.finalImage(), r.iterations().get(0).edits().get(0).mask(), "all rounds");
    }

    @Test
    void regenerationRevisesThePromptFromTheMemoryBankUntilLegionIsSatisfied() throws Exception {
        // a generator that draws a six-fingered hand (red) unless the prompt asks for correct hands
        List<String> prompts = new ArrayList<>();
        ImageGenerator gen = req -> {
            prompts.add(req.prompt());
            RgbImage img = base(req.settings().width(), req.settings().height());
            return req.prompt().contains("anatomically correct hands") ? img : MarkerSource.paint(img, 5, 5, 4, MarkerSource.RED);
        };
        List<Integer> memorySizes = new ArrayList<>();
        RuleBasedReviser rules = new RuleBasedReviser();
        PromptReviser spy = (p, m) -> {
            memorySizes.add(m.size());
            assertEquals("a man waving, golden hour", m.originalPrompt());
            return rules.revise(p, m);
        };
        Path out = tmp.resolve("regen");
        RefinementResult r = Refiner.regeneration().artifacts(new MarkerSource()).generator(gen).reviser(spy)
                .settings(GenerationSettings.generationDefaults().withSize(32, 24).withSeed(5)).iterations(3)
                .output(out).run("a man waving, golden hour");
        assertEquals(3, r.iterations().size(), "upstream runs every round");
        assertEquals("iterations done", r.stopReason());
        assertEquals(List.of(1, 2), memorySizes, "M_t grows by one report per iteration (Eq. 5)");
        assertEquals("a man waving, golden hour", r.iterations().get(0).prompt());
        assertEquals("a man waving, golden hour, anatomically correct hands with five fingers", r.iterations().get(1).prompt());
        assertEquals(prompts, r.iterations().stream().map(IterationResult::prompt).toList());
        assertEquals(1, r.iterations().get(0).report().artifacts().size());
        assertEquals(0, r.iterations().get(1).report().artifacts().size());
        assertEquals("a man waving, golden hour\n", Files.readString(out.resolve("iteration_0/prompt.txt")));
        assertEquals(r.iterations().get(1).prompt() + "\n", Files.readString(out.resolve("iteration_1/prompt.txt")));
        assertTrue(Files.exists(out.resolve("iteration_0/mask_0.png")), "LEGION's artifact mask");
        assertFalse(Files.exists(out.resolve("iteration_1/mask_0.png")));
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals("regeneration", s.get("mode").asText());
        assertEquals("hand: The hand has six fingers.", s.at("/iterations/0/reflection").asText());
        assertEquals("iteration_0/mask_0.png", s.at("/iterations/0/artifacts/0/mask").asText());
        assertTrue(s.at("/iterations/0/scores/artifact_area").asDouble() > 0);
        assertEquals(0.0, s.at("/iterations/1/scores/artifact_area").asDouble());

        // with stopWhenClean the loop ends at the first clean image; a rerun into the same folder drops stale iterations
        RefinementResult early = Refiner.regeneration().artifacts(new MarkerSource()).generator(gen)
                .settings(GenerationSettings.generationDefaults().withSize(32, 24)).stopWhenClean(true).output(out)
                .run("a man waving, golden hour");
        assertEquals(2, early.iterations().size());
        assertEquals("no artifact left", early.stopReason());
        assertFalse(Files.exists(out.resolve("iteration_2")), "the earlier run's iteration_2 was removed");
    }

    @Test
    void regenerationOverHttpStartsFromAGivenImageAndScoresWithEveryScorer() throws Exception {
        RgbImage start = MarkerSource.paint(base(64, 48), 1, 1, 3, MarkerSource.RED);
        QualityScorer brightness = new QualityScorer() {
            @Override
            public String name() {
                return "mean_red";
            }

            @Override
            public double score(ScoringInput in) {
                double sum = 0;
                for (int i = 0; i < in.image().rgb().length; i += 3) {
                    sum += in.image().rgb()[i] & 0xFF;
                }
                return sum / in.image().pixelCount();
            }
        };
        RefinementResult r = Refiner.regeneration().artifacts(new MarkerSource())
                .generator(Automatic1111Client.builder(server.uri()).http(FAST).build()).scorer(brightness).iterations(2)
                .settings(GenerationSettings.generationDefaults().withSize(64, 48).withSeed(3)).output(tmp.resolve("h"))
                .run("a red fox in snow", start);
        assertEquals(start, r.iterations().get(0).image(), "iteration 0 analyzes the given image");
        assertEquals(1, server.requests().size(), "only iteration 1 was generated");
        JsonNode sent = server.requests().get(0).json();
        assertEquals(r.iterations().get(1).prompt(), sent.get("prompt").asText());
        assertEquals(4, sent.get("seed").asLong(), "seed + iteration");
        assertEquals(List.of("artifact_area", "mean_red"), List.copyOf(r.last().scores().keySet()));
        assertEquals(Pictures.pattern(64, 48, 4 ^ sent.get("prompt").asText().hashCode()), r.finalImage());
    }

    @Test
    void failuresNameTheIterationAndServerAndBadSetupsAreRejected() throws Exception {
        server.route("POST", "/sdapi/v1/img2img", q -> FakeServer.Reply.json(500, "{\"error\": \"OutOfMemoryError\"}"));
        RgbImage input = MarkerSource.paint(base(20, 20), 2, 2, 3, MarkerSource.RED);
        GeneratorException e = assertThrows(GeneratorException.class, () -> Refiner.inpainting()
                .artifacts(new MarkerSource()).inpainter(Automatic1111Client.builder(server.uri()).http(FAST).build())
                .output(tmp.resolve("fail")).run(input));
        assertTrue(e.getMessage().contains("iteration 0, artifact 0 ('hand')"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 500") && e.getMessage().contains("OutOfMemoryError"), e.getMessage());
        assertEquals(500, e.status());
        assertTrue(Files.exists(tmp.resolve("fail/iteration_0/report.json")), "finished steps stay on disk");

        IllegalArgumentException noOut = assertThrows(IllegalArgumentException.class,
                () -> Refiner.inpainting().artifacts(new MarkerSource()).inpainter(req -> req.image()).run(input));
        assertTrue(noOut.getMessage().contains("output"), noOut.getMessage());
        IllegalArgumentException noLegion = assertThrows(IllegalArgumentException.class,
                () -> Refiner.regeneration().generator(req -> input).output(tmp).run("p"));
        assertTrue(noLegion.getMessage().contains("analyzer"), noLegion.getMessage());
        RefineException missing = assertThrows(RefineException.class, () -> Refiner.inpainting()
                .artifacts(new MarkerSource()).inpainter(req -> req.image()).output(tmp.resolve("m"))
                .run(tmp.resolve("nope.png")));
        assertTrue(missing.getMessage().contains("nope.png"), missing.getMessage());
        Files.writeString(tmp.resolve("file"), "x");
        RefineException notDir = assertThrows(RefineException.class, () -> Refiner.inpainting()
                .artifacts(new MarkerSource()).inpainter(req -> req.image()).output(tmp.resolve("file")).run(input));
        assertTrue(notDir.getMessage().contains("not a folder"), notDir.getMessage());
        RefineException wrongSize = assertThrows(RefineException.class, () -> Refiner.inpainting()
                .artifacts((img, src) -> ArtifactReport.builder(src, 5, 5).build()).inpainter(req -> req.image())
                .output(tmp.resolve("w")).run(input));
        assertTrue(wrongSize.getMessage().contains("5x5") && wrongSize.getMessage().contains("20x20"), wrongSize.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Refiner.inpainting().promptTemplate("no placeholder"));
        RefineException blank = assertThrows(RefineException.class, () -> Refiner.regeneration()
                .artifacts(new MarkerSource()).generator(req -> MarkerSource.paint(base(8, 8), 0, 0, 2, MarkerSource.RED))
                .reviser((p, m) -> " ").iterations(2).output(tmp.resolve("b")).run("p"));
        assertTrue(blank.getMessage().contains("iteration 1") && blank.getMessage().contains("empty prompt"),
                blank.getMessage());
    }
}
