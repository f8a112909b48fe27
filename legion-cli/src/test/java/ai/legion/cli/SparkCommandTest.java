package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code legion spark analyze} and {@code legion spark eval} in local mode on a few scars-sim images with the demo
 * model: the report {@code legion spark eval} prints holds the numbers {@code legion eval} prints on the same data.
 */
class SparkCommandTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples").toAbsolutePath()
            .normalize();

    @TempDir
    Path tmp;

    record Outcome(int code, String out, String err) {}

    static Outcome run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    /** The result rows of a printed report (this run and the baselines), without the source's name. */
    static List<String> metricRows(String report) {
        return report.lines().filter(l -> l.matches("\\| (this run|empty mask|full mask|constant caption).*"))
                .map(l -> l.replaceFirst("^\\| this run \\([^)]*\\)", "| this run")).toList();
    }

    @Test
    void sparkEvalPrintsTheNumbersOfLegionEval() throws Exception {
        Path sim = tmp.resolve("sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(5).trainCount(0).testCount(6)
                .detectTrainCount(0).detectTestCount(0).threads(1).build(), sim, true);
        String model = EXAMPLES.resolve("demo-model").toString();
        // batches of one on both sides: batched kernels round differently for another batch composition
        Outcome loc = run(new EvalCommand(), "loc", "--model", model, "--data", sim.toString(), "--batch", "1",
                "--no-progress", "--out", tmp.resolve("eval").toString());
        assertEquals(0, loc.code(), loc.err());
        // the same folder: legion eval reports loc+exp from the images analyzed for loc
        Outcome single = run(new EvalCommand(), "exp", "--model", model, "--data", sim.toString(), "--batch", "1",
                "--no-progress", "--out", tmp.resolve("eval").toString());
        assertEquals(0, single.code(), single.err());

        Outcome analyzed = run(new SparkCommand(), "analyze", "--master", "local[2]", "--model", model,
                "--batch", "1", "--input", sim.resolve("test/images").toString(), "--output",
                tmp.resolve("analysis.parquet").toString());
        assertEquals(0, analyzed.code(), analyzed.err());
        assertTrue(analyzed.out().startsWith("analyzed 6 images (0 with an error)"), analyzed.out());

        Outcome spark = run(new SparkCommand(), "eval", "--master", "local[2]", "--data", sim.toString(),
                "--tasks", "loc,exp", "--input", tmp.resolve("analysis.parquet").toString(), "--output",
                tmp.resolve("results.parquet").toString(), "--report", tmp.resolve("report").toString());
        assertEquals(0, spark.code(), spark.err());
        List<String> want = metricRows(single.out());
        assertTrue(want.size() >= 2, single.out());
        assertEquals(want, metricRows(spark.out()), spark.out());
        assertTrue(spark.out().contains("spark aggregates: images 6, failed 0;"), spark.out());
    }
}
