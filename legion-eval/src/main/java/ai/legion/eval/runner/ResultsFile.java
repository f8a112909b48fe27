package ai.legion.eval.runner;

import ai.legion.core.text.RougeL;
import ai.legion.eval.grounding.ImageGrounding;
import ai.legion.eval.metrics.MaskCounts;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-image results of a run as JSON Lines: one {@link ImageResult} per line, appended (and flushed)
 * as images finish, so that an interrupted run loses at most the batch in flight and a rerun skips the ids
 * already in the file. When an id appears more than once (a failed image retried), its last line wins.
 * A line that does not parse (a run killed mid-write) is skipped and counted. The schema is documented in
 * docs/EVAL.md.
 */
public final class ResultsFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultsFile() {}

    /**
     * A file's contents.
     *
     * @param results the last result of every id, in order of first appearance
     * @param lines non-empty lines read
     * @param malformed lines that did not parse (skipped)
     */
    public record Contents(Map<String, ImageResult> results, int lines, int malformed) {}

    /** Reads a results file (empty contents when it does not exist). */
    public static Contents read(Path file) throws IOException {
        Map<String, ImageResult> out = new LinkedHashMap<>();
        int lines = 0;
        int bad = 0;
        if (!Files.exists(file)) {
            return new Contents(out, 0, 0);
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                try {
                    ImageResult res = fromJson(line);
                    out.remove(res.id()); // the last line decides the position too
                    out.put(res.id(), res);
                } catch (IOException | RuntimeException e) {
                    bad++;
                }
            }
        }
        return new Contents(out, lines, bad);
    }

    /**
     * Opens a file for appending (created with its folders when missing). A last line without its newline
     * (a write cut short) is terminated first, so that it cannot swallow the next record.
     */
    public static Appender append(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        if (Files.exists(file) && Files.size(file) > 0) {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                raf.seek(raf.length() - 1);
                if (raf.read() != '\n') {
                    Files.writeString(file, "\n", StandardOpenOption.APPEND);
                }
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        return new Appender(ch);
    }

    /** Appends results, one line each. Not thread-safe. */
    public static final class Appender implements Closeable {
        private final FileChannel channel;
        private final Writer writer;

        private Appender(FileChannel channel) {
            this.channel = channel;
            this.writer = Channels.newWriter(channel, StandardCharsets.UTF_8);
        }

        /** Writes one result as a line and flushes it to the file. */
        public void write(ImageResult r) throws IOException {
            writer.write(toJson(r));
            writer.write('\n');
            writer.flush();
        }

        /** Forces written lines to the storage device. */
        public void sync() throws IOException {
            writer.flush();
            channel.force(false);
        }

        @Override
        public void close() throws IOException {
            try {
                writer.flush();
            } finally {
                writer.close();
            }
        }
    }

    /** One result as a single line of JSON (no newline); non-finite numbers become {@code null}. */
    public static String toJson(ImageResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("image", r.image());
        o.put("dataset", r.dataset());
        o.put("source", r.source());
        o.put("perturbation", r.perturbation());
        if (!r.groups().isEmpty()) {
            ObjectNode g = o.putObject("groups");
            r.groups().forEach(g::put);
        }
        o.put("status", r.ok() ? "ok" : "failed");
        if (!r.ok()) {
            o.put("error", r.error());
        }
        if (r.width() > 0) {
            o.put("width", r.width());
            o.put("height", r.height());
        }
        ImageResult.Localization l = r.localization();
        if (l != null) {
            ObjectNode n = o.putObject("loc");
            MaskCounts c = l.counts();
            n.put("intersection", c.intersection());
            n.put("union", c.union());
            n.put("prediction_area", c.predictionArea());
            n.put("ground_truth_area", c.groundTruthArea());
            n.put("pixels", c.pixels());
            number(n, "miou", l.miou());
            number(n, "f1", l.f1());
            number(n, "iou", l.iou());
            n.put("prediction_rle", l.predictionRle());
            n.put("ground_truth_rle", l.groundTruthRle());
        }
        ImageResult.Explanation e = r.explanation();
        if (e != null) {
            ObjectNode n = o.putObject("exp");
            n.put("prediction", e.prediction());
            n.put("reference", e.reference());
            ObjectNode s = n.putObject("rouge_l");
            number(s, "precision", e.rougeL().precision());
            number(s, "recall", e.rougeL().recall());
            number(s, "f", e.rougeL().fmeasure());
            if (e.css() != null) {
                number(n, "css", e.css());
            }
        }
        ImageResult.Detection d = r.detection();
        if (d != null) {
            ObjectNode n = o.putObject("det");
            number(n, "p_fake", d.fakeProbability());
            if (d.fake() != null) {
                n.put("label", d.fake() ? "fake" : "real");
            }
            n.put("generator", d.generator());
        }
        if (r.grounding() != null) {
            groundingJson(o.putObject("grounding"), r.grounding());
        }
        if (r.generatedTokens() > 0) {
            o.put("tokens", r.generatedTokens());
        }
        if (r.millis() > 0) {
            number(o, "ms", Math.round(r.millis() * 10) / 10.0);
        }
        return write(o);
    }

    private static String write(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Parses one line.
     *
     * @throws IOException when it is not JSON
     * @throws IllegalArgumentException when a required field is missing or mistyped
     */
    public static ImageResult fromJson(String line) throws IOException {
        JsonNode o = JSON.readTree(line);
        if (o == null || !o.isObject() || !o.hasNonNull("id")) {
            throw new IllegalArgumentException("not a result line (no id)");
        }
        Map<String, String> groups = new LinkedHashMap<>();
        JsonNode g = o.get("groups");
        if (g != null && g.isObject()) {
            g.properties().forEach(en -> groups.put(en.getKey(), en.getValue().asText()));
        }
        boolean ok = !"failed".equals(text(o, "status"));
        String error = ok ? null : (o.hasNonNull("error") ? o.get("error").asText() : "failed");
        ImageResult.Localization loc = null;
        JsonNode l = o.get("loc");
        if (l != null && l.isObject()) {
            MaskCounts c = new MaskCounts(req(l, "intersection").asLong(), req(l, "union").asLong(),
                    req(l, "prediction_area").asLong(), req(l, "ground_truth_area").asLong(), req(l, "pixels").asLong());
            loc = new ImageResult.Localization(c, text(l, "prediction_rle"), text(l, "ground_truth_rle"));
        }
        ImageResult.Explanation exp = null;
        JsonNode e = o.get("exp");
        if (e != null && e.isObject()) {
            JsonNode s = req(e, "rouge_l");
            RougeL.Score score = new RougeL.Score(dbl(s, "precision"), dbl(s, "recall"), dbl(s, "f"));
            exp = new ImageResult.Explanation(text(e, "prediction"), text(e, "reference"), score,
                    e.hasNonNull("css") ? e.get("css").asDouble() : null);
        }
        ImageResult.Detection det = null;
        JsonNode d = o.get("det");
        if (d != null && d.isObject()) {
            String label = text(d, "label");
            det = new ImageResult.Detection(dbl(d, "p_fake"), label == null ? null : label.equals("fake"),
                    text(d, "generator"));
        }
        JsonNode gr = o.get("grounding");
        ImageGrounding grounding = gr != null && gr.isObject() ? groundingFromJson(gr) : null;
        return new ImageResult(o.get("id").asText(), text(o, "image"), text(o, "dataset"), text(o, "source"),
                text(o, "perturbation"), groups, error, o.path("width").asInt(0), o.path("height").asInt(0), loc, exp,
                det, o.path("tokens").asInt(0), o.path("ms").asDouble(0), grounding);
    }

    /**
     * One image's grounding as the JSON object of a line's {@code grounding} field, for tables that keep it in a
     * column (legion-spark's per-image results).
     */
    public static String groundingToJson(ImageGrounding g) {
        ObjectNode n = JSON.createObjectNode();
        groundingJson(n, g);
        return write(n);
    }

    /**
     * Parses what {@link #groundingToJson} wrote.
     *
     * @throws IOException when it is not JSON
     * @throws IllegalArgumentException when it is not a grounding object (a field missing or mistyped)
     */
    public static ImageGrounding groundingFromJson(String json) throws IOException {
        JsonNode n = JSON.readTree(json);
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a grounding object: " + json);
        }
        return groundingFromJson(n);
    }

    private static void groundingJson(ObjectNode n, ImageGrounding g) {
        g.scene().forEach(n.putArray("scene")::add);
        g.vocabulary().forEach(n.putArray("vocabulary")::add);
        g.named().forEach(n.putArray("named")::add);
        g.hallucinated().forEach(n.putArray("hallucinated")::add);
        if (g.artifacts() == null) {
            return;
        }
        n.put("predicted", g.predicted());
        ArrayNode arr = n.putArray("artifacts");
        for (ImageGrounding.ArtifactMatch m : g.artifacts()) {
            ObjectNode a = arr.addObject();
            a.put("object", m.object());
            a.put("kind", m.kind());
            a.put("match", m.match());
            number(a, "iou", m.iou());
            a.put("predicted_kind", m.predictedKind());
            a.put("object_named", m.objectNamed());
            a.put("kind_right", m.kindRight());
        }
    }

    /** The {@code grounding} object ({@code hallucinated} and {@code kind_right} are derived and not read). */
    private static ImageGrounding groundingFromJson(JsonNode n) {
        List<ImageGrounding.ArtifactMatch> artifacts = null;
        JsonNode arr = n.get("artifacts");
        if (arr != null && arr.isArray()) {
            artifacts = new ArrayList<>();
            for (JsonNode a : arr) {
                artifacts.add(new ImageGrounding.ArtifactMatch(req(a, "object").asText(), req(a, "kind").asText(),
                        req(a, "match").asInt(), dbl(a, "iou"), text(a, "predicted_kind"),
                        req(a, "object_named").asBoolean()));
            }
        }
        return new ImageGrounding(strings(n, "scene"), strings(n, "vocabulary"), strings(n, "named"),
                artifacts == null ? -1 : req(n, "predicted").asInt(), artifacts);
    }

    private static List<String> strings(JsonNode n, String field) {
        JsonNode v = req(n, field);
        if (!v.isArray()) {
            throw new IllegalArgumentException(field + " is not a list");
        }
        List<String> out = new ArrayList<>();
        v.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static JsonNode req(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field " + field);
        }
        return v;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static double dbl(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    /** Puts a number into a JSON object, {@code null} when it is not finite (the convention of every output file). */
    public static void number(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) {
            n.put(field, v);
        } else {
            n.putNull(field);
        }
    }
}
