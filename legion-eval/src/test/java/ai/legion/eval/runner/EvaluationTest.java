package ai.legion.eval.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.core.text.RougeL;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.perturb.JpegCompression;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.eval.metrics.DetectionAccumulator;
import ai.legion.eval.metrics.LocalizationAccumulator;
import ai.legion.eval.metrics.LocalizationSummary;
import ai.legion.models.inference.BatchItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner on scars-sim images with the tiny model and with stored predictions: its aggregates equal the
 * metrics computed directly, perfect and trivial stored predictions give the known values, and resuming
 * gives the uninterrupted result.
 */
class EvaluationTest {

    static final Set<Task> LOC_EXP = EnumSet.of(Task.LOCALIZATION, Task.EXPLANATION);

    @TempDir
    static Path tmp;

    static List<ArtifactRecord> records;
    static EvalResult uninterrupted;

    @BeforeAll
    static void data() throws Exception {
        records = TestData.testRecords();
        assertEquals(6, records.size());
    }

    /** The model on the first two test images, in one go (computed once). */
    static synchronized EvalResult uninterrupted() throws Exception {
        if (uninterrupted == null) {
            uninterrupted = Evaluation.of(LOC_EXP).predictions(new AnalyzerPredictions(TestData.analyzer(), "legion", 2))
                    .data(records).limit(2).resultsFile(tmp.resolve("full.jsonl")).progress(false).run();
        }
        return uninterrupted;
    }

    static BinaryMask groundTruth(ArtifactRecord r, int h, int w) {
        return SynthScarsReader.groundTruthMask(r, h, w);
    }

    @Test
    void aggregatesEqualTheMetricsComputedDirectlyOnTheSamePredictions() throws Exception {
        EvalResult run = uninterrupted();
        assertEquals(2, run.evaluated());
        assertEquals(0, run.summary().failed());
        List<BatchItem> items = TestData.analyzer().analyzeAll(records.subList(0, 2).stream()
                .map(ArtifactRecord::image).toList());
        LocalizationAccumulator acc = new LocalizationAccumulator();
        RougeL rouge = RougeL.withStemmer();
        double rougeSum = 0;
        for (int i = 0; i < 2; i++) {
            ArtifactReport rep = items.get(i).report();
            acc.add(rep.union(), groundTruth(records.get(i), rep.imageHeight(), rep.imageWidth()));
            rougeSum += rouge.fmeasure(rep.explanationText(), records.get(i).caption());
            ImageResult res = run.results().get(i);
            assertEquals(records.get(i).id(), res.id());
            assertEquals(rep.verdict().orElseThrow().pFake(), res.detection().fakeProbability(), 0.0);
            assertEquals(Boolean.TRUE, res.detection().fake()); // SynthScars images are all fake
            assertEquals(rep.union(), res.localization().prediction(res.height(), res.width()));
        }
        assertTrue(acc.summary().miou() > 0.05 && acc.summary().f1() > 0, "forced [SEG]s predict non-trivial masks");
        assertSameLocalization(acc.summary(), run.summary().localization().all());
        assertEquals(rougeSum / 2, run.summary().explanation().rougeL(), 1e-15);
        // the lines on disk hold the same per-image counts
        Map<String, ImageResult> onDisk = ResultsFile.read(run.resultsFile()).results();
        assertEquals(2, onDisk.size());
        for (ImageResult r : run.results()) {
            assertEquals(r.localization().counts(), onDisk.get(r.id()).localization().counts());
            assertEquals(r.explanation(), onDisk.get(r.id()).explanation());
        }
    }

    static void assertSameLocalization(LocalizationSummary want, LocalizationSummary got) {
        assertEquals(want.count(), got.count());
        assertEquals(want.miou(), got.miou(), 0.0);
        assertEquals(want.f1(), got.f1(), 0.0);
        assertEquals(want.iou(), got.iou(), 0.0);
        assertEquals(want.giou(), got.giou(), 0.0);
        assertEquals(want.ciou(), got.ciou(), 0.0);
        assertEquals(want.datasetMiou(), got.datasetMiou(), 0.0);
    }

    /** A source that remembers which ids it was asked about. */
    static final class Recording implements PredictionSource {
        final PredictionSource inner;
        final List<String> seen = new ArrayList<>();

        Recording(PredictionSource inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public boolean usesPixels() {
            return inner.usesPixels();
        }

        @Override
        public int batchSize() {
            return inner.batchSize();
        }

        @Override
        public List<Prediction> predict(List<EvalInput> inputs, Set<Task> tasks) {
            inputs.forEach(i -> seen.add(i.record().id()));
            return inner.predict(inputs, tasks);
        }
    }

    @Test
    void aRerunSkipsDoneIdsAndEndsWithTheUninterruptedAggregate() throws Exception {
        EvalResult full = uninterrupted();
        Path file = tmp.resolve("resumed.jsonl");
        Recording first = new Recording(new AnalyzerPredictions(TestData.analyzer(), "legion", 2));
        EvalResult part = Evaluation.of(LOC_EXP).predictions(first).data(records).limit(1).resultsFile(file)
                .progress(false).run();
        assertEquals(List.of(records.get(0).id()), first.seen);
        assertEquals(1, part.evaluated());
        // a run killed in the middle of a line
        Files.writeString(file, "{\"id\": \"" + records.get(1).id() + "\", \"stat", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Recording second = new Recording(new AnalyzerPredictions(TestData.analyzer(), "legion", 2));
        EvalResult rest = Evaluation.of(LOC_EXP).predictions(second).data(records).limit(2).resultsFile(file)
                .progress(false).run();
        assertEquals(List.of(records.get(1).id()), second.seen);
        assertEquals(1, rest.resumed());
        assertEquals(1, rest.evaluated());
        assertSameLocalization(full.summary().localization().all(), rest.summary().localization().all());
        assertEquals(full.summary().explanation().rougeL(), rest.summary().explanation().rougeL(), 0.0);
        assertSameScores(full.results(), rest.results());
        ResultsFile.Contents c = ResultsFile.read(file);
        assertEquals(2, c.results().size());
        assertEquals(1, c.malformed());
        // nothing left to do
        Recording third = new Recording(new AnalyzerPredictions(TestData.analyzer(), "legion", 2));
        EvalResult again = Evaluation.of(LOC_EXP).predictions(third).data(records).limit(2).resultsFile(file)
                .progress(false).run();
        assertEquals(0, again.evaluated());
        assertTrue(third.seen.isEmpty());
        assertSameScores(full.results(), again.results());
    }

    /** Everything but the timing agrees. */
    static void assertSameScores(List<ImageResult> want, List<ImageResult> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            ImageResult a = want.get(i);
            ImageResult b = got.get(i);
            assertEquals(a.id(), b.id());
            assertEquals(a.localization(), b.localization(), a.id());
            assertEquals(a.explanation(), b.explanation(), a.id());
            assertEquals(a.detection(), b.detection(), a.id());
            assertEquals(a.generatedTokens(), b.generatedTokens(), a.id());
        }
    }

    /** Writes one mask PNG per record, named by id. */
    static Path writeMasks(Path dir, List<ArtifactRecord> recs, java.util.function.BiFunction<ArtifactRecord, int[],
            BinaryMask> mask) throws Exception {
        Files.createDirectories(dir);
        for (ArtifactRecord r : recs) {
            var img = javax.imageio.ImageIO.read(r.image().toFile());
            MaskImages.writePng(dir.resolve(r.id() + ".png"), mask.apply(r, new int[] {img.getHeight(), img.getWidth()}));
        }
        return dir;
    }

    @Test
    void storedGroundTruthMasksScorePerfectlyAndEmptyOrFullMasksScoreTheKnownBaselines() throws Exception {
        Path gt = writeMasks(tmp.resolve("gt-masks"), records, (r, hw) -> groundTruth(r, hw[0], hw[1]));
        EvalResult perfect = Evaluation.localization().predictions(ExternalPredictions.builder().masks(gt).build())
                .data(records).progress(false).run();
        LocalizationSummary p = perfect.summary().localization().all();
        assertEquals(6, p.count());
        assertEquals(1.0, p.f1(), 0.0);
        assertEquals(1.0, p.iou(), 0.0);
        assertEquals(1.0, p.miou(), 1e-6); // upstream's I/(U + 1e-6)
        assertTrue(p.miou() < 1.0);

        EvalResult empty = Evaluation.localization().predictions(ExternalPredictions.builder()
                .masks(Files.createDirectories(tmp.resolve("no-masks"))).missingAsEmpty(true).build())
                .data(records).progress(false).run();
        Path full = writeMasks(tmp.resolve("full-masks"), records, (r, hw) -> BinaryMask.full(hw[0], hw[1]));
        EvalResult all = Evaluation.localization().predictions(ExternalPredictions.builder().masks(full).build())
                .data(records).progress(false).run();
        // the runner's own baselines are exactly these predictions
        assertSameLocalization(empty.summary().localization().all(), perfect.summary().emptyMask().all());
        assertSameLocalization(all.summary().localization().all(), perfect.summary().fullMask().all());
        // the empty baseline in closed form: per image (background IoU + 0) / 2 with upstream's epsilon
        double want = 0;
        for (ArtifactRecord r : records) {
            BinaryMask g = groundTruth(r, 64, 64);
            want += (g.pixelCount() - g.area()) / (g.pixelCount() + 1e-6) / 2;
        }
        assertEquals(want / 6, empty.summary().localization().all().miou(), 1e-15);
        // scars-sim's stats.json draws polygons with its own (centre-inside) raster, not upstream's fillPoly,
        // so its baselines are close to, not equal to, the evaluation's
        JsonNode stats = new ObjectMapper().readTree(TestData.sim().resolve("stats.json").toFile()).get("splits")
                .get("test");
        assertEquals(stats.get("empty_mask_miou").asDouble(), empty.summary().localization().all().miou(), 0.02);
        assertEquals(stats.get("full_mask_miou").asDouble(), all.summary().localization().all().miou(), 0.02);
        assertEquals(0.0, empty.summary().localization().all().f1(), 0.0);
    }

    @Test
    void storedExplanationsAndScoresAreMatchedByFileNameOrIdAndScored() throws Exception {
        // upstream's merged explanation.json keys: the image path as the other tool saw it
        Map<String, String> texts = new LinkedHashMap<>();
        for (ArtifactRecord r : records.subList(0, 5)) {
            texts.put("/elsewhere/images/" + r.image().getFileName(), r.caption());
        }
        Path json = tmp.resolve("explanations.json");
        new ObjectMapper().writeValue(json.toFile(), texts);
        EvalResult r = Evaluation.explanation().predictions(ExternalPredictions.builder().explanations(json).build())
                .data(records).progress(false).run();
        assertEquals(5, r.summary().explanation().count());
        assertEquals(1.0, r.summary().explanation().rougeL(), 0.0);
        assertEquals(1, r.summary().failed());
        assertTrue(r.results().get(5).error().contains("no predicted explanation"), r.results().get(5).error());
        assertTrue(r.summary().explanation().constantCaptionRougeL() > 0.2
                && r.summary().explanation().constantCaptionRougeL() < 1);

        // upstream's per-image output folders: <file name>/explanation.json
        Path dir = tmp.resolve("upstream-out");
        for (ArtifactRecord rec : records) {
            Path d = Files.createDirectories(dir.resolve(rec.image().getFileName().toString()));
            new ObjectMapper().writeValue(d.resolve("explanation.json").toFile(),
                    Map.of(rec.image().toString(), "Upon examining the image. I have found: nothing."));
        }
        EvalResult folder = Evaluation.explanation().predictions(ExternalPredictions.builder().explanations(dir)
                .build()).data(records).progress(false).run();
        assertEquals(0, folder.summary().failed());
        double want = 0;
        for (ArtifactRecord rec : records) {
            want += RougeL.withStemmer().fmeasure("Upon examining the image. I have found: nothing.", rec.caption());
        }
        assertEquals(want / 6, folder.summary().explanation().rougeL(), 1e-15);

        // detection scores as a list keyed by image path
        EvalData det = EvalData.open(TestData.sim(), Task.DETECTION, EvalData.Options.defaults());
        List<ArtifactRecord> detRecords = det.records(0);
        List<Map<String, Object>> scores = new ArrayList<>();
        for (ArtifactRecord rec : detRecords) {
            boolean fake = rec.authenticity() == ai.legion.data.Authenticity.FAKE;
            scores.add(Map.of("image", rec.image().toString(), "p_fake", fake ? 0.9 : 0.2));
        }
        Path scoreFile = tmp.resolve("scores.json");
        new ObjectMapper().writeValue(scoreFile.toFile(), scores);
        EvalResult d = Evaluation.detection().predictions(ExternalPredictions.builder().scores(scoreFile).build())
                .data(det).progress(false).run();
        DetectionAccumulator.Report rep = d.summary().detection();
        assertEquals(1.0, rep.meanAccuracy(), 0.0);
        assertEquals(1.0, rep.pooled().averagePrecision(), 0.0);
        assertEquals(6, rep.pooled().count());
        assertEquals(0.5, d.summary().alwaysFake().meanAccuracy(), 0.0);
    }

    /** A sentence-transformers folder with the tiny MiniLM fixture weights and a vocabulary of caption words. */
    static Path tinyMiniLm() throws Exception {
        Path src = ai.legion.testing.Fixtures.path("parity/minilm");
        Path d = Files.createDirectories(tmp.resolve("minilm"));
        for (String f : List.of("config.json", "model.safetensors", "modules.json")) {
            Files.copy(src.resolve(f), d.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(d.resolve("1_Pooling"));
        Files.copy(src.resolve("1_Pooling/config.json"), d.resolve("1_Pooling/config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(d.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 64, \"do_lower_case\": true}");
        java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
                "[MASK]", ".", ",", ":", "'", "s"));
        for (ArtifactRecord r : records) {
            for (String w : r.caption().toLowerCase(java.util.Locale.ROOT).split("[^a-z]+")) {
                if (!w.isEmpty() && words.size() < 1000) {
                    words.add(w);
                }
            }
        }
        for (int i = 0; words.size() < 1000; i++) {
            words.add("w" + i);
        }
        Files.write(d.resolve("vocab.txt"), words);
        return d;
    }

    @Test
    void cssIsComputedPerImageWhenAnEncoderIsGiven() throws Exception {
        Map<String, String> texts = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            texts.put(records.get(i).id(), records.get((i + 1) % records.size()).caption());
        }
        Path json = tmp.resolve("shifted.json");
        new ObjectMapper().writeValue(json.toFile(), texts);
        try (ai.legion.eval.css.Css css = ai.legion.eval.css.Css.load(tinyMiniLm())) {
            EvalResult r = Evaluation.explanation().predictions(ExternalPredictions.builder().explanations(json).build())
                    .data(records).css(css).progress(false).run();
            double sum = 0;
            for (ImageResult res : r.results()) {
                double want = css.similarity(res.explanation().prediction(), res.explanation().reference());
                assertEquals(want, res.explanation().css(), 1e-6, res.id());
                sum += res.explanation().css();
            }
            assertEquals(6, r.summary().explanation().cssCount());
            assertEquals(sum / 6, r.summary().explanation().css(), 1e-12);
            assertTrue(r.summary().explanation().css() < 100);
        }
    }

    @Test
    void aMissingOrCorruptImageBecomesAFailedResultWithItsReason() throws Exception {
        Path corrupt = tmp.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        ArtifactRecord base = records.get(0);
        List<ArtifactRecord> recs = new ArrayList<>(records.subList(0, 2));
        recs.add(new ArtifactRecord("missing", base.dataset(), tmp.resolve("nope.png"), base.authenticity(),
                base.caption(), base.refs(), base.attributes()));
        recs.add(new ArtifactRecord("corrupt", base.dataset(), corrupt, base.authenticity(), base.caption(),
                base.refs(), base.attributes()));
        Path file = tmp.resolve("failures.jsonl");
        EvalResult r = Evaluation.localization().predictions(ExternalPredictions.builder()
                .masks(Files.createDirectories(tmp.resolve("none"))).missingAsEmpty(true).build())
                .data(recs).resultsFile(file).progress(false).run();
        assertEquals(2, r.summary().failed());
        assertEquals(2, r.summary().localization().all().count());
        ImageResult missing = r.results().get(2);
        assertFalse(missing.ok());
        assertTrue(missing.error().contains("nope.png") && missing.error().contains("not found"), missing.error());
        assertTrue(r.results().get(3).error().startsWith("cannot read the image"), r.results().get(3).error());
        assertNull(r.results().get(3).localization());
        assertEquals(4, ResultsFile.read(file).results().size());
    }

    @Test
    void badSettingsAreRefusedWithAReason() throws Exception {
        Path gt = Files.createDirectories(tmp.resolve("empty-dir"));
        ExternalPredictions stored = ExternalPredictions.builder().masks(gt).missingAsEmpty(true).build();
        IllegalArgumentException perturbed = assertThrows(IllegalArgumentException.class, () -> Evaluation
                .localization().predictions(stored).data(records).perturbation(new JpegCompression(50)).run());
        assertTrue(perturbed.getMessage().contains("cannot be evaluated under the perturbation jpeg:50"));
        IllegalArgumentException noTexts = assertThrows(IllegalArgumentException.class, () -> Evaluation.explanation()
                .predictions(stored).data(records).run());
        assertTrue(noTexts.getMessage().contains("explanation needs"), noTexts.getMessage());
        // a results file of another source is not mixed in
        Path file = tmp.resolve("other-source.jsonl");
        Evaluation.localization().predictions(stored).data(records).limit(1).resultsFile(file).progress(false).run();
        ExternalPredictions renamed = ExternalPredictions.builder().masks(gt).missingAsEmpty(true).name("peer").build();
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> Evaluation.localization()
                .predictions(renamed).data(records).limit(2).resultsFile(file).progress(false).run());
        assertTrue(mixed.getMessage().contains("peer") && mixed.getMessage().contains(file.toString()),
                mixed.getMessage());
    }

    @Test
    void datasetLayoutsAreDetectedAndABadFolderIsNamed() throws Exception {
        assertEquals(EvalData.Layout.SYNTHSCARS, EvalData.detect(TestData.sim(), Task.LOCALIZATION, "test"));
        assertEquals(EvalData.Layout.DETECTION_FOLDER, EvalData.detect(TestData.sim(), Task.DETECTION, "test"));
        EvalData det = EvalData.open(TestData.sim(), Task.DETECTION, EvalData.Options.defaults());
        assertEquals(6, det.records(0).size());
        assertEquals(2, det.records(2).size());
        Path empty = Files.createDirectories(tmp.resolve("not-a-dataset"));
        DatasetException e = assertThrows(DatasetException.class,
                () -> EvalData.open(empty, Task.LOCALIZATION, EvalData.Options.defaults()));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("SynthScars"), e.getMessage());
        DatasetException missing = assertThrows(DatasetException.class,
                () -> EvalData.open(tmp.resolve("absent"), Task.LOCALIZATION, EvalData.Options.defaults()));
        assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
    }

    static ArtifactRecord withAttributes(ArtifactRecord r, Map<String, String> attrs) {
        return new ArtifactRecord(r.id(), r.dataset(), r.image(), r.authenticity(), r.caption(), r.refs(), attrs);
    }

    @Test
    void groupsComeFromContentAndArtifactLabelsWhereverTheAnnotationPutsThem() throws Exception {
        ArtifactRecord r = records.get(0);
        assertEquals(Map.of(), Evaluation.groups(r)); // scars-sim has no labels
        assertEquals(Map.of("content_type", "human", "artifact_type", "physics"), Evaluation.groups(withAttributes(r,
                Map.of("content_type", " Human ", "artifact_type", "Physics"))));
        // "type" / "category" count only when they hold a known value
        assertEquals(Map.of("content_type", "animal", "artifact_type", "structure"), Evaluation.groups(withAttributes(r,
                Map.of("type", "structure", "category", "Animal"))));
        assertEquals(Map.of(), Evaluation.groups(withAttributes(r, Map.of("category", "progan"))));
        // per-ref artifact types: the common one, or "mixed"
        int refs = r.refs().size();
        Map<String, String> same = new LinkedHashMap<>();
        Map<String, String> mixed = new LinkedHashMap<>();
        for (int k = 0; k < refs; k++) {
            same.put("ref" + k + ".artifact_type", "distortion");
            mixed.put("ref" + k + ".artifact_type", k == 0 ? "distortion" : "physics");
        }
        assertEquals(Map.of("artifact_type", "distortion"), Evaluation.groups(withAttributes(r, same)));
        if (refs > 1) {
            assertEquals(Map.of("artifact_type", "mixed"), Evaluation.groups(withAttributes(r, mixed)));
        }
        // and the summary breaks the metrics down by them, one column per content type
        Path gt = writeMasks(tmp.resolve("gt-masks-groups"), records, (x, hw) -> groundTruth(x, hw[0], hw[1]));
        List<ArtifactRecord> labelled = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            labelled.add(withAttributes(records.get(i), Map.of("content_type", i < 4 ? "human" : "scene")));
        }
        EvalResult run = Evaluation.localization().predictions(ExternalPredictions.builder().masks(gt).build())
                .data(labelled).progress(false).run();
        Map<String, LocalizationSummary> byContent = run.summary().localization().byDimension().get("content_type");
        assertEquals(4, byContent.get("human").count());
        assertEquals(2, byContent.get("scene").count());
        assertEquals(1.0, byContent.get("scene").f1(), 0.0);
        assertEquals(4, run.summary().emptyMask().byDimension().get("content_type").get("human").count());
    }

    @Test
    void detectionWithTheModelEqualsTheAccumulatorOnDirectScores() throws Exception {
        EvalData data = EvalData.open(TestData.sim(), Task.DETECTION, EvalData.Options.defaults());
        EvalResult r = Evaluation.detection().predictions(new AnalyzerPredictions(TestData.analyzer(), "legion", 4))
                .data(data).progress(false).threshold(0.5).run();
        DetectionAccumulator acc = new DetectionAccumulator();
        for (ArtifactRecord rec : data.records(0)) {
            double p = TestData.analyzer().classify(rec.image()).pFake();
            acc.add(Evaluation.generator(rec), p, rec.authenticity() == ai.legion.data.Authenticity.FAKE);
        }
        DetectionAccumulator.Report want = acc.report(0.5);
        DetectionAccumulator.Report got = r.summary().detection();
        assertEquals(want.perGenerator().keySet(), got.perGenerator().keySet());
        assertEquals(want.meanAccuracy(), got.meanAccuracy(), 0.0);
        assertEquals(want.pooled(), got.pooled());
        assertNull(r.summary().localization());
    }
}
