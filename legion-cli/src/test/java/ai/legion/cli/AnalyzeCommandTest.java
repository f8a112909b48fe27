package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.ReportJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code legion analyze} on the complete tiny LEGION folder of the fixture root. */
class AnalyzeCommandTest {

    @TempDir
    Path tmp;

    static Path fixtures() {
        String prop = System.getProperty("legion.fixtures");
        return prop != null ? Paths.get(prop) : Paths.get("../legion-core/src/test/resources/fixtures");
    }

    @Test
    void writesReportsMasksAndOverlaysAndExitsOneWhenAnImageFails() throws Exception {
        Path tiny = fixtures().resolve("parity/legion_tiny");
        Path image = tiny.resolve("image.png");
        Path out = tmp.resolve("out");
        StringWriter stdout = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setOut(new PrintWriter(stdout)).setErr(new PrintWriter(err)).execute("analyze",
                "--model", tiny.toString(), "--sam-config", fixtures().resolve("parity/sam/config.json").toString(),
                "--max-new-tokens", "6", "--json", "--out", out.toString(), image.toString(),
                tmp.resolve("missing.png").toString());
        assertEquals(1, code, err.toString());
        String[] lines = stdout.toString().strip().split("\n");
        ArtifactReport printed = ReportJson.fromJson(lines[lines.length - 1]);
        assertEquals(6, printed.generatedTokens());
        Path dir = out.resolve("image");
        ArtifactReport written = ReportJson.read(dir.resolve("report.json"));
        assertEquals(printed.rawText(), written.rawText());
        assertEquals(written.union(), MaskImages.read(dir.resolve(MaskImages.UNION_FILE)));
        assertTrue(Files.size(dir.resolve("overlay.png")) > 0);
        assertTrue(Files.readString(dir.resolve("explanation.json")).contains("image.png"));
        assertTrue(err.toString().contains("missing.png"), err.toString());
    }

    @Test
    void aMissingModelFolderExitsTwoWithAMessage() {
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setErr(new PrintWriter(err)).execute("analyze", "--model",
                tmp.resolve("nope").toString(), "x.png");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("nope"), err.toString());
    }
}
