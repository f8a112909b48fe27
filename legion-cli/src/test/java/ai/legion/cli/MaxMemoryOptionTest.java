package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.ReportJson;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --max-memory}: sizes with binary suffixes, a clear error for anything else, a budget below the model's
 * minimum refused before loading with the minimum named, and a streaming budget giving the resident run's report.
 */
class MaxMemoryOptionTest {

    private static String[] run(String... args) {
        return AnalyzeUserPathsTest.run(args);
    }

    @Test
    void sizesParseWithBinarySuffixesAndGarbageIsRefusedByName() {
        ModelOptions.MemorySize size = new ModelOptions.MemorySize();
        assertEquals(16L << 30, size.convert("16g"));
        assertEquals(800L << 20, size.convert("800m"));
        assertEquals(16L << 30, size.convert("16G"));
        assertEquals(3L << 29, size.convert("1.5g"));
        assertEquals(512L << 20, size.convert("512MiB"));
        assertEquals(2L << 10, size.convert("2k"));
        assertEquals(123456789L, size.convert("123456789"));
        for (String bad : new String[] {"garbage", "16x", "", "g", "-1g", "0", "1.5", "16 gigs", "1e9"}) {
            CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class,
                    () -> size.convert(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "' is not a memory size"), e.getMessage());
        }

        Path tiny = AnalyzeCommandTest.fixtures().resolve("parity/legion_tiny");
        String[] r = run("analyze", "--model", tiny.toString(), "--max-memory", "16gb!", tiny.resolve("image.png")
                .toString());
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains("Invalid value for option '--max-memory'") && r[2].contains("'16gb!' is not a "
                + "memory size") && r[2].contains("e.g. 16g or 800m"), r[2]);
    }

    @Test
    void aBudgetBelowTheMinimumIsRefusedAndAStreamingBudgetGivesTheSameReport() throws Exception {
        Path tiny = AnalyzeCommandTest.fixtures().resolve("parity/legion_tiny");
        String sam = AnalyzeCommandTest.fixtures().resolve("parity/sam/config.json").toString();
        String image = tiny.resolve("image.png").toString();
        String[] small = run("analyze", "--model", tiny.toString(), "--sam-config", sam, "--max-new-tokens", "6",
                "--json", "--max-memory", "1m", image);
        assertEquals("2", small[0], small[2]);
        Matcher m = Pattern.compile("below the minimum of [^(]+\\((\\d+) bytes\\)").matcher(small[2]);
        assertTrue(m.find(), small[2]);
        assertFalse(small[2].contains("\tat "), "no stack trace: " + small[2]);
        long minimum = Long.parseLong(m.group(1));

        String[] resident = run("analyze", "--model", tiny.toString(), "--sam-config", sam, "--max-new-tokens", "6",
                "--json", image);
        assertEquals("0", resident[0], resident[2]);
        assertFalse(resident[2].contains("memory budget"), resident[2]);
        String[] streamed = run("analyze", "--model", tiny.toString(), "--sam-config", sam, "--max-new-tokens", "6",
                "--json", "--max-memory", Long.toString(minimum), image);
        assertEquals("0", streamed[0], streamed[2]);
        assertTrue(streamed[2].contains("legion: memory budget") && streamed[2].contains("streamed from the "
                + "checkpoint"), streamed[2]);
        ArtifactReport a = ReportJson.fromJson(resident[1].strip());
        ArtifactReport b = ReportJson.fromJson(streamed[1].strip());
        assertEquals(a.rawText(), b.rawText());
        assertEquals(a.union(), b.union());
        assertEquals(a.verdict(), b.verdict());
    }
}
