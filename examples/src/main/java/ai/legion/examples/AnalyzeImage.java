package ai.legion.examples;

import ai.legion.Legion;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.Overlay;
import ai.legion.core.text.SafeText;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Analyzes one image and writes its overlay:
 * {@code java ai.legion.examples.AnalyzeImage examples/demo-model examples/samples/images/fake-1.png overlay.png}.
 */
public final class AnalyzeImage {

    private AnalyzeImage() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: AnalyzeImage MODEL_DIR IMAGE OVERLAY_PNG");
            System.exit(2);
        }
        try (LegionAnalyzer legion = Legion.analyzer().model(Path.of(args[0])).build()) {
            ArtifactReport report = legion.analyze(Path.of(args[1]));
            report.verdict().ifPresent(v -> System.out.println(v));
            for (Artifact a : report.artifacts()) {
                // model output: escaped so that it cannot act on the terminal
                System.out.println(SafeText.forTerminalLine(a.phrase()) + ": "
                        + SafeText.forTerminalLine(a.explanation()));
            }
            ImageIO.write(Overlay.render(ImageIO.read(Path.of(args[1]).toFile()), report), "png", Path.of(args[2]).toFile());
        }
    }
}
