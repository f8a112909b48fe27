package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.ReportJson;
import ai.legion.core.report.Verdict;
import ai.legion.models.EngineThreads;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user without a clone meets it: the jar's demo model, --stream, --threads and the threads x batch bench. */
class AnalyzeUserPathsTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples")
            .toAbsolutePath().normalize();

    private static final Path FAKE_1 = EXAMPLES.resolve("samples/images/fake-1.png");

    @TempDir
    Path tmp;

    /** Runs the CLI: exit code, stdout, stderr. */
    static String[] run(String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setOut(new PrintWriter(stdout)).setErr(new PrintWriter(err)).execute(args);
        return new String[] {Integer.toString(code), stdout.toString(), err.toString()};
    }

    @Test
    void withoutTheRepositoryTheDefaultModelIsTheJarsDemoModel() throws Exception {
        String home = System.getProperty("legion.home");
        try {
            System.setProperty("legion.home", tmp.toString()); // no examples/ here
            Path model = DemoModel.folder();
            assertEquals(ai.legion.demo.DemoModel.path(), model);
            assertFalse(model.startsWith(EXAMPLES), model.toString());
            assertTrue(Files.isRegularFile(DemoModel.sample()), DemoModel.sample().toString());
            String[] r = run("analyze", "--max-new-tokens", "8", "--json", DemoModel.sample().toString());
            assertEquals("0", r[0], r[2]);
            ArtifactReport report = ReportJson.fromJson(r[1].strip());
            assertEquals("model", report.modelId()); // the unpacked folder, not examples/demo-model
            assertEquals(Verdict.Label.FAKE, report.verdict().orElseThrow().label());

            System.setProperty("legion.home", EXAMPLES.getParent().toString()); // ./legion in a clone
            assertEquals(EXAMPLES.resolve("demo-model"), DemoModel.folder());
        } finally {
            if (home == null) {
                System.clearProperty("legion.home");
            } else {
                System.setProperty("legion.home", home);
            }
        }
    }

    @Test
    void streamPrintsTheVerdictFirstThenCleanTextThatIsTheReportsExplanation() throws Exception {
        Path out = tmp.resolve("out");
        String[] r = run("analyze", "--model", EXAMPLES.resolve("demo-model").toString(), "--stream", "--out",
                out.toString(), FAKE_1.toString());
        assertEquals("0", r[0], r[2]);
        ArtifactReport written = ReportJson.read(out.resolve("fake-1/report.json"));
        String[] lines = r[1].split("\\R");
        assertEquals(3, lines.length, r[1]);
        assertEquals(FAKE_1 + ": " + written.verdict().orElseThrow().describe(), lines[0]);
        assertTrue(written.rawText().contains("[SEG]") && written.rawText().contains("<p>"),
                "the demo model's answer had no markup to clean: " + written.rawText());
        assertEquals("  " + written.explanationText(), lines[1]);
        for (String markup : List.of("<p>", "</p>", "[SEG]")) {
            assertFalse(r[1].contains(markup), r[1]);
        }
        assertTrue(lines[2].startsWith("  " + written.artifacts().size() + " artifact"), lines[2]);
    }

    @Test
    void threadsSetsLibtorchsProcessWideCountAndKeepsResults() throws Exception {
        int before = EngineThreads.get();
        try {
            Path tiny = AnalyzeCommandTest.fixtures().resolve("parity/legion_tiny");
            String sam = AnalyzeCommandTest.fixtures().resolve("parity/sam/config.json").toString();
            String[] one = run("analyze", "--model", tiny.toString(), "--sam-config", sam, "--max-new-tokens", "6",
                    "--json", "--threads", "1", tiny.resolve("image.png").toString());
            assertEquals("0", one[0], one[2]);
            assertEquals(1, EngineThreads.get());
            String[] two = run("analyze", "--model", tiny.toString(), "--sam-config", sam, "--max-new-tokens", "6",
                    "--json", "--threads", "2", tiny.resolve("image.png").toString());
            assertEquals("0", two[0], two[2]);
            assertEquals(2, EngineThreads.get());
            ArtifactReport a = ReportJson.fromJson(one[1].strip());
            ArtifactReport b = ReportJson.fromJson(two[1].strip());
            assertEquals(a.rawText(), b.rawText());
            assertEquals(a.union(), b.union());

            String[] dflt = run("analyze", "--model", tiny.toString(), "--sam-config", sam, "--max-new-tokens", "6",
                    "--json", tiny.resolve("image.png").toString());
            assertEquals("0", dflt[0], dflt[2]);
            assertEquals(1, EngineThreads.get(), "the CLI's default (docs/PERFORMANCE.md)");

            String[] bad = run("analyze", "--model", tiny.toString(), "--threads", "0",
                    tiny.resolve("image.png").toString());
            assertEquals("2", bad[0], bad[2]);
            assertTrue(bad[2].contains("threads must be at least 1, got 0"), bad[2]);
        } finally {
            EngineThreads.set(before);
        }
    }

    @Test
    void benchGridPrintsImagesPerSecondForEachThreadsAndBatchPair() throws Exception {
        Path tiny = AnalyzeCommandTest.fixtures().resolve("parity/legion_tiny");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int before = EngineThreads.get();
        String[] r;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            r = run("bench", "analyze", "--grid", "--model", tiny.toString(), "--sam-config",
                    AnalyzeCommandTest.fixtures().resolve("parity/sam/config.json").toString(), "--image",
                    tiny.resolve("image.png").toString(), "--tokens", "2", "--images", "2", "--runs", "1",
                    "--grid-threads", "1,2", "--grid-batches", "1,2");
        } finally {
            System.setOut(stdout);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertEquals("0", r[0], r[2] + text);
        assertTrue(text.contains("| threads | batch 1 | batch 2 |"), text);
        for (String threads : List.of("1", "2")) {
            Matcher m = Pattern.compile("(?m)^\\| " + threads + " \\| ([0-9.]+) \\| ([0-9.]+) \\|$").matcher(text);
            assertTrue(m.find(), text);
            assertTrue(Double.parseDouble(m.group(1)) > 0 && Double.parseDouble(m.group(2)) > 0, text);
        }
        assertTrue(text.contains("fastest: --threads "), text);
        assertEquals(before, EngineThreads.get(), "the grid leaves the thread count as it found it");
    }
}
