package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.Explanations;
import ai.legion.core.report.Verdict;
import ai.legion.core.text.RougeL;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.eval.grounding.GroundingScorer;
import ai.legion.eval.grounding.ImageGrounding;
import ai.legion.eval.metrics.LocalizationMetrics;
import ai.legion.models.inference.BatchItem;
import ai.legion.Legion;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed demo model (examples/demo-model) on the held-out scars-sim samples in examples/samples:
 * it finds the artifacts (union-mask mIoU well above the empty-mask baseline), explains them naming objects that
 * are in the picture, and tells the real sample from the fakes. Guards the demo model and the whole analysis path against regressions.
 */
class DemoModelTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples").toAbsolutePath().normalize();

    @Test
    void demoModelLocalizesExplainsAndDetectsOnHeldOutSamples() throws Exception {
        List<ArtifactRecord> records = new ArrayList<>();
        try (SynthScarsReader r = SynthScarsReader.open(EXAMPLES.resolve("samples"), "test")) {
            r.forEach(records::add);
        }
        assertEquals(3, records.size());
        GroundingScorer scorer = GroundingScorer.of(records).orElseThrow(() -> new AssertionError(
                "the samples' annotations carry no scene facts (re-pick them with legion data samples)"));
        RougeL rouge = RougeL.withStemmer();
        try (LegionAnalyzer legion = Legion.analyzer().model(EXAMPLES.resolve("demo-model")).build()) {
            List<BatchItem> items = legion.analyzeAll(records.stream().map(ArtifactRecord::image).toList());
            double miou = 0;
            double empty = 0;
            double rougeL = 0;
            List<String> grounded = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                assertNull(items.get(i).error(), () -> "analysis failed: " + items.get(0).error());
                ArtifactReport report = items.get(i).report();
                assertEquals(Verdict.Label.FAKE, report.verdict().orElseThrow().label(), report.source());
                assertTrue(!report.artifacts().isEmpty(), report.source() + ": no artifact found");
                BinaryMask gt = SynthScarsReader.groundTruthMask(records.get(i), report.imageHeight(), report.imageWidth());
                miou += LocalizationMetrics.miou(report.union(), gt) / records.size();
                empty += LocalizationMetrics.miou(BinaryMask.empty(report.imageHeight(), report.imageWidth()), gt)
                        / records.size();
                rougeL += rouge.fmeasure(report.explanationText(), records.get(i).caption()) / records.size();
                List<String> scene = records.get(i).facts().types();
                List<String> named = scorer.named(report.explanationText());
                assertTrue(named.stream().anyMatch(scene::contains), report.source() + ": the text names no object of "
                        + "the scene " + scene + " (named: " + named + ")");
                // issue 13's per-sample bar: an artifact whose mask overlaps a ground-truth artifact (IoU >= 0.3)
                // and whose phrase or explanation names an object of the scene
                ImageGrounding g = scorer.score(records.get(i), report.explanationText(), report.artifacts(),
                        report.imageHeight(), report.imageWidth());
                boolean found = false;
                for (ImageGrounding.ArtifactMatch m : g.artifacts()) {
                    Artifact a = m.match() < 0 ? null : report.artifacts().get(m.match());
                    found |= a != null && m.iou() >= 0.3
                            && scorer.named(a.phrase() + " " + a.explanation()).stream().anyMatch(scene::contains);
                }
                if (found) {
                    grounded.add(records.get(i).image().getFileName().toString());
                }
            }
            assertTrue(grounded.size() >= MIN_GROUNDED, "samples with a found and grounded artifact: " + grounded);
            assertTrue(miou >= MIN_MIOU && miou > empty + 0.08, "mIoU " + miou + " (empty mask " + empty + ")");
            assertTrue(rougeL >= MIN_ROUGE_L, "ROUGE-L " + rougeL);

            // the policy for an image judged real (upstream explains only fakes): its verdict, and no artifact list
            ArtifactReport real = legion.analyze(EXAMPLES.resolve("samples/real.png"));
            assertEquals(Verdict.Label.REAL, real.verdict().orElseThrow().label(), "the real sample: " + real.verdict());
            assertEquals(Explanations.SKIPPED, real.explanations());
            assertTrue(real.artifacts().isEmpty() && real.explanationText().isEmpty(), "explanations of a real image: "
                    + real.explanationText());
        }
    }

    /**
     * Measured on these samples when the demo model was committed (2026-12-08, 25 600 scenes): mIoU 0.656 (empty
     * mask 0.448), ROUGE-L 0.573. Each summary names an object of its scene. Issue 13's per-sample bar holds on
     * fake-3 only (its mask finds the ball's magenta blotch at IoU 0.86, the explanation puts the blotch on the tree,
     * an object of the scene but the wrong one); fake-2's one artifact overlaps the melted ball at IoU 0.31 but
     * explains a sign that is not there, fake-1's (the car's shadow) reaches 0.14 with the person's shadow. The bar
     * asks for all three (docs/TRAINING.md).
     */
    private static final double MIN_MIOU = 0.62;

    private static final double MIN_ROUGE_L = 0.55;

    private static final int MIN_GROUNDED = 1;
}
