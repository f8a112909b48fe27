package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.MaskImages;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.synthscars.SynthScarsReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code legion eval} on a few 64-px scars-sim images with the tiny fixture model and with stored predictions. */
class EvalCommandTest {

    @TempDir
    static Path tmp;

    static Path sim;

    @BeforeAll
    static void data() throws Exception {
        sim = tmp.resolve("sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(7).trainCount(2).testCount(4)
                .detectTrainCount(0).detectTestCount(2).imageSize(64).threads(1).build(), sim, true);
    }

    static Path fixtures() {
        String prop = System.getProperty("legion.fixtures");
        return prop != null ? Paths.get(prop) : Paths.get("../legion-core/src/test/resources/fixtures");
    }

    record Outcome(int code, String out, String err) {}

    static Outcome eval(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    static List<String> model(String... more) {
        List<String> a = new ArrayList<>(List.of("--model", fixtures().resolve("parity/legion_tiny").toString(),
                "--sam-config", fixtures().resolve("parity/sam/config.json").toString(), "--max-new-tokens", "4",
                "--data", sim.toString(), "--no-progress", "--batch", "2"));
        a.addAll(List.of(more));
        return a;
    }

    static String[] args(String sub, List<String> rest) {
        List<String> a = new ArrayList<>();
        a.add(sub);
        a.addAll(rest);
        return a.toArray(String[]::new);
    }

    @Test
    void locWithTheTinyModelWritesTheReportAndARerunOnlyEvaluatesNewImages() throws Exception {
        Path out = tmp.resolve("loc");
        Outcome first = eval(args("loc", model("--limit", "2", "--out", out.toString())));
        assertEquals(0, first.code(), first.err());
        for (String f : List.of("report.html", "report.md", "report.json", "run.json", "results-clean.jsonl")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertTrue(first.out().contains("mIoU / F1") && first.out().contains("empty mask (baseline)"), first.out());
        assertEquals(2, Files.readAllLines(out.resolve("results-clean.jsonl")).size());

        Outcome second = eval(args("loc", model("--limit", "3", "--out", out.toString())));
        assertEquals(0, second.code(), second.err());
        assertEquals(3, Files.readAllLines(out.resolve("results-clean.jsonl")).size());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("2 / 1", report.at("/facts/resumed ~1 evaluated now").asText());
        assertEquals(3, report.at("/summary/localization/prediction/all/count").asInt());
        double empty = report.at("/summary/localization/empty_mask/all/miou").asDouble();
        assertTrue(empty > 0.3 && empty < 0.5, "empty-mask baseline " + empty);

        // explanation on the same folder: the analyses are reused and both tasks are reported
        Outcome exp = eval(args("exp", model("--limit", "3", "--out", out.toString())));
        assertEquals(0, exp.code(), exp.err());
        assertTrue(exp.err().contains("reporting loc+exp"), exp.err());
        assertEquals(3, Files.readAllLines(out.resolve("results-clean.jsonl")).size(), "nothing analyzed again");
        report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("3 / 0", report.at("/facts/resumed ~1 evaluated now").asText());
        assertEquals(3, report.at("/summary/explanation/count").asInt());
        assertEquals(3, report.at("/summary/localization/prediction/all/count").asInt());
        assertTrue(Files.readString(out.resolve("report.html")).contains("id=\"table3\""));
    }

    @Test
    void robustnessOnTheDetectionFolderAndTheReportRebuild() throws Exception {
        Path out = tmp.resolve("robust");
        Outcome r = eval(args("robust", model("--tasks", "det", "--perturbations", "jpeg:50,blur:5", "--out",
                out.toString())));
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("results-clean.jsonl", "results-jpeg-50.jsonl", "results-blur-5.jsonl")) {
            assertEquals(4, Files.readAllLines(out.resolve(f)).size(), f);
        }
        assertTrue(r.out().contains("Acc ratio") && r.out().contains("JPEG QF 50"), r.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode rows = json.at("/robustness/rows");
        assertEquals(3, rows.size());
        assertEquals(rows.get(1).at("/values/Acc").asDouble() / rows.get(0).at("/values/Acc").asDouble(),
                rows.get(1).at("/ratios/Acc").asDouble(), 1e-12);

        Files.delete(out.resolve("report.html"));
        Outcome rebuilt = eval("report", "--out", out.toString());
        assertEquals(0, rebuilt.code(), rebuilt.err());
        assertTrue(Files.readString(out.resolve("report.html")).contains("id=\"table10\""));
    }

    @Test
    void storedPredictionsAreScoredAndBadInputExitsTwoWithAMessage() throws Exception {
        List<ArtifactRecord> records = new ArrayList<>();
        try (SynthScarsReader r = SynthScarsReader.open(sim, "test")) {
            r.forEach(records::add);
        }
        Path masks = Files.createDirectories(tmp.resolve("peer-masks"));
        for (ArtifactRecord r : records.subList(0, 3)) {
            MaskImages.writePng(masks.resolve(r.id() + ".png"), SynthScarsReader.groundTruthMask(r, 64, 64));
        }
        Path out = tmp.resolve("peer");
        Outcome partial = eval("loc", "--predictions", masks.toString(), "--data", sim.toString(), "--out",
                out.toString(), "--no-progress");
        assertEquals(LegionCli.EXIT_PARTIAL, partial.code(), "one image has no mask: " + partial.err());
        assertTrue(partial.err().contains("no predicted mask for " + records.get(3).id()), partial.err());
        Outcome all = eval("loc", "--predictions", masks.toString(), "--data", sim.toString(), "--out",
                out.toString(), "--no-progress", "--limit", "3");
        assertEquals(0, all.code(), all.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(1.0, json.at("/summary/localization/prediction/all/f1").asDouble(), 0.0);

        Path none = Files.createDirectories(tmp.resolve("no-masks"));
        Outcome failed = eval("loc", "--predictions", none.toString(), "--data", sim.toString(), "--out",
                tmp.resolve("none").toString(), "--no-progress", "--limit", "2");
        assertEquals(1, failed.code(), "no image has a mask: " + failed.err());

        Path nowhere = tmp.resolve("no-such-dataset");
        Outcome bad = eval("loc", "--predictions", masks.toString(), "--data", nowhere.toString(), "--no-progress");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains(nowhere.toString()) && bad.err().contains("SynthScars"), bad.err());
        Outcome notData = eval("loc", "--predictions", masks.toString(), "--data", masks.toString(), "--no-progress");
        assertEquals(2, notData.code());
        assertTrue(notData.err().contains("no dataset layout recognized"), notData.err());
        Outcome neither = eval("exp", "--data", sim.toString());
        assertEquals(2, neither.code());
        assertTrue(neither.err().contains("--model") && neither.err().contains("--predictions"), neither.err());
        Outcome perturbedStored = eval("loc", "--predictions", masks.toString(), "--data", sim.toString(),
                "--perturb", "jpeg:50");
        assertEquals(2, perturbedStored.code());
        Outcome badSpec = eval(args("loc", model("--perturb", "jpeg:500", "--out", tmp.resolve("x").toString())));
        assertEquals(2, badSpec.code());
        assertTrue(badSpec.err().contains("jpeg:500"), badSpec.err());
        Outcome usage = eval();
        assertEquals(0, usage.code());
        assertTrue(usage.out().contains("robust"), usage.out());
    }

    @Test
    void expWithTheDemoModelReportsGroundingOnScarsSim() throws Exception {
        // 128-px images like the demo model's training data; the annotations carry scene facts
        Path data = tmp.resolve("sim128");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(5).trainCount(1).testCount(6)
                .detectTrainCount(0).detectTestCount(0).threads(1).build(), data, true);
        Path demo = Path.of(System.getProperty("basedir", "."), "..", "examples", "demo-model").toAbsolutePath()
                .normalize();
        Path out = tmp.resolve("exp-demo");
        Outcome r = eval("exp", "--model", demo.toString(), "--data", data.toString(), "--out", out.toString(),
                "--no-progress");
        assertEquals(0, r.code(), r.err());
        JsonNode g = new ObjectMapper().readTree(out.resolve("report.json").toFile()).at("/summary/grounding");
        assertEquals(6, g.path("images").asInt());
        assertTrue(g.path("artifacts").asInt() >= 6, g.toString());
        for (String metric : List.of("object_accuracy", "kind_accuracy", "hallucination_rate", "mask_matched",
                "unmatched", "count_accuracy", "most_frequent_object_accuracy", "most_frequent_kind_accuracy",
                "constant_caption_hallucination_rate")) {
            double v = g.path(metric).asDouble(Double.NaN);
            assertTrue(g.path(metric).isNumber() && v >= 0 && v <= 1, metric + " = " + g.path(metric));
        }
        assertTrue(r.out().contains("object accuracy") && r.out().contains("hallucination rate"), r.out());
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(out.resolve("results-clean.jsonl")).get(0));
        assertTrue(line.at("/grounding/artifacts/0/object").isTextual(), line.toString());
        assertTrue(line.at("/grounding/scene").size() >= 1, line.toString());
    }

    @Test
    void evalIsASubcommandOfLegion() {
        CommandLine cl = LegionCli.commandLine();
        assertTrue(cl.getSubcommands().containsKey("eval"));
        assertTrue(cl.getSubcommands().get("eval").getSubcommands().keySet()
                .containsAll(List.of("loc", "exp", "det", "robust", "report")));
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err));
        Path nowhere = tmp.resolve("nothing-here");
        assertEquals(2, cl.execute("eval", "det", "--predictions", nowhere.toString(), "--data", sim.toString(),
                "--out", tmp.resolve("det-none").toString()));
        assertTrue(err.toString().contains(nowhere + ": predictions not found"), err.toString());
        assertFalse(Files.exists(tmp.resolve("det-none")), "nothing is written for a bad argument");
    }

    @Test
    void probeOfTheTinyClipPrintsTheTableAndWritesJson() throws Exception {
        Path data = tmp.resolve("probe-sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(8).trainCount(10).testCount(4)
                .detectTrainCount(0).detectTestCount(0).imageSize(64).threads(1).build(), data, true);
        Path out = tmp.resolve("probe/probe.json");
        Outcome ok = eval("probe", "--clip", fixtures().resolve("parity/legion_tiny/clip").toString(),
                "--data", data.toString(), "--train", "10", "--test", "4", "--out", out.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("majority") && ok.out().contains("patches"), ok.out());
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertEquals(10, json.path("trainImages").asInt());
        assertEquals(2, json.path("heldOutImages").asInt());
        assertEquals(4, json.path("testImages").asInt());
        assertEquals(2, json.path("kinds").size());

        Outcome tooMany = eval("probe", "--clip", fixtures().resolve("parity/legion_tiny/clip").toString(),
                "--data", data.toString(), "--train", "11", "--test", "4");
        assertEquals(2, tooMany.code(), tooMany.err());
        assertTrue(tooMany.err().contains("has 10 records, the probe asks for 11"), tooMany.err());
    }
}
