package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.ReportJson;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
    void writesReportsMasksAndOverlaysAndExitsThreeWhenAnImageFails() throws Exception {
        Path tiny = fixtures().resolve("parity/legion_tiny");
        Path image = tiny.resolve("image.png");
        Path out = tmp.resolve("out");
        Path broken = Files.writeString(tmp.resolve("broken.png"), "not a PNG");
        StringWriter stdout = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setOut(new PrintWriter(stdout)).setErr(new PrintWriter(err)).execute("analyze",
                "--model", tiny.toString(), "--sam-config", fixtures().resolve("parity/sam/config.json").toString(),
                "--max-new-tokens", "6", "--json", "--out", out.toString(), image.toString(),
                broken.toString());
        assertEquals(LegionCli.EXIT_PARTIAL, code, err.toString());
        String[] lines = stdout.toString().strip().split("\n");
        ArtifactReport printed = ReportJson.fromJson(lines[lines.length - 1]);
        assertEquals(6, printed.generatedTokens());
        Path dir = out.resolve("image");
        ArtifactReport written = ReportJson.read(dir.resolve("report.json"));
        assertEquals(printed.rawText(), written.rawText());
        assertEquals(written.union(), MaskImages.read(dir.resolve(MaskImages.UNION_FILE)));
        assertTrue(Files.size(dir.resolve("overlay.png")) > 0);
        assertTrue(Files.readString(dir.resolve("explanation.json")).contains("image.png"));
        assertTrue(err.toString().contains("broken.png"), err.toString());
        assertEquals(List.of("image"), entries(out));
        assertNoTemporaries(out);
    }

    @Test
    void aMissingModelFolderExitsTwoWithAMessage() {
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setErr(new PrintWriter(err)).execute("analyze", "--model",
                tmp.resolve("nope").toString(), "x.png");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("nope"), err.toString());
    }

    // --- the demo model on the committed samples ---

    private static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples")
            .toAbsolutePath().normalize();

    private static final Path FAKE_1 = EXAMPLES.resolve("samples/images/fake-1.png");

    private static final Path FAKE_2 = EXAMPLES.resolve("samples/images/fake-2.png");

    /** Runs {@code legion analyze --model demo-model --max-new-tokens 12 --json ARGS}: exit code, stdout, stderr. */
    private static String[] analyze(String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("analyze", "--model", EXAMPLES.resolve("demo-model").toString(),
                "--max-new-tokens", "12", "--json"));
        all.addAll(List.of(args));
        int code = LegionCli.commandLine().setOut(new PrintWriter(stdout)).setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
        return new String[] {Integer.toString(code), stdout.toString(), err.toString()};
    }

    /** The printed JSON Lines reports by source. */
    private static Map<String, ArtifactReport> printed(String stdout) throws Exception {
        Map<String, ArtifactReport> bySource = new HashMap<>();
        for (String line : stdout.strip().split("\n")) {
            ArtifactReport r = ReportJson.fromJson(line);
            bySource.put(r.source(), r);
        }
        return bySource;
    }

    /** A complete image folder: the report as printed, every mask, the overlay and upstream's explanation.json. */
    private static void assertComplete(Path dir, ArtifactReport printed) throws Exception {
        ArtifactReport written = ReportJson.read(dir.resolve("report.json"));
        assertEquals(printed.source(), written.source());
        assertEquals(printed.rawText(), written.rawText());
        assertEquals(written.union(), MaskImages.read(dir.resolve(MaskImages.UNION_FILE)));
        for (int i = 0; i < written.artifacts().size(); i++) {
            assertEquals(written.artifacts().get(i).mask(),
                    MaskImages.read(dir.resolve(MaskImages.artifactFileName(i))));
        }
        assertTrue(Files.size(dir.resolve("overlay.png")) > 0);
        Map<?, ?> upstream = new ObjectMapper().readValue(dir.resolve("explanation.json").toFile(), Map.class);
        assertEquals(Map.of(written.source(), written.explanationText()), upstream);
    }

    @Test
    void dotNamesStayInsideOutAndSameNamesInTwoFoldersGetTwoFolders() throws Exception {
        Path in = tmp.resolve("in");
        Path dots = in.resolve("weird/...");
        Path newline = in.resolve("weird/a\nb.png");
        Path a = in.resolve("a/x.png");
        Path b = in.resolve("b/deeper/x.png");
        for (Path p : List.of(dots, newline, a, b)) {
            Files.createDirectories(p.getParent());
            Files.copy(p == b ? FAKE_2 : FAKE_1, p);
        }
        Files.writeString(in.resolve("a/notes.txt"), "not an image");
        Path out = tmp.resolve("work/out");
        // the folder input brings a/x.png, b/deeper/x.png and weird/a\nb.png; "..." has no image extension
        String[] r = analyze("--out", out.toString(), in.toString(), dots.toString());
        assertEquals("0", r[0], r[2]);
        Map<String, ArtifactReport> printed = printed(r[1]);
        assertEquals(4, printed.size(), r[1]);
        assertEquals(List.of("a_b", "image", "x", "x-2"), entries(out));
        assertEquals(List.of("out"), entries(tmp.resolve("work")));
        assertComplete(out.resolve("x"), printed.get(a.toString()));
        assertComplete(out.resolve("x-2"), printed.get(b.toString()));
        assertComplete(out.resolve("image"), printed.get(dots.toString()));
        assertComplete(out.resolve("a_b"), printed.get(newline.toString()));
        assertNoTemporaries(out);
    }

    @Test
    void missingInputsAndModelAreNamedTogetherBeforeLoading() throws Exception {
        Path out = tmp.resolve("out");
        long t0 = System.nanoTime();
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setErr(new PrintWriter(err)).execute("analyze", "--model",
                tmp.resolve("no-model").toString(), "--clip", tmp.resolve("no-clip").toString(), "--out",
                out.toString(), FAKE_1.toString(), tmp.resolve("gone-1.png").toString(),
                tmp.resolve("gone-2.jpg").toString(), tmp + "/none-*.png");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, code, err.toString());
        for (String name : List.of("no-model", "no-clip", "gone-1.png", "gone-2.jpg", "none-*.png")) {
            assertTrue(err.toString().contains(name), name + " not named in: " + err);
        }
        assertEquals(1, err.toString().strip().split("\n").length, err.toString());
        assertFalse(Files.exists(out), "--out was created before the inputs were checked");
        assertTrue(seconds < 10, "took " + seconds + " s");

        // the real model and one missing image: refused before the model loads, nothing written
        String[] r = analyze("--out", out.toString(), FAKE_1.toString(), tmp.resolve("gone-3.png").toString());
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains("gone-3.png: no such file"), r[2]);
        assertEquals("", r[1]);
        assertFalse(Files.exists(out));
    }

    @Test
    void anOutThatIsAFileFailsUpFront() throws Exception {
        Path file = Files.writeString(tmp.resolve("out.txt"), "keep me");
        String[] r = analyze("--out", file.toString(), FAKE_1.toString());
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains(file.toString()) && r[2].contains("not a folder"), r[2]);
        assertEquals("keep me", Files.readString(file));
        assertEquals("", r[1]);
    }

    @Test
    void aPartialFailureExitsThreeWithTheGoodFoldersCompleteAndStaleTemporariesRemoved() throws Exception {
        Path out = tmp.resolve("out");
        Path stale = out.resolve(AnalyzeOutput.TMP_PREFIX + "fake-1-0000");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("report.json"), "{\"half\":");
        Path previous = Files.createDirectories(out.resolve("fake-1"));
        Files.writeString(previous.resolve("artifact_07.png"), "from an earlier run");
        Path broken = Files.writeString(tmp.resolve("broken.png"), "not a PNG");
        String[] r = analyze("--batch", "2", "--out", out.toString(), FAKE_1.toString(), broken.toString(),
                FAKE_2.toString());
        assertEquals(Integer.toString(LegionCli.EXIT_PARTIAL), r[0], r[2]);
        assertTrue(r[2].contains("broken.png"), r[2]);
        assertTrue(r[2].contains("removed " + stale.toAbsolutePath()), r[2]);
        Map<String, ArtifactReport> printed = printed(r[1]);
        assertEquals(2, printed.size(), r[1]);
        assertEquals(List.of("fake-1", "fake-2"), entries(out));
        assertComplete(out.resolve("fake-1"), printed.get(FAKE_1.toString()));
        assertComplete(out.resolve("fake-2"), printed.get(FAKE_2.toString()));
        assertFalse(Files.exists(previous.resolve("artifact_07.png")),
                "the earlier run's folder was merged, not replaced");
        assertNoTemporaries(out);
    }

    /** The names in {@code dir}, sorted. */
    static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertNoTemporaries(Path out) throws IOException {
        try (Stream<Path> s = Files.walk(out)) {
            List<Path> left = s.filter(p -> p.getFileName().toString().startsWith(".")
                    || p.getFileName().toString().contains(".tmp")).toList();
            assertEquals(List.of(), left);
        }
    }
}
