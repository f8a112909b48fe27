package example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.Verdict;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The demo model, loaded from the published jars alone, finds the artifacts of a scars-sim fake. */
class AnalyzeFakeImageTest {

    @Test
    void demoModelCallsTheSampleFakeAndOutlinesAnArtifact() throws Exception {
        Path model = Path.of(System.getProperty("legion.demoModel"));
        Path image = Path.of(System.getProperty("legion.image"));
        try (LegionAnalyzer legion = LegionAnalyzer.builder().model(model).build()) {
            ArtifactReport report = legion.analyze(image);
            assertEquals(Verdict.Label.FAKE, report.verdict().orElseThrow().label(), "verdict of " + image);
            assertTrue(report.artifacts().stream().anyMatch(a -> !a.mask().isEmpty()),
                    "no artifact with a non-empty mask: " + report.artifacts());
        }
    }
}
