package example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.Verdict;
import ai.legion.demo.DemoModel;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo model, taken from the published legion-demo-model jar alone (no repository checkout), finds the
 * artifacts of its scars-sim sample fake.
 */
class AnalyzeFakeImageTest {

    @Test
    void demoModelCallsTheSampleFakeAndOutlinesAnArtifact() throws Exception {
        Path cache = Path.of(System.getProperty("legion.cache"));
        Path model = DemoModel.path();
        Path image = DemoModel.samples().resolve("fake-1.png");
        assertTrue(model.startsWith(cache), model + " is not under the cache " + cache);
        try (LegionAnalyzer legion = LegionAnalyzer.builder().model(model).threads(1).build()) {
            ArtifactReport report = legion.analyze(image);
            assertEquals(Verdict.Label.FAKE, report.verdict().orElseThrow().label(), "verdict of " + image);
            assertTrue(report.artifacts().stream().anyMatch(a -> !a.mask().isEmpty()),
                    "no artifact with a non-empty mask: " + report.artifacts());
        }
        // the model ships its tokenizer.json: loading converted nothing into the cache
        assertFalse(Files.exists(cache.resolve("tokenizers")), "a tokenizer was converted into " + cache);
    }
}
