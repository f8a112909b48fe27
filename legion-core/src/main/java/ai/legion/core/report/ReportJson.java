package ai.legion.core.report;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.text.SafeText;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads and writes an {@link ArtifactReport} as JSON (UTF-8). The schema is stable: fields are written in the
 * order below, readers ignore fields they do not know, and an incompatible change bumps {@code version}.
 *
 * <h2>Schema, version 1</h2>
 * <pre>{@code
 * {
 *   "format": "legion-report",            // constant
 *   "version": 1,                          // schema version
 *   "source": "cat.png",                   // ArtifactReport.source
 *   "model": "LEGION-7B",                  // ArtifactReport.modelId ("" if unknown)
 *   "image": {"width": 640, "height": 480},
 *   "verdict": null | {                    // null: the checkpoint has no detection head
 *     "label": "FAKE" | "REAL",            // argmax; class index 0 = FAKE, 1 = REAL
 *     "probability": 0.97,                 // softmax probability of the label
 *     "p_real": 0.03, "p_fake": 0.97,      // softmax of the two logits
 *     "logits": [2.1, -1.3]                // [fake, real], float32
 *   },
 *   "explanations": "generated",           // or "skipped" / "forced" for a REAL verdict
 *   "summary": "…",                        // the "I have found:" sentence, or ""
 *   "artifact_area_fraction": 0.0123,      // union area / (width * height)
 *   "union": MASK,                         // upstream mask.png (OR of all predicted masks)
 *   "artifacts": [                         // output order
 *     {"index": 0,                         // 0-based; overlays show index + 1
 *      "phrase": "…", "explanation": "…",
 *      "score": 0.83,                       // float32 in [0, 1] (see Artifact.score)
 *      "mask": MASK}
 *   ],
 *   "text": {
 *     "raw": "…",                          // decoded model output, special tokens kept
 *     "explanation": "…",                  // upstream infer.py's cleaned text (explanation.json)
 *     "generated_tokens": 57
 *   },
 *   "timings_ms": {"load": 0.0, "preprocess": 0.0, "clip": 0.0, "llm_prefill": 0.0, "decode": 0.0,
 *                  "sam_encoder": 0.0, "masks": 0.0, "total": 0.0,
 *                  "other": {"stage name": 0.0}}   // extra stages in their insertion order
 * }
 *
 * MASK = {
 *   "size": [height, width],               // COCO RLE size
 *   "counts": "…",                         // pycocotools compressed RLE string (column-major runs);
 *                                          // readers also accept the uncompressed form [n0, n1, ...]
 *   "area": 1234,                          // set pixels
 *   "area_fraction": 0.004,                // area / (height * width)
 *   "bbox": [x, y, width, height] | null   // COCO xywh in pixels; null for an empty mask
 * }
 * }</pre>
 * {@code pycocotools.mask.decode({"size": m["size"], "counts": m["counts"].encode()})} turns a MASK into the
 * {@code [height, width]} uint8 array. On reading, {@code area} and {@code bbox} (when present) are checked
 * against the decoded mask, and every mask must have the image's size. Floating-point numbers are written in
 * their shortest round-trip form, so {@code fromJson(toJson(r)).equals(r)}.
 */
public final class ReportJson {

    /** The value of the {@code format} field. */
    public static final String FORMAT = "legion-report";
    /** The schema version written by this class. */
    public static final int VERSION = 1;

    /** Strings exact, but what a terminal would act on is written escaped: {@code analyze --json} prints this. */
    private static final ObjectMapper MAPPER = new ObjectMapper(new JsonFactory().setCharacterEscapes(
            SafeText.jsonEscapes()));

    private ReportJson() {}

    /** The report as indented JSON. */
    public static String toJson(ArtifactReport report) {
        return toJson(report, true);
    }

    /** The report as JSON, indented or on one line. */
    public static String toJson(ArtifactReport report, boolean pretty) {
        ObjectNode root = toTree(report);
        try {
            return pretty ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root)
                    : MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            // a tree of plain nodes always serializes; anything else is a bug worth surfacing
            throw new IllegalStateException("cannot serialize report " + report.source(), e);
        }
    }

    /** The report as a Jackson tree (same schema as {@link #toJson}). */
    public static ObjectNode toTree(ArtifactReport r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("source", r.source());
        root.put("model", r.modelId());
        ObjectNode image = root.putObject("image");
        image.put("width", r.imageWidth());
        image.put("height", r.imageHeight());
        if (r.verdict().isPresent()) {
            Verdict v = r.verdict().get();
            ObjectNode vn = root.putObject("verdict");
            vn.put("label", v.label().name());
            vn.put("probability", v.probability());
            vn.put("p_real", v.pReal());
            vn.put("p_fake", v.pFake());
            ArrayNode logits = vn.putArray("logits");
            logits.add(v.fakeLogit());
            logits.add(v.realLogit());
        } else {
            root.putNull("verdict");
        }
        root.put("explanations", r.explanations().jsonName());
        root.put("summary", r.summary());
        root.put("artifact_area_fraction", r.artifactAreaFraction());
        root.set("union", maskNode(r.union()));
        ArrayNode arts = root.putArray("artifacts");
        for (Artifact a : r.artifacts()) {
            ObjectNode an = arts.addObject();
            an.put("index", a.index());
            an.put("phrase", a.phrase());
            an.put("explanation", a.explanation());
            an.put("score", a.score());
            an.set("mask", maskNode(a.mask()));
        }
        ObjectNode text = root.putObject("text");
        text.put("raw", r.rawText());
        text.put("explanation", r.explanationText());
        text.put("generated_tokens", r.generatedTokens());
        ObjectNode t = root.putObject("timings_ms");
        Timings tm = r.timings();
        double[] fixed = {tm.loadMs(), tm.preprocessMs(), tm.clipMs(), tm.prefillMs(), tm.decodeMs(), tm.samEncoderMs(),
            tm.masksMs(), tm.totalMs()};
        for (int i = 0; i < fixed.length; i++) {
            t.put(Timings.STAGES.get(i), fixed[i]);
        }
        ObjectNode other = t.putObject("other");
        tm.other().forEach(other::put);
        return root;
    }

    /** One mask in the MASK form of the schema. */
    public static ObjectNode maskNode(BinaryMask m) {
        CocoRle rle = CocoRle.encode(m);
        ObjectNode n = MAPPER.createObjectNode();
        ArrayNode size = n.putArray("size");
        size.add(m.height());
        size.add(m.width());
        n.put("counts", rle.toCompressedString());
        n.put("area", m.area());
        n.put("area_fraction", m.areaFraction());
        Optional<BoundingBox> box = m.bbox();
        if (box.isPresent()) {
            ArrayNode b = n.putArray("bbox");
            for (int v : box.get().toArray()) {
                b.add(v);
            }
        } else {
            n.putNull("bbox");
        }
        return n;
    }

    /**
     * Parses a report written by {@link #toJson} (any version-1 writer).
     *
     * @throws ReportException when the text is not JSON, a field is missing or has the wrong type, or a
     *     value is invalid (the message gives the field's path, e.g. {@code artifacts[2].mask.counts})
     */
    public static ArtifactReport fromJson(String json) throws ReportException {
        return fromJson(json, null);
    }

    private static ArtifactReport fromJson(String json, Path file) throws ReportException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ReportException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        return new Reader(file).report(root);
    }

    /** Writes the report as indented JSON, atomically (temporary file, fsync, rename). */
    public static void write(Path file, ArtifactReport report) throws ReportException {
        writeFile(file, toJson(report, true).getBytes(StandardCharsets.UTF_8), "report");
    }

    /** Writes a file of the report atomically; a failure names the file and {@code what} it is. */
    static void writeFile(Path file, byte[] bytes, String what) throws ReportException {
        try {
            IoUtils.writeAtomically(file, bytes);
        } catch (CheckpointException e) {
            throw new ReportException(file, "cannot write " + what + ": " + e.getMessage(), e);
        }
    }

    /** Reads a report file written by {@link #write}. */
    public static ArtifactReport read(Path file) throws ReportException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ReportException(file, "cannot read report: " + e, e);
        }
        return fromJson(json, file);
    }

    /** Tree-to-record conversion with error messages that name the field path. */
    private static final class Reader {
        private final Path file;

        Reader(Path file) {
            this.file = file;
        }

        ArtifactReport report(JsonNode root) throws ReportException {
            if (root == null || !root.isObject()) {
                throw fail("", "expected a JSON object");
            }
            String format = text(root, "format", "");
            if (!FORMAT.equals(format)) {
                throw fail("format", "expected \"" + FORMAT + "\", got \"" + format + "\"");
            }
            int version = integer(root, "version", "");
            if (version != VERSION) {
                throw fail("version", "this reader understands version " + VERSION + ", got " + version);
            }
            String source = text(root, "source", "");
            String model = text(root, "model", "");
            JsonNode image = object(root, "image", "");
            int width = integer(image, "width", "image.");
            int height = integer(image, "height", "image.");
            if (width <= 0 || height <= 0) {
                throw fail("image", "size must be positive, got " + width + "x" + height);
            }
            Optional<Verdict> verdict = verdict(root.get("verdict"));
            Explanations explanations = explanations(root.get("explanations"));
            String summary = text(root, "summary", "");
            BinaryMask union = mask(object(root, "union", ""), "union", height, width);
            JsonNode arts = root.get("artifacts");
            if (arts == null || !arts.isArray()) {
                throw fail("artifacts", "expected an array");
            }
            List<Artifact> artifacts = new ArrayList<>();
            for (int i = 0; i < arts.size(); i++) {
                String p = "artifacts[" + i + "].";
                JsonNode a = arts.get(i);
                if (!a.isObject()) {
                    throw fail("artifacts[" + i + "]", "expected an object");
                }
                int index = integer(a, "index", p);
                String phrase = text(a, "phrase", p);
                String explanation = text(a, "explanation", p);
                float score = (float) number(a, "score", p);
                BinaryMask m = mask(object(a, "mask", p), p + "mask", height, width);
                artifacts.add(build("artifacts[" + i + "]", () -> new Artifact(index, phrase, explanation, m, score)));
            }
            JsonNode text = object(root, "text", "");
            String raw = text(text, "raw", "text.");
            String expl = text(text, "explanation", "text.");
            int tokens = integer(text, "generated_tokens", "text.");
            Timings timings = timings(object(root, "timings_ms", ""));
            return build("", () -> new ArtifactReport(source, width, height, verdict, summary, artifacts, union, raw,
                    expl, tokens, timings, model, explanations));
        }

        /** Absent in reports written before the field existed, which always explained. */
        private Explanations explanations(JsonNode e) throws ReportException {
            if (e == null || e.isNull()) {
                return Explanations.GENERATED;
            }
            if (!e.isTextual()) {
                throw fail("explanations", "expected a string");
            }
            try {
                return Explanations.fromJson(e.asText());
            } catch (IllegalArgumentException x) {
                throw fail("explanations", x.getMessage());
            }
        }

        private Optional<Verdict> verdict(JsonNode v) throws ReportException {
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (!v.isObject()) {
                throw fail("verdict", "expected an object or null");
            }
            String label = text(v, "label", "verdict.");
            Verdict.Label l;
            try {
                l = Verdict.Label.valueOf(label);
            } catch (IllegalArgumentException e) {
                throw fail("verdict.label", "expected FAKE or REAL, got \"" + label + "\"");
            }
            double probability = number(v, "probability", "verdict.");
            double pReal = number(v, "p_real", "verdict.");
            double pFake = number(v, "p_fake", "verdict.");
            JsonNode logits = v.get("logits");
            if (logits == null || !logits.isArray() || logits.size() != 2 || !logits.get(0).isNumber()
                    || !logits.get(1).isNumber()) {
                throw fail("verdict.logits", "expected two numbers [fake, real]");
            }
            float fake = logits.get(0).floatValue();
            float real = logits.get(1).floatValue();
            return Optional.of(build("verdict", () -> new Verdict(l, probability, pReal, pFake, fake, real)));
        }

        private Timings timings(JsonNode t) throws ReportException {
            double[] fixed = new double[Timings.STAGES.size()];
            for (int i = 0; i < fixed.length; i++) {
                fixed[i] = number(t, Timings.STAGES.get(i), "timings_ms.");
            }
            Map<String, Double> other = new LinkedHashMap<>();
            JsonNode o = t.get("other");
            if (o != null && !o.isNull()) {
                if (!o.isObject()) {
                    throw fail("timings_ms.other", "expected an object");
                }
                for (Map.Entry<String, JsonNode> e : o.properties()) {
                    if (!e.getValue().isNumber()) {
                        throw fail("timings_ms.other." + e.getKey(), "expected a number");
                    }
                    other.put(e.getKey(), e.getValue().doubleValue());
                }
            }
            return build("timings_ms", () -> new Timings(fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5],
                    fixed[6], fixed[7], other));
        }

        private BinaryMask mask(JsonNode n, String path, int height, int width) throws ReportException {
            JsonNode size = n.get("size");
            if (size == null || !size.isArray() || size.size() != 2 || !size.get(0).canConvertToInt()
                    || !size.get(1).canConvertToInt()) {
                throw fail(path + ".size", "expected [height, width]");
            }
            int h = size.get(0).intValue();
            int w = size.get(1).intValue();
            if (h != height || w != width) {
                throw fail(path + ".size", "mask is [" + h + ", " + w + "] but the image is [" + height + ", "
                        + width + "] (height, width)");
            }
            JsonNode counts = n.get("counts");
            CocoRle rle;
            try {
                if (counts != null && counts.isTextual()) {
                    rle = CocoRle.fromCompressedString(counts.textValue(), h, w);
                } else if (counts != null && counts.isArray()) {
                    int[] c = new int[counts.size()];
                    for (int i = 0; i < c.length; i++) {
                        if (!counts.get(i).canConvertToInt() || !counts.get(i).isIntegralNumber()) {
                            throw fail(path + ".counts[" + i + "]", "expected an integer");
                        }
                        c[i] = counts.get(i).intValue();
                    }
                    rle = new CocoRle(h, w, c);
                } else {
                    throw fail(path + ".counts", "expected a compressed RLE string or an array of run lengths");
                }
            } catch (IllegalArgumentException e) {
                throw new ReportException(file, path + ".counts: " + e.getMessage(), e);
            }
            BinaryMask m = rle.decode();
            JsonNode area = n.get("area");
            if (area != null && !area.isNull() && (!area.canConvertToLong() || area.longValue() != m.area())) {
                throw fail(path + ".area", "is " + area + " but the decoded mask has " + m.area() + " pixels set");
            }
            JsonNode bbox = n.get("bbox");
            if (bbox != null) {
                Optional<BoundingBox> box = m.bbox();
                boolean ok;
                if (bbox.isNull()) {
                    ok = box.isEmpty();
                } else {
                    ok = box.isPresent() && bbox.isArray() && bbox.size() == 4;
                    int[] want = box.map(BoundingBox::toArray).orElse(new int[0]);
                    for (int i = 0; ok && i < 4; i++) {
                        ok = bbox.get(i).isNumber() && bbox.get(i).doubleValue() == want[i];
                    }
                }
                if (!ok) {
                    throw fail(path + ".bbox", "is " + bbox + " but the decoded mask's box is "
                            + box.map(b -> Arrays.toString(b.toArray())).orElse("null"));
                }
            }
            return m;
        }

        private JsonNode object(JsonNode parent, String field, String prefix) throws ReportException {
            JsonNode n = parent.get(field);
            if (n == null || !n.isObject()) {
                throw fail(prefix + field, "expected an object");
            }
            return n;
        }

        private String text(JsonNode parent, String field, String prefix) throws ReportException {
            JsonNode n = parent.get(field);
            if (n == null || !n.isTextual()) {
                throw fail(prefix + field, "expected a string");
            }
            return n.textValue();
        }

        private int integer(JsonNode parent, String field, String prefix) throws ReportException {
            JsonNode n = parent.get(field);
            if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
                throw fail(prefix + field, "expected an integer");
            }
            return n.intValue();
        }

        private double number(JsonNode parent, String field, String prefix) throws ReportException {
            JsonNode n = parent.get(field);
            if (n == null || !n.isNumber()) {
                throw fail(prefix + field, "expected a number");
            }
            return n.doubleValue();
        }

        private <T> T build(String path, Supplier<T> ctor) throws ReportException {
            try {
                return ctor.get();
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new ReportException(file, (path.isEmpty() ? "" : path + ": ") + e.getMessage(), e);
            }
        }

        private ReportException fail(String path, String message) {
            return new ReportException(file, (path.isEmpty() ? "" : path + ": ") + message);
        }
    }
}
