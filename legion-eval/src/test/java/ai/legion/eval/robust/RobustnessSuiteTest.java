package ai.legion.eval.robust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.text.RougeL;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.perturb.GaussianBlur;
import ai.legion.data.perturb.GaussianNoise;
import ai.legion.data.perturb.ImagePerturbation;
import ai.legion.data.perturb.JpegCompression;
import ai.legion.data.perturb.Perturbations;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.eval.metrics.LocalizationAccumulator;
import ai.legion.eval.runner.AnalyzerPredictions;
import ai.legion.eval.runner.EvalData;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.Evaluation;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.ResultsFile;
import ai.legion.eval.runner.Task;
import ai.legion.eval.runner.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Table 10 sweep: ratios are perturbed / clean, and the perturbed runs see exactly the perturbed pixels. */
class RobustnessSuiteTest {

    @TempDir
    Path tmp;

    @Test
    void ratiosArePerturbedOverCleanAndTheModelSeesThePerturbedPixels() throws Exception {
        List<ArtifactRecord> records = TestData.testRecords().subList(0, 2);
        JpegCompression jpeg = new JpegCompression(50);
        RobustnessSuite.Result res = RobustnessSuite.builder()
                .evaluation(Evaluation.of(EnumSet.of(Task.LOCALIZATION, Task.EXPLANATION))
                        .predictions(new AnalyzerPredictions(TestData.analyzer(), "legion", 2)).data(records)
                        .progress(false))
                .perturbations(List.of(jpeg)).resultsDir(tmp).run();
        RobustnessTable t = res.table();
        assertEquals(List.of("clean", "jpeg:50"), t.rows().stream().map(RobustnessTable.Row::condition).toList());
        assertEquals(List.of(Metric.MIOU, Metric.F1, Metric.ROUGE_L), t.metrics());
        RobustnessTable.Row row = t.row("jpeg:50");
        for (Metric m : t.metrics()) {
            assertEquals(t.value(row, m) / t.value(t.clean(), m), t.ratio(row, m), 0.0, m.label());
        }
        assertEquals(1.0, t.ratio(t.clean(), Metric.MIOU), 0.0);
        // the perturbed run equals analyzing the JPEG-compressed pixels directly
        ImageLoader loader = new ImageLoader();
        LocalizationAccumulator acc = new LocalizationAccumulator();
        double rouge = 0;
        for (ArtifactRecord r : records) {
            RgbImage p = jpeg.apply(loader.load(r.image()), Perturbations.seedFor(0, r.id()));
            ArtifactReport rep = TestData.analyzer().analyze(p, r.id());
            acc.add(rep.union(), SynthScarsReader.groundTruthMask(r, rep.imageHeight(), rep.imageWidth()));
            rouge += RougeL.withStemmer().fmeasure(rep.explanationText(), r.caption());
        }
        assertEquals(acc.summary().miou(), row.summary().localization().all().miou(), 0.0);
        assertEquals(acc.summary().f1(), row.summary().localization().all().f1(), 0.0);
        assertEquals(rouge / 2, row.summary().explanation().rougeL(), 1e-15);
        // one resumable file per condition
        for (String name : List.of("results-clean.jsonl", "results-jpeg-50.jsonl")) {
            assertTrue(Files.isRegularFile(tmp.resolve(name)), name);
        }
        ResultsFile.Contents c = ResultsFile.read(tmp.resolve("results-jpeg-50.jsonl"));
        assertEquals(2, c.results().size());
        assertTrue(c.results().values().stream().allMatch(x -> x.perturbation().equals("jpeg:50")));
        assertEquals(res.clean().summary(), t.clean().summary());
    }

    @Test
    void aDetectionSweepClassifiesThePerturbedPixels() throws Exception {
        EvalData data = EvalData.open(TestData.sim(), Task.DETECTION, EvalData.Options.defaults());
        List<ImagePerturbation> ps = List.of(new GaussianNoise(0.1), new GaussianBlur(5));
        RobustnessSuite.Result res = RobustnessSuite.builder().evaluation(Evaluation.detection()
                .predictions(new AnalyzerPredictions(TestData.analyzer(), "legion", 4)).data(data).progress(false))
                .perturbations(ps).run();
        RobustnessTable t = res.table();
        assertEquals(3, t.rows().size());
        assertEquals(List.of(Metric.ACCURACY, Metric.AP), t.metrics());
        EvalResult noise = res.runs().get(1);
        ImageLoader loader = new ImageLoader();
        for (ImageResult r : noise.results()) {
            RgbImage p = ps.get(0).apply(loader.load(Path.of(r.image())), Perturbations.seedFor(0, r.id()));
            assertEquals(TestData.analyzer().classify(p).pFake(), r.detection().fakeProbability(), 0.0, r.id());
        }
        for (RobustnessTable.Row row : t.rows()) {
            assertEquals(row.summary().detection().meanAccuracy() / t.clean().summary().detection().meanAccuracy(),
                    t.ratio(row, Metric.ACCURACY), 0.0);
        }
        assertEquals(6, noise.results().size());
        assertEquals(3, noise.results().stream().filter(r -> r.detection().fake()).count());
        assertTrue(data.records(0).stream().anyMatch(r -> r.authenticity() == Authenticity.REAL));
    }

    @Test
    void conditionsAreNamedAsThePapersColumns() {
        List<String> levels = Perturbations.ROBUSTNESS_SUITE.stream()
                .map(p -> String.join(" ", RobustnessTable.familyAndLevel(p))).toList();
        assertEquals(List.of("JPEG QF 50", "JPEG QF 35", "JPEG QF 20", "Gaussian noise σ 0.1", "Gaussian noise σ 0.2",
                "Gaussian noise σ 0.3", "Gaussian blur k 5", "Gaussian blur k 9", "Gaussian blur k 15"), levels);
        assertArrayEquals(new String[] {"clean", "-"}, RobustnessTable.familyAndLevel("clean"));
        assertArrayEquals(new String[] {"JPEG", "QF 35"}, RobustnessTable.familyAndLevel("jpeg:35"));
        assertEquals("results-jpeg-50.jsonl", RobustnessSuite.resultsFileName("jpeg:50"));
        assertEquals("results-noise-0.1.jsonl", RobustnessSuite.resultsFileName("noise:0.1"));
        assertEquals("results-blur-5_jpeg-50.jsonl", RobustnessSuite.resultsFileName("blur:5+jpeg:50"));
    }
}
