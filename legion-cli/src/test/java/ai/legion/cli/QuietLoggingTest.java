package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run of the command line in a fresh JVM (log levels are fixed when the first logger exists): DJL's INFO lines
 * and its "Failed to detect GPU count" warning reach the user only with {@code --verbose}.
 */
class QuietLoggingTest {

    static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples").toAbsolutePath()
            .normalize();

    record Run(int exit, String output) {}

    static Run legion(Path out, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                LegionCli.class.getName(), "analyze", "--model", EXAMPLES.resolve("demo-model").toString(),
                "--max-new-tokens", "4", "--out", out.toString()));
        cmd.addAll(List.of(extra));
        cmd.add(EXAMPLES.resolve("samples/images/fake-1.png").toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("RUST_FLAVOR", "cpu");
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run ended");
        return new Run(p.exitValue(), text);
    }

    @Test
    void librariesStayQuietUnlessVerbose(@TempDir Path tmp) throws Exception {
        Run quiet = legion(tmp.resolve("quiet"));
        assertEquals(0, quiet.exit(), quiet.output());
        assertTrue(quiet.output().contains("FAKE"), quiet.output());
        assertFalse(quiet.output().contains(" INFO "), quiet.output());
        assertFalse(quiet.output().contains("ai.djl"), quiet.output());
        Run verbose = legion(tmp.resolve("verbose"), "--verbose");
        assertEquals(0, verbose.exit(), verbose.output());
        assertTrue(verbose.output().contains("INFO ai.djl"), verbose.output());
    }
}
