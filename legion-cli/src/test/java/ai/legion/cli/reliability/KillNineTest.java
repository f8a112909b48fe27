package ai.legion.cli.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.cli.LegionCli;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.report.MaskImages;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code legion analyze}, {@code eval} and {@code train} in a child JVM, killed with SIGKILL
 * ({@link Process#destroyForcibly}) at random points, then run again. After every kill: each output under its
 * final name is complete and readable (analyze folders, eval reports, training checkpoints and metrics), only
 * temporaries are partial. After the last, uninterrupted run: no temporaries are left, and the results equal
 * those of a run that was never interrupted (analyze outputs byte for byte apart from timings, eval metrics,
 * training losses and final weights bit for bit).
 *
 * <p>{@code -Dlegion.kill.scale=N} multiplies the number of kills (default 1: 4 analyze, 3 eval, 5 train);
 * {@code -Dlegion.kill.seed=S} changes the kill schedule.
 */
class KillNineTest {

    static final double SCALE = Double.parseDouble(System.getProperty("legion.kill.scale", "1"));
    static final long SEED = Long.getLong("legion.kill.seed", 20261207L);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path EXAMPLES = HostileInputFuzzTest.repoFile("examples");

    @TempDir
    static Path tmp;

    static Path sim;

    @BeforeAll
    static void data() throws Exception {
        sim = tmp.resolve("sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(9).trainCount(8).testCount(4)
                .detectTrainCount(0).detectTestCount(0).imageSize(64).threads(1).build(), sim, true);
    }

    static int rounds(int n) {
        return Math.max(1, (int) Math.round(n * SCALE));
    }

    /** A child JVM running {@code legion ARGS}, its output in {@code log}. */
    static Process start(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1",
                "-XX:ErrorFile=" + tmp.resolve("hs_err_pid%p.log"), "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                LegionCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("RUST_FLAVOR", "cpu");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("MKL_NUM_THREADS", "1");
        return pb.start();
    }

    /** Units of work (images, steps) a run has finished so far: the kill points are placed between and within them. */
    interface Progress {
        int units(Path out, long startMillis) throws Exception;
    }

    /** What one scenario checks after every kill. */
    interface Check {
        void check(Path out) throws Exception;
    }

    /** Polls a run's progress until it ends or {@code until} says stop; returns the times (ms) units completed. */
    static List<Long> watch(Process p, Path out, Progress progress, int stopAt) throws Exception {
        long start = System.currentTimeMillis();
        List<Long> times = new ArrayList<>();
        while (p.isAlive() && times.size() < stopAt) {
            int units = progress.units(out, start);
            while (times.size() < units) {
                times.add(System.currentTimeMillis() - start);
            }
            p.waitFor(15, TimeUnit.MILLISECONDS);
        }
        return times;
    }

    /**
     * Runs the reference to the end (timing its start-up and units), then {@code kills} runs, each killed
     * (SIGKILL) at a random point: after 1-3 more finished units plus a random part of the next one, or, one
     * time in five, at a random moment of the start-up; each is checked with {@code afterKill}. Then a final
     * run to the end. Returns the final run's output folder.
     */
    static Path killAndResume(String name, int kills, Function<Path, List<String>> args, Progress progress,
            Check afterKill, Path ref) throws Exception {
        long t0 = System.nanoTime();
        Process reference = start(tmp.resolve(name + "-ref.log"), args.apply(ref));
        List<Long> times = watch(reference, ref, progress, Integer.MAX_VALUE);
        assertTrue(reference.waitFor(10, TimeUnit.MINUTES), "the reference run ended");
        assertEquals(0, reference.exitValue(), Files.readString(tmp.resolve(name + "-ref.log")));
        long full = (System.nanoTime() - t0) / 1_000_000;
        int units = Math.max(1, progress.units(ref, 0));
        long startup = times.isEmpty() ? full : times.get(0);
        long unit = Math.max(50, (full - startup) / units);
        Path out = tmp.resolve(name);
        Random rnd = new Random(SEED + name.hashCode());
        int killed = 0;
        long t1 = System.nanoTime();
        for (int i = 0; i < kills; i++) {
            Path log = tmp.resolve(name + "-kill-" + i + ".log");
            Process p = start(log, args.apply(out));
            if (rnd.nextInt(5) == 0) {
                p.waitFor((long) (rnd.nextDouble() * startup), TimeUnit.MILLISECONDS);
            } else {
                watch(p, out, progress, 1 + rnd.nextInt(3));
                p.waitFor((long) (rnd.nextDouble() * unit), TimeUnit.MILLISECONDS);
            }
            if (p.isAlive()) {
                p.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no finally blocks
                killed++;
            }
            assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the killed process is gone");
            if (Files.exists(out)) {
                afterKill.check(out);
            }
        }
        Process last = start(tmp.resolve(name + "-final.log"), args.apply(out));
        assertTrue(last.waitFor(10, TimeUnit.MINUTES), "the final run ended");
        assertEquals(0, last.exitValue(), Files.readString(tmp.resolve(name + "-final.log")));
        afterKill.check(out);
        System.out.printf("kill -9 %s: reference %d ms (start-up %d ms, %d units of ~%d ms); %d of %d runs killed; "
                + "kill rounds and final run %.1f s%n", name, full, startup, units, unit, killed, kills,
                (System.nanoTime() - t1) / 1e9);
        assertTrue(killed >= kills / 2, "most runs were killed before they ended: " + killed + " of " + kills);
        return out;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    // ---- analyze -----------------------------------------------------------------------------------------------

    static List<String> analyzeArgs(Path out) {
        Path images = EXAMPLES.resolve("samples/images");
        return List.of("analyze", "--model", EXAMPLES.resolve("demo-model").toString(), "--max-new-tokens", "48",
                "--out", out.toString(), images.resolve("fake-1.png").toString(),
                images.resolve("fake-2.png").toString(), images.resolve("fake-3.png").toString(),
                EXAMPLES.resolve("samples/real.png").toString());
    }

    /** Image folders published since the run started. */
    static int analyzeFoldersPublished(Path out, long startMillis) throws IOException {
        if (!Files.isDirectory(out)) {
            return 0;
        }
        int n = 0;
        for (Path dir : list(out)) {
            if (dir.getFileName().toString().startsWith(".")) {
                continue;
            }
            try { // a rerun replaces a folder by two renames: between them the name is briefly absent
                if (Files.getLastModifiedTime(dir.resolve("report.json")).toMillis() >= startMillis) {
                    n++;
                }
            } catch (java.nio.file.NoSuchFileException absentNow) {
                // not published at this instant; the next poll sees it
            }
        }
        return n;
    }

    /** Every folder under a final name holds all its files, each readable; others are temporaries. */
    static void analyzeFoldersComplete(Path out) throws Exception {
        for (Path dir : list(out)) {
            String name = dir.getFileName().toString();
            if (name.startsWith(".legion-tmp-")) {
                continue;
            }
            JsonNode report = JSON.readTree(dir.resolve("report.json").toFile());
            JSON.readTree(dir.resolve("explanation.json").toFile());
            List<String> pngs = new ArrayList<>(List.of("mask.png", "overlay.png"));
            for (JsonNode a : report.path("artifacts")) {
                pngs.add(MaskImages.artifactFileName(a.get("index").asInt()));
            }
            for (String png : pngs) {
                assertTrue(ImageIO.read(dir.resolve(png).toFile()) != null, dir + "/" + png + " decodes");
            }
        }
    }

    @Test
    void analyzeKilledAtRandomPointsLeavesOnlyCompleteFoldersAndRerunsEqually() throws Exception {
        Path ref = tmp.resolve("analyze-ref");
        Path out = killAndResume("analyze", rounds(4), KillNineTest::analyzeArgs, KillNineTest::analyzeFoldersPublished,
                KillNineTest::analyzeFoldersComplete, ref);
        assertTrue(list(out).stream().noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporaries: "
                + list(out));
        List<String> names = list(ref).stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(names, list(out).stream().map(p -> p.getFileName().toString()).toList());
        for (String n : names) {
            for (Path f : list(ref.resolve(n))) {
                Path g = out.resolve(n).resolve(f.getFileName());
                if (f.getFileName().toString().equals("report.json")) {
                    ObjectNode a = (ObjectNode) JSON.readTree(f.toFile());
                    ObjectNode b = (ObjectNode) JSON.readTree(g.toFile());
                    a.remove("timings_ms");
                    b.remove("timings_ms");
                    assertEquals(a, b, n + "/report.json apart from timings");
                } else {
                    assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(g), n + "/" + f.getFileName());
                }
            }
        }
    }

    // ---- eval --------------------------------------------------------------------------------------------------

    static List<String> evalArgs(Path out) {
        return List.of("eval", "loc", "--model", EXAMPLES.resolve("demo-model").toString(), "--max-new-tokens", "24",
                "--data", sim.toString(), "--split", "test", "--batch", "1", "--no-progress", "--out", out.toString());
    }

    private static final java.util.Map<Path, Integer> LINES_AT_START = new java.util.HashMap<>();

    /** Result lines written since the run started (the results file, or the training metrics file). */
    static int lines(Path out, long startMillis) throws IOException {
        Path f = Files.exists(out.resolve("metrics.jsonl")) || !Files.exists(out.resolve("results-clean.jsonl"))
                ? out.resolve("metrics.jsonl") : out.resolve("results-clean.jsonl");
        int n = Files.exists(f) ? Files.readAllLines(f).size() : 0;
        if (startMillis == 0) {
            return n;
        }
        int before = LINES_AT_START.computeIfAbsent(out.resolve(startMillis + ""), k -> n);
        return Math.max(0, n - before);
    }

    /** Reports are whole or absent; results lines parse, except a last line cut by the kill. */
    static void evalOutputsReadable(Path out) throws Exception {
        for (String f : List.of("report.json", "run.json")) {
            if (Files.exists(out.resolve(f))) {
                JSON.readTree(out.resolve(f).toFile());
            }
        }
        Path results = out.resolve("results-clean.jsonl");
        if (Files.exists(results)) {
            List<String> lines = Files.readAllLines(results);
            for (int i = 0; i < lines.size() - 1; i++) {
                if (!lines.get(i).isBlank()) {
                    JSON.readTree(lines.get(i));
                }
            }
        }
    }

    @Test
    void evalKilledAtRandomPointsResumesToTheSameMetrics() throws Exception {
        Path ref = tmp.resolve("eval-ref");
        Path out = killAndResume("eval", rounds(3), KillNineTest::evalArgs, KillNineTest::lines,
                KillNineTest::evalOutputsReadable, ref);
        JsonNode a = JSON.readTree(ref.resolve("report.json").toFile()).get("summary");
        JsonNode b = JSON.readTree(out.resolve("report.json").toFile()).get("summary");
        assertEquals(a, b, "metrics of the resumed evaluation");
        assertTrue(list(out).stream().noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporaries: "
                + list(out));
        assertEquals(4, a.at("/localization/prediction/all/count").asInt(), a.toString());
    }

    // ---- train -------------------------------------------------------------------------------------------------

    static final int STEPS = 8;

    static Path trainConfig(String name) throws IOException {
        Path tiny = Fixtures.path("parity/legion_tiny");
        ObjectNode create = JSON.createObjectNode();
        create.set("legion_config", JSON.readTree(tiny.resolve("config.json").toFile()));
        create.set("clip_config", JSON.readTree(tiny.resolve("clip/config.json").toFile()));
        create.set("sam_config", JSON.readTree(Fixtures.path("parity/sam/config.json").toFile()));
        create.put("tokenizer", tiny.toString());
        ObjectNode c = JSON.createObjectNode();
        c.put("data", sim.toString());
        c.set("create", create);
        c.put("trainable", "all");
        c.put("max_steps", STEPS);
        c.put("batch_size", 2);
        c.put("lr", 1e-3);
        c.put("warmup", 2);
        c.put("seed", 3);
        c.put("checkpoint_every", 1);
        c.put("prefetch_threads", 0);
        Path dir = Files.createDirectories(tmp.resolve(name));
        c.put("checkpoint_dir", dir.resolve("checkpoints").toString());
        c.put("metrics_file", dir.resolve("metrics.jsonl").toString());
        Path file = dir.resolve("config.json");
        JSON.writeValue(file.toFile(), c);
        return file;
    }

    /** {@code latest} names a complete checkpoint; the metrics hold one line per step in order (last may be torn). */
    static void trainingStateConsistent(Path dir) throws Exception {
        Path ckpt = dir.resolve("checkpoints");
        if (Files.exists(ckpt.resolve("latest"))) {
            Path latest = ai.legion.train.TrainingCheckpoint.latest(ckpt);
            long step = ai.legion.train.TrainingCheckpoint.state(latest).step();
            for (String f : List.of("weights.safetensors", "optimizer.safetensors")) {
                try (Checkpoint c = Checkpoints.open(latest.resolve(f))) {
                    assertFalse(c.keys().isEmpty(), latest + "/" + f);
                }
            }
            assertTrue(step >= 1 && step <= STEPS, "step " + step);
        }
        Path metrics = dir.resolve("metrics.jsonl");
        if (Files.exists(metrics)) {
            List<String> lines = Files.readAllLines(metrics);
            for (int i = 0; i < lines.size() - 1; i++) {
                assertEquals(i + 1, JSON.readTree(lines.get(i)).get("step").asLong(), "line " + (i + 1) + " of "
                        + lines);
            }
        }
    }

    /**
     * SIGTERM (Ctrl-C, a scheduler stopping the job) in the middle of a run: the step in flight ends, a checkpoint
     * of it is written, the JVM exits by itself rather than crashing in libtorch, and the same command finishes the
     * schedule from there.
     */
    @Test
    void trainingStopsBetweenStepsOnSigtermAndResumes() throws Exception {
        Path config = trainConfig("train-term");
        ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
        c.put("checkpoint_every", 0); // the only checkpoint before the end is the one the stop writes
        JSON.writeValue(config.toFile(), c);
        Path dir = config.getParent();
        List<String> args = List.of("train", "stage1", "--no-progress", "--config", config.toString());
        Process p = start(dir.resolve("term.log"), args);
        watch(p, dir, KillNineTest::lines, 2);
        assertTrue(p.isAlive(), "still training after two steps: " + Files.readString(dir.resolve("term.log")));
        p.destroy(); // SIGTERM on Unix: shutdown hooks run
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the stopped process is gone");
        String log = Files.readString(dir.resolve("term.log"));
        assertEquals(143, p.exitValue(), "128 + SIGTERM, the JVM's own exit (a crash aborts with 134): " + log);
        assertTrue(log.contains("stage 1: stopped at step"), log);
        assertFalse(Files.exists(tmp.resolve("hs_err_pid" + p.pid() + ".log")), "a JVM crash log was written");
        long stopped = ai.legion.train.TrainingCheckpoint.state(ai.legion.train.TrainingCheckpoint.latest(
                dir.resolve("checkpoints"))).step();
        assertEquals(Files.readAllLines(dir.resolve("metrics.jsonl")).size(), stopped,
                "the checkpoint holds the last step the metrics record");
        assertTrue(stopped >= 2 && stopped < STEPS, "stopped at step " + stopped);
        Process again = start(dir.resolve("term-resume.log"), args);
        assertTrue(again.waitFor(10, TimeUnit.MINUTES), "the resumed run ended");
        assertEquals(0, again.exitValue(), Files.readString(dir.resolve("term-resume.log")));
        assertEquals(STEPS, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
    }

    @Test
    void trainingKilledAtRandomPointsResumesBitIdentically() throws Exception {
        Path refConfig = trainConfig("train-ref");
        Path config = trainConfig("train");
        killAndResume("train", rounds(5), out -> List.of("train", "stage1", "--no-progress", "--config",
                (out.equals(refConfig.getParent()) ? refConfig : config).toString()), KillNineTest::lines,
                KillNineTest::trainingStateConsistent, refConfig.getParent());
        List<String> ref = Files.readAllLines(refConfig.resolveSibling("metrics.jsonl"));
        List<String> resumed = Files.readAllLines(config.resolveSibling("metrics.jsonl"));
        assertEquals(STEPS, ref.size());
        assertEquals(STEPS, resumed.size(), "one line per step: " + resumed);
        for (int i = 0; i < STEPS; i++) {
            JsonNode a = JSON.readTree(ref.get(i));
            JsonNode b = JSON.readTree(resumed.get(i));
            for (String k : List.of("step", "epoch", "lr", "loss", "ce", "bce", "dice", "gradNorm", "samples")) {
                assertEquals(a.get(k), b.get(k), k + " of step " + (i + 1));
            }
        }
        Path a = refConfig.resolveSibling("checkpoints").resolve(String.format("step-%08d", STEPS));
        Path b = config.resolveSibling("checkpoints").resolve(String.format("step-%08d", STEPS));
        assertArrayEquals(Files.readAllBytes(a.resolve("weights.safetensors")),
                Files.readAllBytes(b.resolve("weights.safetensors")), "final weights");
        try (Stream<Path> s = Files.list(b.getParent())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no checkpoint temporaries");
        }
    }
}
