package ai.legion.models.inference;

import ai.legion.models.GenerationListener;
import ai.legion.models.lm.GenerationOptions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.Explanations;
import ai.legion.core.report.Verdict;
import ai.legion.models.testing.Parity;
import ai.legion.models.testing.TinyLegion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer end to end on the complete tiny LEGION folder, from its PNG: upstream's greedy ids,
 * upstream's masks when the fixture's answer is forced, batches, threads, bad inputs and DJL.
 */
class LegionAnalyzerTest {

    static LegionAnalyzer analyzer;
    static Checkpoint io;
    static NDManager data;
    static Path png;

    @BeforeAll
    static void build() throws Exception {
        io = Parity.open("legion_tiny", "io.safetensors");
        data = NDManager.newBaseManager();
        analyzer = builder(Parity.folder("legion_tiny")).build();
        png = Parity.folder("legion_tiny").resolve("image.png");
    }

    /** The fixture's prompt ids are hand-made (not a tokenization of the real prompt): replay them exactly. */
    static LegionAnalyzer.Builder builder(Path dir) throws Exception {
        return LegionAnalyzer.builder().model(dir).clip(Parity.folder("legion_tiny/clip"))
                .samConfig(SamConfig.read(Parity.folder("sam").resolve("config.json")))
                .promptIds(ids("prompt_input_ids"));
    }

    @AfterAll
    static void close() {
        data.close();
        io.close();
        analyzer.close();
    }

    static NDArray t(String key) throws Exception {
        return Parity.tensor(data, io, key);
    }

    static long[] ids(String key) throws Exception {
        return t(key).toType(DataType.INT64, false).flatten().toLongArray();
    }

    /** The answer part of the fixture's teacher-forced ids. */
    static long[] answer() throws Exception {
        long[] all = ids("input_ids");
        return Arrays.copyOfRange(all, ids("prompt_input_ids").length, all.length);
    }

    static GenerationOptions forcing(long[] tokens) {
        return GenerationOptions.DEFAULT.withMaxNewTokens(tokens.length).withProcessor((seq, step, gen, logits) -> {
            Arrays.fill(logits, -1e9f);
            logits[(int) tokens[step]] = 0f;
        });
    }

    @Test
    void greedyIdsFromThePngMatchUpstream() throws Exception {
        long[] expected = ids("gen_new_tokens");
        List<Long> heard = new ArrayList<>();
        RgbImage image = new ImageLoader().load(png);
        ArtifactReport r = analyzer.analyze(image, "image.png", GenerationOptions.DEFAULT.withMaxNewTokens(expected.length),
                GenerationListener.tokens((seq, token) -> heard.add(token)));
        assertArrayEquals(expected, heard.stream().mapToLong(Long::longValue).toArray());
        assertEquals(expected.length, r.generatedTokens());
        assertEquals(analyzer.tokenizer().decode(expected, false), r.rawText());
        assertEquals(image.width(), r.imageWidth());
        assertEquals(image.height(), r.imageHeight());
    }

    @Test
    void forcedAnswerGivesUpstreamsMasksVerdictAndPhrases() throws Exception {
        RgbImage image = new ImageLoader().load(png);
        ArtifactReport r = analyzer.analyze(image, "image.png", forcing(answer()), null);
        NDArray pred = t("pred_masks"); // [K, H, W] logits
        long k = pred.getShape().get(0);
        int h = (int) pred.getShape().get(1);
        int w = (int) pred.getShape().get(2);
        assertEquals(k, r.artifacts().size());
        float[] logits = pred.toFloatArray();
        for (int i = 0; i < k; i++) {
            BinaryMask expected = BinaryMask.fromLogits(logits, i * h * w, h, w);
            assertEquals(expected, r.artifacts().get(i).mask(), "mask " + i);
        }
        byte[] union = t("union_mask").toType(DataType.UINT8, false).toByteArray();
        assertEquals(BinaryMask.fromBytes(union, h, w), r.union());
        Verdict v = r.verdict().orElseThrow();
        assertEquals(ids("cls_pred")[0], v.label().classIndex());
        assertArrayEquals(t("cls_logits").toFloatArray(), v.logits(), 1e-4f);
        assertEquals(v, analyzer.classify(image));
    }

    @Test
    void batchesEqualSingleRunsAndBadFilesOnlyFailThemselves(@TempDir Path tmp) throws Exception {
        Path copy = Files.copy(png, tmp.resolve("copy.png"));
        Path corrupt = Files.write(tmp.resolve("corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path empty = Files.write(tmp.resolve("empty.jpg"), new byte[0]);
        Path missing = tmp.resolve("missing.png");
        try (LegionAnalyzer small = builder(Parity.folder("legion_tiny")).batchSize(2)
                .generation(GenerationOptions.DEFAULT.withMaxNewTokens(6)).build()) {
            List<BatchItem> items = small.analyzeAll(List.of(png, corrupt, copy, empty, missing, png));
            assertEquals(6, items.size());
            ArtifactReport single = small.analyze(png);
            for (int i : new int[] {0, 2, 5}) {
                assertTrue(items.get(i).succeeded(), items.get(i).toString());
                assertEquals(single.rawText(), items.get(i).report().rawText());
                assertEquals(single.union(), items.get(i).report().union());
            }
            for (int i : new int[] {1, 3, 4}) {
                assertFalse(items.get(i).succeeded());
                String name = Path.of(items.get(i).source()).getFileName().toString();
                assertTrue(items.get(i).error().getMessage().contains(name), items.get(i).error().getMessage());
            }
            assertNotNull(small.analyze(copy), "usable after failures");
        }
    }

    @Test
    void decodedImagesGiveTheBatchesOfFiles() throws Exception {
        RgbImage image = new ImageLoader().load(png);
        try (LegionAnalyzer small = builder(Parity.folder("legion_tiny")).batchSize(2)
                .generation(GenerationOptions.DEFAULT.withMaxNewTokens(6)).build()) {
            List<BatchItem> files = small.analyzeAll(List.of(png, png, png));
            List<BatchItem> decoded = small.analyzeAllDecoded(List.of(image, image, image), List.of("a", "b", "c"));
            assertEquals(3, decoded.size());
            for (int i = 0; i < 3; i++) {
                ArtifactReport want = files.get(i).report();
                ArtifactReport got = decoded.get(i).report();
                assertEquals(List.of("a", "b", "c").get(i), got.source());
                assertEquals(want.rawText(), got.rawText());
                assertEquals(want.union(), got.union());
                assertEquals(want.verdict(), got.verdict());
            }
            assertThrows(IllegalArgumentException.class, () -> small.analyzeAllDecoded(List.of(image), List.of()));
        }
    }

    @Test
    void concurrentCallsGiveTheSerialResults() throws Exception {
        RgbImage image = new ImageLoader().load(png);
        GenerationOptions o = forcing(answer());
        ArtifactReport serial = analyzer.analyze(image, "s", o, null);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<ArtifactReport>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(pool.submit(() -> analyzer.analyze(image, "s", o, null)));
            }
            for (Future<ArtifactReport> f : futures) {
                ArtifactReport r = f.get();
                assertEquals(serial.rawText(), r.rawText());
                assertEquals(serial.union(), r.union());
                assertEquals(serial.artifacts().size(), r.artifacts().size());
                for (int i = 0; i < r.artifacts().size(); i++) {
                    assertEquals(serial.artifacts().get(i).mask(), r.artifacts().get(i).mask());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withoutADetectionHeadThereIsNoVerdictAndClassifyExplainsWhy(@TempDir Path tmp) throws Exception {
        Path dir = TinyLegion.copyWithout(tmp.resolve("nohead"), "prediction_head.");
        try (LegionAnalyzer noHead = builder(dir).generation(GenerationOptions.DEFAULT.withMaxNewTokens(4)).build()) {
            ArtifactReport r = noHead.analyze(png);
            assertTrue(r.verdict().isEmpty());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> noHead.classify(png));
            assertTrue(e.getMessage().contains("no detection head"), e.getMessage());
        }
    }

    @Test
    void imagesJudgedRealAreNotExplainedUnlessAskedFor() throws Exception {
        for (Verdict.Label forced : Verdict.Label.values()) {
            try (LegionAnalyzer a = builder(Parity.folder("legion_tiny"))
                    .generation(GenerationOptions.DEFAULT.withMaxNewTokens(4)).build();
                    LegionAnalyzer explaining = builder(Parity.folder("legion_tiny")).explainReal(true)
                            .generation(GenerationOptions.DEFAULT.withMaxNewTokens(4)).build()) {
                forceVerdict(a, forced);
                forceVerdict(explaining, forced);
                ArtifactReport r = a.analyze(png);
                ArtifactReport all = explaining.analyze(png);
                assertEquals(forced, r.verdict().orElseThrow().label());
                assertEquals(r.verdict(), all.verdict());
                assertEquals(4, all.generatedTokens(), "explained on request: the LLM ran");
                if (forced == Verdict.Label.REAL) {
                    assertEquals(Explanations.SKIPPED, r.explanations());
                    assertEquals(0, r.generatedTokens(), "the LLM did not run");
                    assertTrue(r.artifacts().isEmpty() && r.summary().isEmpty() && r.union().area() == 0);
                    assertEquals(Explanations.FORCED, all.explanations());
                } else {
                    assertEquals(Explanations.GENERATED, r.explanations());
                    assertEquals(all.rawText(), r.rawText(), "a FAKE verdict is explained either way");
                    assertEquals(Explanations.GENERATED, all.explanations());
                }
            }
        }
    }

    /** Makes the detection head answer {@code label} for every image: output bias +-50 on the final layer. */
    private static void forceVerdict(LegionAnalyzer a, Verdict.Label label) {
        NDArray bias = a.model().weightMap(true).parameter("prediction_head.2.bias").getArray();
        float[] b = new float[2];
        b[label.classIndex()] = 50f;
        b[1 - label.classIndex()] = -50f;
        try (NDManager m = NDManager.newBaseManager()) {
            ai.legion.models.nn.Ops.assign(bias, m.create(b));
        }
    }

    @Test
    void djlPredictorsThroughZooModelAndCriteria() throws Exception {
        Image image = ImageFactory.getInstance().fromFile(png);
        try (LegionAnalyzer a = builder(Parity.folder("legion_tiny"))
                .generation(GenerationOptions.DEFAULT.withMaxNewTokens(5)).build()) {
            ArtifactReport direct = a.analyze(image);
            try (ZooModel<Image, ArtifactReport> zoo = LegionTranslator.zooModel(a);
                    Predictor<Image, ArtifactReport> p = zoo.newPredictor()) {
                assertEquals(direct.rawText(), p.predict(image).rawText());
            }
        }
        Criteria<Image, ArtifactReport> criteria = Criteria.builder().setTypes(Image.class, ArtifactReport.class)
                .optModelPath(Parity.folder("legion_tiny")).optEngine("PyTorch")
                .optBlock(LegionTranslator.passThrough()).optOption("hasParameter", "false")
                .optArgument("clip", Parity.folder("legion_tiny/clip").toString())
                .optArgument("samConfig", Parity.folder("sam").resolve("config.json").toString())
                .optArgument("maxNewTokens", "5")
                .optTranslatorFactory(new LegionTranslatorFactory()).build();
        try (ZooModel<Image, ArtifactReport> model = criteria.loadModel();
                Predictor<Image, ArtifactReport> p = model.newPredictor()) {
            ArtifactReport r = p.predict(image);
            assertEquals(5, r.generatedTokens());
        }
    }
}
