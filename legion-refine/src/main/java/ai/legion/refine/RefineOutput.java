package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.ReportException;
import ai.legion.core.report.ReportJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The output folder of a loop (layout in {@code docs/REFINE.md}): {@code iteration_N/} with
 * {@code image.png}, {@code report.json}, {@code prompt.txt} and {@code mask_K.png}, and {@code summary.json}.
 * Every file is written atomically; {@code summary.json} is rewritten after each iteration, so an
 * interrupted run leaves a consistent record of the iterations it finished.
 */
final class RefineOutput {

    static final String SUMMARY = "summary.json";
    static final String FORMAT = "legion-refine";
    static final int VERSION = 1;

    private static final Pattern ITERATION_DIR = Pattern.compile("iteration_\\d+");
    private static final Pattern OWN_FILE = Pattern.compile("image\\.png|report\\.json|prompt\\.txt|mask_\\d+\\.png");
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;

    /**
     * Prepares {@code root}: creates it, and when it holds an earlier run ({@code summary.json}) removes that
     * run's own files ({@code iteration_N/} with image, report, prompt and mask files) so no stale iteration
     * survives. Other files are left alone.
     */
    RefineOutput(Path root) throws RefineException {
        if (root == null) {
            throw new IllegalArgumentException("output(dir) is required: the folder for iterations and summary.json");
        }
        this.root = root.toAbsolutePath().normalize();
        if (Files.exists(this.root) && !Files.isDirectory(this.root)) {
            throw new RefineException("output " + root + " exists and is not a folder");
        }
        try {
            Files.createDirectories(this.root);
            if (Files.exists(this.root.resolve(SUMMARY))) {
                removeEarlierRun();
            }
        } catch (IOException e) {
            throw new RefineException("cannot prepare the output folder " + root + ": " + e, e);
        }
    }

    private void removeEarlierRun() throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                if (!Files.isDirectory(dir) || !ITERATION_DIR.matcher(dir.getFileName().toString()).matches()) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (Files.isRegularFile(f) && OWN_FILE.matcher(f.getFileName().toString()).matches()) {
                            Files.delete(f);
                        }
                    }
                }
                try (Stream<Path> rest = Files.list(dir)) {
                    if (rest.findAny().isEmpty()) {
                        Files.delete(dir);
                    }
                }
            }
        }
    }

    Path root() {
        return root;
    }

    Path folder(int iteration) {
        return root.resolve("iteration_" + iteration);
    }

    Path imageFile(int iteration) {
        return folder(iteration).resolve("image.png");
    }

    Path reportFile(int iteration) {
        return folder(iteration).resolve("report.json");
    }

    Path maskFile(int iteration, int artifact) {
        return folder(iteration).resolve("mask_" + artifact + ".png");
    }

    Path promptFile(int iteration) {
        return folder(iteration).resolve("prompt.txt");
    }

    Path summaryFile() {
        return root.resolve(SUMMARY);
    }

    Path writeImage(int iteration, RgbImage image) throws RefineException {
        Path f = imageFile(iteration);
        write(f, ImageCodec.png(image));
        return f;
    }

    Path writeMask(int iteration, int artifact, BinaryMask mask) throws RefineException {
        Path f = maskFile(iteration, artifact);
        write(f, ImageCodec.maskPng(mask));
        return f;
    }

    Path writePrompt(int iteration, String text) throws RefineException {
        Path f = promptFile(iteration);
        write(f, (text.endsWith("\n") ? text : text + "\n").getBytes(StandardCharsets.UTF_8));
        return f;
    }

    Path writeReport(int iteration, ArtifactReport report) throws RefineException {
        Path f = reportFile(iteration);
        try {
            Files.createDirectories(f.getParent());
            ReportJson.write(f, report);
        } catch (ReportException | IOException e) {
            throw new RefineException("cannot write " + f + ": " + e.getMessage(), e);
        }
        return f;
    }

    /** The path of {@code file} relative to the output folder, with '/' separators. */
    String rel(Path file) {
        return root.relativize(file.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    /**
     * Writes {@code summary.json}.
     *
     * @param stopReason null while the loop is still running
     */
    Path writeSummary(String mode, ObjectNode settings, String input, String originalPrompt,
            List<QualityScorer> scorers, List<IterationResult> iterations, String stopReason) throws RefineException {
        ObjectNode s = MAPPER.createObjectNode();
        s.put("format", FORMAT);
        s.put("version", VERSION);
        s.put("mode", mode);
        if (input != null) {
            s.put("input", input);
        }
        s.put("originalPrompt", originalPrompt);
        s.set("settings", settings);
        ArrayNode sc = s.putArray("scorers");
        for (QualityScorer q : scorers) {
            sc.addObject().put("name", q.name()).put("higherIsBetter", q.higherIsBetter());
        }
        ArrayNode its = s.putArray("iterations");
        for (IterationResult r : iterations) {
            its.add(iterationNode(r, mode));
        }
        s.put("finished", stopReason != null);
        if (stopReason != null) {
            s.put("stopReason", stopReason);
        }
        if (!iterations.isEmpty()) {
            IterationResult last = iterations.get(iterations.size() - 1);
            s.putObject("final").put("iteration", last.iteration()).put("image", rel(last.imageFile()))
                    .put("artifactArea", last.artifactArea());
        }
        try {
            write(summaryFile(), MAPPER.writeValueAsBytes(s));
        } catch (JsonProcessingException e) {
            throw new RefineException("cannot encode " + summaryFile() + ": " + e.getOriginalMessage(), e);
        }
        return summaryFile();
    }

    private ObjectNode iterationNode(IterationResult r, String mode) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("iteration", r.iteration());
        n.put("folder", rel(r.folder()));
        n.put("image", rel(r.imageFile()));
        n.put("report", rel(r.reportFile()));
        n.put("width", r.image().width());
        n.put("height", r.image().height());
        n.put("prompt", r.prompt());
        ArtifactReport rep = r.report();
        rep.verdict().ifPresent(v -> n.put("verdict", v.label().name()).put("verdictProbability", v.probability()));
        ArrayNode arts = n.putArray("artifacts");
        for (Artifact a : rep.artifacts()) {
            ObjectNode an = arts.addObject();
            an.put("index", a.index()).put("phrase", a.phrase()).put("explanation", a.explanation())
                    .put("area", a.areaFraction());
            if (mode.equals(RegenerationRefiner.MODE) && a.hasMask()) {
                an.put("mask", rel(maskFile(r.iteration(), a.index())));
            }
        }
        n.put("artifactArea", r.artifactArea());
        ObjectNode scores = n.putObject("scores");
        for (Map.Entry<String, Double> e : r.scores().entrySet()) {
            scores.put(e.getKey(), e.getValue());
        }
        if (mode.equals(RegenerationRefiner.MODE)) {
            n.put("reflection", MemoryBank.reflection(rep));
        } else {
            ArrayNode edits = n.putArray("edits");
            for (RegionEdit e : r.edits()) {
                edits.addObject().put("artifact", e.artifactIndex()).put("phrase", e.phrase())
                        .put("mask", rel(e.maskFile())).put("maskArea", e.mask().areaFraction())
                        .put("prompt", e.prompt()).put("seed", e.seed());
            }
        }
        n.putObject("millis").put("generate", r.generateMillis()).put("analyze", r.analyzeMillis());
        return n;
    }

    private static void write(Path file, byte[] bytes) throws RefineException {
        try {
            Files.createDirectories(file.getParent());
            IoUtils.writeAtomically(file, bytes);
        } catch (CheckpointException | IOException e) {
            throw new RefineException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
