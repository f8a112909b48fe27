package ai.legion.data.loki;

import static ai.legion.data.JsonArrays.nodeType;

import ai.legion.core.io.IoUtils;
import ai.legion.core.report.BinaryMask;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.FileNames;
import ai.legion.data.JsonArrays;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.ValidationReport;
import ai.legion.data.raster.MaskRasterizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads LOKI's image explanation set (HF {@code bczhou/LOKI}, {@code data_json/image/open_ended_vqa.json}),
 * a JSON list of items {@code {id, image_path, question, choices, answer, question_type, metric,
 * problems: {global: [{desc}], regional: [{region: [x, y, w, h], desc}]}}}. The file is UTF-16 with a BOM as
 * published; the encoding is detected ({@link #detectEncoding}: UTF-8, UTF-16LE/BE with or without BOM)
 * and items are parsed as a stream, one at a time.
 *
 * <p>What becomes of an item:
 * <ul>
 *   <li>{@link ArtifactRecord#id()} = {@code id} (a number as its decimal text); without one, the image's file
 *       stem (reported as {@code missing_id}).</li>
 *   <li>One {@link Ref} per regional problem, in order: phrase {@code "region k"} (1-based; LOKI names no
 *       phrase, and the benchmark scores only the union mask and the explanation text), explanation =
 *       {@code desc}, region = {@link Region.Box} {@code [x, y, w, h]}. The ground-truth mask is their union
 *       drawn as upstream's {@code generate_loki_mask} does ({@link #groundTruthMask}).</li>
 *   <li>{@link ArtifactRecord#caption()} = the global problems' {@code desc} strings joined by a newline.</li>
 *   <li>The image: {@code image_path} relative to the dataset root (or absolute), else its file name in the
 *       images folder ({@link Options#imagesDir()}, default {@code ROOT/images}).</li>
 *   <li>Authenticity: from an item field when one is present ({@code authenticity}, {@code label},
 *       {@code real_or_fake}: text containing fake/synthetic/generated/ai vs real/authentic; booleans
 *       {@code is_fake}, {@code is_real}); else {@link Options#defaultAuthenticity()} (default
 *       {@link Authenticity#UNKNOWN}: the published explanation items carry no such field that could be
 *       confirmed, although LEGION's LOKI benchmark uses them as synthetic images).</li>
 *   <li>Attributes: {@code image_path}, {@code question}, {@code answer}, {@code question_type},
 *       {@code metric}, {@code modality}, {@code choices} (as JSON text when not a string), and
 *       {@code content_type}, {@code type}, {@code category}, {@code artifact_type} when present.</li>
 * </ul>
 *
 * <p>{@link ValidationReport} kinds: {@code malformed_record} (not an object, no {@code image_path}, a
 * {@code problems} entry of the wrong shape, a region that is not 4 finite numbers — upstream raises
 * {@code ValueError} there — or holds a value beyond {@link Region#MAX_COORDINATE}: the item is skipped),
 * {@code missing_image} (skipped unless {@link Options#keepMissingImages()}), {@code duplicate_id} (the later
 * item is skipped: results are keyed by id), {@code degenerate_box} (width or height {@code <= 0}: skipped),
 * {@code missing_id}, {@code empty_explanation}. Each {@link #iterator()}
 * reads the file afresh with a new report; {@link #validation()} is the latest one.
 */
public final class LokiReader extends StreamingDatasetReader {

    /** The reader's {@link #name()} and the records' {@code dataset}. */
    public static final String NAME = "loki";

    /** The explanation file's path below the dataset root. */
    public static final String DEFAULT_JSON = "data_json/image/open_ended_vqa.json";

    private static final List<String> TEXT_ATTRIBUTES = List.of("question", "answer", "question_type", "metric",
            "modality", "choices", "content_type", "type", "category", "artifact_type");

    /**
     * Reader options.
     *
     * @param keepMissingImages keep items whose image is missing (image = the expected path); default false
     * @param imagesDir where images are looked up by file name when {@code image_path} does not exist;
     *     null = {@code ROOT/images}
     * @param defaultAuthenticity for items without an authenticity field
     */
    public record Options(boolean keepMissingImages, Path imagesDir, Authenticity defaultAuthenticity) {
        public Options {
            Objects.requireNonNull(defaultAuthenticity, "defaultAuthenticity");
        }

        /** Skip missing images, {@code ROOT/images}, {@link Authenticity#UNKNOWN}. */
        public static Options defaults() {
            return new Options(false, null, Authenticity.UNKNOWN);
        }

        public Options withKeepMissingImages(boolean value) {
            return new Options(value, imagesDir, defaultAuthenticity);
        }

        public Options withImagesDir(Path value) {
            return new Options(keepMissingImages, value, defaultAuthenticity);
        }

        public Options withDefaultAuthenticity(Authenticity value) {
            return new Options(keepMissingImages, imagesDir, value);
        }
    }

    /** A detected text encoding and the length of its byte order mark (0 when none). */
    public record Encoding(Charset charset, int bomLength) {}

    private final Path jsonFile;
    private final Path root;
    private final Options options;
    private final Path imagesDir;

    private LokiReader(Path jsonFile, Path root, Options options) {
        this.jsonFile = jsonFile;
        this.root = root;
        this.options = options;
        this.imagesDir = options.imagesDir() != null ? options.imagesDir() : root.resolve("images");
    }

    /** {@link #open(Path, Options)} with {@link Options#defaults()}. */
    public static LokiReader open(Path rootOrJson) throws DatasetException {
        return open(rootOrJson, Options.defaults());
    }

    /**
     * Opens the dataset root (holding {@value #DEFAULT_JSON}, or {@code open_ended_vqa.json} directly) or the
     * JSON file itself; for a file at {@code ROOT/data_json/image/x.json} the root is {@code ROOT}, for any other
     * file its folder.
     */
    public static LokiReader open(Path rootOrJson, Options options) throws DatasetException {
        Objects.requireNonNull(rootOrJson, "rootOrJson");
        Objects.requireNonNull(options, "options");
        if (Files.isRegularFile(rootOrJson)) {
            Path json = rootOrJson.toAbsolutePath();
            Path dir = json.getParent();
            Path root = dir;
            if (dir.getFileName() != null && dir.getFileName().toString().equals("image") && dir.getParent() != null
                    && dir.getParent().getFileName() != null
                    && dir.getParent().getFileName().toString().equals("data_json")) {
                root = dir.getParent().getParent();
            }
            return open(json, root, options);
        }
        if (!Files.isDirectory(rootOrJson)) {
            throw new DatasetException(rootOrJson, "not found: expected the LOKI folder or " + DEFAULT_JSON);
        }
        for (Path json : List.of(rootOrJson.resolve(DEFAULT_JSON), rootOrJson.resolve("open_ended_vqa.json"))) {
            if (Files.isRegularFile(json)) {
                return open(json, rootOrJson, options);
            }
        }
        throw new DatasetException(rootOrJson, "no " + DEFAULT_JSON + " (nor open_ended_vqa.json) in this folder");
    }

    /** Opens a JSON file whose {@code image_path}s are relative to {@code root}. */
    public static LokiReader open(Path jsonFile, Path root, Options options) throws DatasetException {
        Objects.requireNonNull(jsonFile, "jsonFile");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(options, "options");
        if (!Files.isRegularFile(jsonFile)) {
            throw new DatasetException(jsonFile, "LOKI JSON file not found");
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root, "LOKI dataset root not found");
        }
        return new LokiReader(jsonFile, root, options);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The JSON file being read. */
    public Path jsonFile() {
        return jsonFile;
    }

    /** The folder {@code image_path}s are relative to. */
    public Path root() {
        return root;
    }

    /** The folder images are looked up in by file name. */
    public Path imagesDir() {
        return imagesDir;
    }

    @Override
    protected RecordStream openStream(ValidationReport report) {
        return new ItemIterator(report);
    }

    /**
     * The evaluation ground truth: the union of the record's boxes as upstream's {@code generate_loki_mask}
     * draws them ({@code cv2.rectangle(thickness=-1)} between {@code (int(x), int(y))} and
     * {@code (int(x+w), int(y+h))}, clamped to the image, inclusive).
     */
    public static BinaryMask groundTruthMask(ArtifactRecord record, int height, int width) {
        return MaskRasterizer.geometryGroundTruth(record, height, width, "LOKI");
    }

    /**
     * The encoding of a JSON text from its first bytes: a UTF-8, UTF-16LE or UTF-16BE byte order mark, else
     * UTF-16 by the zero byte of an ASCII first character ({@code 00 xx} big endian, {@code xx 00} little
     * endian), else UTF-8.
     */
    public static Encoding detectEncoding(byte[] head, int length) {
        int n = Math.min(length, head.length);
        if (n >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF) {
            return new Encoding(StandardCharsets.UTF_8, 3);
        }
        if (n >= 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE) {
            return new Encoding(StandardCharsets.UTF_16LE, 2);
        }
        if (n >= 2 && (head[0] & 0xFF) == 0xFE && (head[1] & 0xFF) == 0xFF) {
            return new Encoding(StandardCharsets.UTF_16BE, 2);
        }
        if (n >= 2 && head[0] == 0 && head[1] != 0) {
            return new Encoding(StandardCharsets.UTF_16BE, 0);
        }
        if (n >= 2 && head[0] != 0 && head[1] == 0) {
            return new Encoding(StandardCharsets.UTF_16LE, 0);
        }
        return new Encoding(StandardCharsets.UTF_8, 0);
    }

    /** Authenticity from an item's label fields, or null when it has none that can be read. */
    static Authenticity authenticityOf(JsonNode item) {
        for (String f : List.of("is_fake", "is_real")) {
            JsonNode v = item.get(f);
            if (v != null && v.isBoolean()) {
                return v.asBoolean() == f.equals("is_fake") ? Authenticity.FAKE : Authenticity.REAL;
            }
        }
        for (String f : List.of("authenticity", "label", "real_or_fake")) {
            JsonNode v = item.get(f);
            if (v != null && v.isTextual()) {
                String s = v.asText().strip().toLowerCase(Locale.ROOT);
                if (s.contains("fake") || s.contains("synthetic") || s.contains("generated") || s.equals("ai")) {
                    return Authenticity.FAKE;
                }
                if (s.contains("real") || s.contains("authentic")) {
                    return Authenticity.REAL;
                }
            }
        }
        return null;
    }

    /** Streams the items of one pass over the file. */
    private final class ItemIterator extends RecordStream {

        private final Set<String> ids = new HashSet<>();
        private JsonParser parser;
        private boolean started;
        private int index = -1;

        ItemIterator(ValidationReport report) {
            super(report);
        }

        @Override
        protected ArtifactRecord read() throws DatasetException {
            try {
                if (!started) {
                    started = true;
                    parser = JsonArrays.MAPPER.createParser(openText());
                    JsonArrays.start(parser, jsonFile, "LOKI items");
                }
                if (JsonArrays.next(parser, jsonFile, "item #" + index) == null) {
                    end();
                    return null;
                }
                index++;
                JsonNode item = parser.readValueAsTree();
                return toRecord(item == null ? JsonArrays.MAPPER.nullNode() : item);
            } catch (JsonProcessingException e) {
                throw JsonArrays.malformed(jsonFile, e, "item #" + Math.max(index, 0));
            } catch (IOException e) {
                throw new DatasetException(jsonFile, "cannot read LOKI JSON: " + e.getMessage(), e);
            }
        }

        /** The file as characters in its detected encoding, past the BOM; malformed bytes are an error. */
        private Reader openText() throws IOException {
            InputStream in = new BufferedInputStream(Files.newInputStream(jsonFile), 1 << 16);
            in.mark(4);
            byte[] head = new byte[4];
            int n = in.readNBytes(head, 0, 4);
            in.reset();
            Encoding enc = detectEncoding(head, n);
            in.skipNBytes(enc.bomLength());
            return new InputStreamReader(in, enc.charset().newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT));
        }

        @Override
        protected void release() {
            IoUtils.closeQuietly(parser); // read-only: nothing is lost
            parser = null;
        }

        private ArtifactRecord skip(String id, String message) {
            report.skip("malformed_record", id, message);
            return null;
        }

        private ArtifactRecord toRecord(JsonNode item) {
            String where = "#" + index;
            if (!item.isObject()) {
                return skip(where, "item " + where + " is " + nodeType(item) + ", expected an object");
            }
            JsonNode idNode = item.get("id");
            String id = idNode != null && (idNode.isTextual() || idNode.isIntegralNumber()) ? idNode.asText() : null;
            JsonNode pathNode = item.get("image_path");
            if (pathNode == null || !pathNode.isTextual() || pathNode.asText().isBlank()) {
                return skip(id != null ? id : where, "image_path is " + nodeType(pathNode) + ", expected a path");
            }
            String imagePath = pathNode.asText().strip();
            String base = FileNames.baseName(imagePath);
            boolean missingId = id == null;
            if (missingId) {
                id = FileNames.stem(base);
            }
            if (ids.contains(id)) {
                // results are keyed by id: a second item would overwrite or double-count the first
                report.skip("duplicate_id", id, "id appears more than once in " + jsonFile.getFileName()
                        + "; the first item is kept, this one skipped");
                return null;
            }
            List<Ref> refs = new ArrayList<>();
            List<String> globals = new ArrayList<>();
            List<String[]> deferred = new ArrayList<>();
            JsonNode problems = item.get("problems");
            if (problems != null && !problems.isNull()) {
                if (!problems.isObject()) {
                    return skip(id, "problems is " + nodeType(problems) + ", expected {global, regional}");
                }
                JsonNode regional = problems.get("regional");
                if (regional != null && !regional.isNull()) {
                    if (!regional.isArray()) {
                        return skip(id, "problems.regional is " + nodeType(regional) + ", expected a list");
                    }
                    for (int k = 0; k < regional.size(); k++) {
                        JsonNode r = regional.get(k);
                        if (!r.isObject()) {
                            return skip(id, "problems.regional[" + k + "] is " + nodeType(r) + ", expected an object");
                        }
                        double[] box = readBox(r.get("region"));
                        if (box == null) {
                            return skip(id, "problems.regional[" + k + "].region is " + nodeType(r.get("region"))
                                    + ", expected [x, y, w, h] (4 finite numbers)");
                        }
                        if (box[2] <= 0 || box[3] <= 0) {
                            // upstream's cv2.rectangle would draw the corners swapped: a box the annotator never drew
                            report.skip("degenerate_box", id, "problems.regional[" + k + "].region has size "
                                    + box[2] + " x " + box[3] + ", expected a positive width and height");
                            return null;
                        }
                        for (double c : box) {
                            if (Math.abs(c) > Region.MAX_COORDINATE) {
                                return skip(id, "problems.regional[" + k + "].region " + r.get("region")
                                        + " has a value beyond +-" + (long) Region.MAX_COORDINATE + " px");
                            }
                        }
                        JsonNode desc = r.get("desc");
                        if (desc != null && !desc.isNull() && !desc.isTextual()) {
                            return skip(id, "problems.regional[" + k + "].desc is " + nodeType(desc)
                                    + ", expected a string");
                        }
                        String text = desc == null || desc.isNull() ? "" : desc.asText();
                        if (text.isBlank()) {
                            deferred.add(new String[] {"empty_explanation", "region " + (k + 1) + " has no desc"});
                        }
                        refs.add(new Ref("region " + (k + 1), text, new Region.Box(box[0], box[1], box[2], box[3])));
                    }
                }
                JsonNode global = problems.get("global");
                if (global != null && !global.isNull()) {
                    if (!global.isArray()) {
                        return skip(id, "problems.global is " + nodeType(global) + ", expected a list");
                    }
                    for (int k = 0; k < global.size(); k++) {
                        JsonNode g = global.get(k);
                        JsonNode desc = g.isObject() ? g.get("desc") : null;
                        if (desc == null || !desc.isTextual()) {
                            return skip(id, "problems.global[" + k + "] has no desc string");
                        }
                        globals.add(desc.asText());
                    }
                }
            }
            Path image = resolveImage(imagePath, base);
            if (image == null) {
                String message = "image " + imagePath + " not found under " + root + " nor as " + base + " in "
                        + imagesDir;
                if (!options.keepMissingImages()) {
                    report.skip("missing_image", id, message + "; item skipped");
                    return null;
                }
                report.add("missing_image", id, message + "; item kept");
                image = imagesDir.resolve(base);
            }
            if (missingId) {
                report.add("missing_id", id, "item " + where + " has no id: using the image's file stem");
            }
            String finalId = id;
            deferred.forEach(d -> report.add(d[0], finalId, d[1]));
            ids.add(id);
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("image_path", imagePath);
            for (String f : TEXT_ATTRIBUTES) {
                JsonNode v = item.get(f);
                if (v != null && !v.isNull()) {
                    attributes.put(f, v.isValueNode() ? v.asText() : v.toString());
                }
            }
            Authenticity auth = authenticityOf(item);
            report.recordRead();
            return new ArtifactRecord(id, NAME, image, auth != null ? auth : options.defaultAuthenticity(),
                    String.join("\n", globals), refs, attributes);
        }

        private Path resolveImage(String imagePath, String base) {
            try {
                Path p = root.resolve(imagePath);
                if (Files.isRegularFile(p)) {
                    return p;
                }
                Path byName = imagesDir.resolve(base);
                return Files.isRegularFile(byName) ? byName : null;
            } catch (InvalidPathException e) {
                return null;
            }
        }
    }

    private static double[] readBox(JsonNode region) {
        if (region == null || !region.isArray() || region.size() != 4) {
            return null;
        }
        double[] b = new double[4];
        for (int i = 0; i < 4; i++) {
            JsonNode n = region.get(i);
            if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
                return null;
            }
            b[i] = n.asDouble();
        }
        return b;
    }
}
