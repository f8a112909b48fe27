package ai.legion.data.synthscars;

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
import ai.legion.data.SceneFacts;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.ValidationReport;
import ai.legion.data.raster.MaskRasterizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads SynthScars (HF {@code khr0516/SynthScars}) as published: {@code ROOT/{train,test}/images/*} and
 * {@code ROOT/{train,test}/annotations/{split}.json} (the README's misspelled {@code annoations} folder is
 * accepted too). The JSON is a list of single-key objects
 * {@code {"<id>": {"img_file_name", "caption", "refs": [{"sentence", "explanation", "bbox", "segmentation"}]}}};
 * it is parsed as a stream, one list element at a time, so the 11k-record train file is never held in memory.
 *
 * <p>What becomes of a record:
 * <ul>
 *   <li>{@link ArtifactRecord#id()} = the key; {@link Authenticity#FAKE} (every SynthScars image is
 *       synthetic); {@link ArtifactRecord#caption()} = {@code caption} stripped of surrounding quotes and then
 *       whitespace, as upstream's loader does ({@code caption.strip('"').strip()}).</li>
 *   <li>Every ref becomes {@code Ref(sentence, explanation, Region.Polygons(segmentation))}, in file order,
 *       including refs upstream's training loader drops (sentence not in the caption: reported as
 *       {@code phrase_not_in_caption}; the sample builder decides).</li>
 *   <li>The image is looked up by the file name of {@code img_file_name} (which may be an absolute path from
 *       another machine) in the split's {@code images} folder, by its full name: SynthScars has same-stem
 *       {@code .png}/{@code .jpg} pairs that are different images, so a stem match is never substituted.
 *       An existing absolute path, or a path relative to the images folder, is used as a fallback.</li>
 *   <li>Attributes: {@code split}, {@code img_file_name} (as published), and any of {@code content_type},
 *       {@code type}, {@code category}, {@code artifact_type} found on the record (same key) or on ref
 *       {@code k} (key {@code ref<k>.<field>}, 0-based).</li>
 *   <li>Scene facts ({@link ArtifactRecord#facts()}), only when the record has {@code objects} (scars-sim writes
 *       them; published SynthScars has none, and such records have no facts): {@code objects} is a non-empty
 *       list of {@code {"type", "colour", "name"}} (type and colour one lower-case word, distinct types, name
 *       non-blank) and every ref has {@code object} (one of the types), {@code object_name} (that object's
 *       name), {@code kind} (lower snake case) and {@code category} (one of {@link #CATEGORIES}). A record
 *       whose facts break any of these is skipped as {@code malformed_record}, naming the field.</li>
 * </ul>
 *
 * <p>{@link ValidationReport} kinds: {@code malformed_record} (not an object, missing or mistyped
 * {@code caption}/{@code img_file_name}/{@code refs}/{@code sentence}/{@code segmentation}, a non-numeric or
 * non-finite coordinate, a coordinate beyond {@link Region#MAX_COORDINATE}, an odd coordinate count, a polygon
 * of more than {@link Region#MAX_POLYGON_POINTS} points: the record is skipped), {@code missing_image} (skipped
 * unless {@link Options#keepMissingImages()}), {@code duplicate_id} (the later record is skipped: results are
 * keyed by id), {@code duplicate_image} (another record
 * annotates the same file), {@code duplicate_stem} (another record's file has the same stem but another
 * name), {@code degenerate_polygon} (fewer than 3 points, zero area, or a ref without polygons),
 * {@code empty_explanation}, {@code phrase_not_in_caption}, and with {@link Options#checkBounds()}
 * {@code coordinates_out_of_bounds} and {@code unreadable_image}. All but the first three keep the record.
 *
 * <p>Each {@link #iterator()} reads the file afresh with a new report; {@link #validation()} is the report of
 * the most recent iteration (complete once it has finished). Open iterations are closed by {@link #close()}.
 */
public final class SynthScarsReader extends StreamingDatasetReader {

    /** The reader's {@link #name()} and the records' {@code dataset}. */
    public static final String NAME = "synthscars";

    /** Record- or ref-level label fields copied into the attributes when present. */
    public static final List<String> LABEL_FIELDS = List.of("content_type", "type", "category", "artifact_type");

    /** Record field of the scene facts: every object, {@code [{"type", "colour", "name"}, ...]}. */
    public static final String FACT_OBJECTS = "objects";
    /** Ref field: the {@code type} of the object the artifact is on. */
    public static final String FACT_OBJECT = "object";
    /** Ref field: that object's {@code name}. */
    public static final String FACT_OBJECT_NAME = "object_name";
    /** Ref field: the artifact kind, lower snake case. */
    public static final String FACT_KIND = "kind";
    /** Ref field: the kind's category, one of {@link #CATEGORIES}. */
    public static final String FACT_CATEGORY = "category";
    /** SynthScars' artifact categories (paper §3). */
    public static final List<String> CATEGORIES = List.of("structure", "distortion", "physics");

    private static final Pattern WORD = Pattern.compile("[a-z]+");
    private static final Pattern SNAKE = Pattern.compile("[a-z]+(_[a-z]+)*");

    private static final List<String> ANNOTATION_FOLDERS = List.of("annotations", "annoations");
    private static final List<String> SIBLING_EXTENSIONS = List.of("png", "jpg", "jpeg", "webp", "PNG", "JPG", "JPEG");

    /**
     * Reader options.
     *
     * @param keepMissingImages keep records whose image file is missing (their {@code image} is the expected
     *     path in the images folder); default false: skip them
     * @param checkBounds read each image's size from its header and report polygon coordinates outside
     *     {@code [0, w] x [0, h]} (costs one file open per record); default false
     */
    public record Options(boolean keepMissingImages, boolean checkBounds) {
        /** Skip records with missing images, no bounds check. */
        public static Options defaults() {
            return new Options(false, false);
        }

        public Options withKeepMissingImages(boolean value) {
            return new Options(value, checkBounds);
        }

        public Options withCheckBounds(boolean value) {
            return new Options(keepMissingImages, value);
        }
    }

    private final Path annotationFile;
    private final Path imagesDir;
    private final String split;
    private final Options options;

    private SynthScarsReader(Path annotationFile, Path imagesDir, String split, Options options) {
        this.annotationFile = annotationFile;
        this.imagesDir = imagesDir;
        this.split = split;
        this.options = options;
    }

    /** {@link #open(Path, String, Options)} with {@link Options#defaults()}. */
    public static SynthScarsReader open(Path root, String split) throws DatasetException {
        return open(root, split, Options.defaults());
    }

    /**
     * Opens a split. {@code root} may be the dataset folder (holding {@code train/} and {@code test/}, or a
     * {@code SynthScars/} folder that does), the split folder itself (holding {@code images/} and
     * {@code annotations/}), or the annotation JSON file (images then expected in {@code ../images} next to its
     * annotations folder). The JSON is {@code {split}.json} in {@code annotations/} or {@code annoations/},
     * else the only {@code .json} file there.
     *
     * @param split {@code "train"} or {@code "test"} (any name of a split folder)
     * @throws DatasetException when the layout is not found (the message lists what was looked for)
     */
    public static SynthScarsReader open(Path root, String split, Options options) throws DatasetException {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(options, "options");
        if (Files.isRegularFile(root)) {
            Path annDir = root.toAbsolutePath().getParent();
            Path images = annDir.getParent() == null ? null : annDir.getParent().resolve("images");
            if (images == null || !Files.isDirectory(images)) {
                throw new DatasetException(root, "no images folder found at " + images
                        + " (expected SPLIT/annotations/" + root.getFileName() + " next to SPLIT/images/);"
                        + " pass the images folder explicitly");
            }
            return open(root, images, split, options);
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root, "not found: expected a SynthScars folder, split folder or annotation JSON");
        }
        List<Path> candidates = List.of(root.resolve(split), root.resolve("SynthScars").resolve(split), root);
        for (Path splitDir : candidates) {
            if (Files.isDirectory(splitDir.resolve("images"))) {
                for (String folder : ANNOTATION_FOLDERS) {
                    Path annDir = splitDir.resolve(folder);
                    if (Files.isDirectory(annDir)) {
                        return open(annotationIn(annDir, split), splitDir.resolve("images"), split, options);
                    }
                }
            }
        }
        throw new DatasetException(root, "no SynthScars split '" + split + "' found: looked for "
                + "{images/, annotations/ or annoations/} in " + candidates);
    }

    /**
     * Opens an annotation file with an explicit images folder.
     *
     * @param split recorded in the {@code split} attribute
     */
    public static SynthScarsReader open(Path annotationFile, Path imagesDir, String split, Options options)
            throws DatasetException {
        Objects.requireNonNull(annotationFile, "annotationFile");
        Objects.requireNonNull(imagesDir, "imagesDir");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(options, "options");
        if (!Files.isRegularFile(annotationFile)) {
            throw new DatasetException(annotationFile, "annotation file not found (expected a SynthScars JSON list)");
        }
        if (!Files.isDirectory(imagesDir)) {
            throw new DatasetException(imagesDir, "images folder not found");
        }
        return new SynthScarsReader(annotationFile, imagesDir, split, options);
    }

    private static Path annotationIn(Path annDir, String split) throws DatasetException {
        Path exact = annDir.resolve(split + ".json");
        if (Files.isRegularFile(exact)) {
            return exact;
        }
        List<Path> jsons = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(annDir, "*.json")) {
            ds.forEach(jsons::add);
        } catch (IOException e) {
            throw new DatasetException(annDir, "cannot list annotation folder: " + e.getMessage(), e);
        }
        if (jsons.size() == 1) {
            return jsons.get(0);
        }
        throw new DatasetException(annDir, "expected " + split + ".json (or a single .json file), found "
                + (jsons.isEmpty() ? "none" : jsons.stream().map(p -> p.getFileName().toString()).sorted().toList()));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The annotation JSON being read. */
    public Path annotationFile() {
        return annotationFile;
    }

    /** The folder images are looked up in. */
    public Path imagesDir() {
        return imagesDir;
    }

    /** The split name (the {@code split} attribute). */
    public String split() {
        return split;
    }

    /** The options in use. */
    public Options options() {
        return options;
    }

    @Override
    protected RecordStream openStream(ValidationReport report) {
        return new RecordIterator(report);
    }

    /**
     * The evaluation ground truth of a record: upstream's {@code generate_mask}, i.e. every polygon of every
     * ref through OpenCV {@code fillPoly} of int32-truncated points, in one {@code height x width} mask.
     *
     * @throws IllegalArgumentException when a ref holds a heatmap region (never the case for SynthScars)
     */
    public static BinaryMask groundTruthMask(ArtifactRecord record, int height, int width) {
        return MaskRasterizer.geometryGroundTruth(record, height, width, "SynthScars");
    }

    /** Streams the records of one pass over the file. */
    private final class RecordIterator extends RecordStream {

        private final Set<String> ids = new HashSet<>();
        private final Map<String, String> stems = new HashMap<>();
        private final Set<String> baseNames = new HashSet<>();
        private final ArrayDeque<ArtifactRecord> pending = new ArrayDeque<>();
        private JsonParser parser;
        private boolean started;
        private int element = -1;

        RecordIterator(ValidationReport report) {
            super(report);
        }

        @Override
        protected ArtifactRecord read() throws DatasetException {
            if (pending.isEmpty()) {
                advance();
            }
            return pending.poll();
        }

        /** Reads one list element (possibly no record, possibly several) or the end of the list. */
        private void advance() throws DatasetException {
            try {
                if (!started) {
                    started = true;
                    InputStream in = new BufferedInputStream(Files.newInputStream(annotationFile), 1 << 16);
                    // Jackson detects UTF-8/16/32 and skips a BOM
                    parser = JsonArrays.MAPPER.createParser(in);
                    JsonArrays.start(parser, annotationFile, "{\"<id>\": {record}} objects");
                }
                JsonToken t = JsonArrays.next(parser, annotationFile, "element #" + element);
                if (t == null) {
                    end();
                    return;
                }
                element++;
                if (t != JsonToken.START_OBJECT) {
                    parser.skipChildren();
                    skip("#" + element, "list element #" + element + " is " + describe(t)
                            + ", expected an object {\"<id>\": {...}}");
                    return;
                }
                boolean any = false;
                while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    any = true;
                    String id = parser.currentName();
                    parser.nextToken();
                    JsonNode value = parser.readValueAsTree();
                    ArtifactRecord r = toRecord(id, value == null ? JsonArrays.MAPPER.nullNode() : value);
                    if (r != null) {
                        pending.add(r);
                    }
                }
                if (!any) {
                    skip("#" + element, "list element #" + element + " is an empty object, expected {\"<id>\": {...}}");
                }
            } catch (JsonProcessingException e) {
                throw JsonArrays.malformed(annotationFile, e, "list element #" + Math.max(element, 0));
            } catch (IOException e) {
                throw new DatasetException(annotationFile, "cannot read annotation file: " + e.getMessage(), e);
            }
        }

        @Override
        protected void release() {
            IoUtils.closeQuietly(parser); // nothing was written: a failing close loses nothing
            parser = null;
        }

        private void skip(String id, String message) {
            report.skip("malformed_record", id, message);
        }

        /** Validates one record; null when it has to be skipped (already reported). */
        private ArtifactRecord toRecord(String id, JsonNode v) {
            if (!v.isObject()) {
                skip(id, "record is " + nodeType(v) + ", expected an object with img_file_name, caption, refs");
                return null;
            }
            JsonNode captionNode = v.get("caption");
            JsonNode fileNode = v.get("img_file_name");
            JsonNode refsNode = v.get("refs");
            if (captionNode == null || !captionNode.isTextual()) {
                skip(id, "caption is " + nodeType(captionNode) + ", expected a string");
                return null;
            }
            if (fileNode == null || !fileNode.isTextual() || FileNames.baseName(fileNode.asText()).isEmpty()) {
                skip(id, "img_file_name is " + nodeType(fileNode) + ", expected a file name or path");
                return null;
            }
            if (refsNode == null || !refsNode.isArray()) {
                skip(id, "refs is " + nodeType(refsNode) + ", expected a list of {sentence, explanation, segmentation}");
                return null;
            }
            if (ids.contains(id)) {
                // the scores are keyed by id: a second record would overwrite or double-count the first
                report.skip("duplicate_id", id, "id appears more than once in " + annotationFile.getFileName()
                        + "; the first record is kept, this one skipped");
                return null;
            }
            String caption = stripCaption(captionNode.asText());
            List<Ref> refs = new ArrayList<>(refsNode.size());
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("split", split);
            attributes.put("img_file_name", fileNode.asText());
            copyLabels(v, "", attributes);
            List<String[]> deferred = new ArrayList<>(); // issues of a record that may still be skipped
            for (int k = 0; k < refsNode.size(); k++) {
                JsonNode ref = refsNode.get(k);
                if (!ref.isObject()) {
                    skip(id, "ref " + k + " is " + nodeType(ref) + ", expected an object");
                    return null;
                }
                JsonNode sentence = ref.get("sentence");
                if (sentence == null || !sentence.isTextual()) {
                    skip(id, "ref " + k + " sentence is " + nodeType(sentence) + ", expected a string");
                    return null;
                }
                JsonNode expl = ref.get("explanation");
                if (expl != null && !expl.isNull() && !expl.isTextual()) {
                    skip(id, "ref " + k + " explanation is " + nodeType(expl) + ", expected a string");
                    return null;
                }
                List<double[]> polygons = new ArrayList<>();
                String problem = readPolygons(ref.get("segmentation"), polygons);
                if (problem != null) {
                    skip(id, "ref " + k + " segmentation " + problem);
                    return null;
                }
                String phrase = sentence.asText();
                String explanation = expl == null || expl.isNull() ? "" : expl.asText();
                if (explanation.isBlank()) {
                    deferred.add(new String[] {"empty_explanation", "ref " + k + " ('" + phrase + "') has no explanation"});
                }
                if (!caption.contains(phrase)) {
                    deferred.add(new String[] {"phrase_not_in_caption", "ref " + k + " sentence '" + phrase
                            + "' is not in the caption (upstream's training loader drops this ref)"});
                }
                if (polygons.isEmpty()) {
                    deferred.add(new String[] {"degenerate_polygon", "ref " + k + " has no polygon"});
                }
                for (int p = 0; p < polygons.size(); p++) {
                    double[] poly = polygons.get(p);
                    if (poly.length < 6) {
                        deferred.add(new String[] {"degenerate_polygon", "ref " + k + " polygon " + p + " has "
                                + poly.length / 2 + " point(s), fewer than 3"});
                    } else if (area(poly) == 0) {
                        deferred.add(new String[] {"degenerate_polygon", "ref " + k + " polygon " + p
                                + " has zero area (collinear points)"});
                    }
                }
                copyLabels(ref, "ref" + k + ".", attributes);
                refs.add(new Ref(phrase, explanation, new Region.Polygons(polygons)));
            }
            SceneFacts facts = null;
            if (v.has(FACT_OBJECTS)) {
                List<String> problem = new ArrayList<>(1);
                facts = readFacts(v.get(FACT_OBJECTS), refsNode, problem);
                if (facts == null) {
                    skip(id, problem.get(0));
                    return null;
                }
            }
            String base = FileNames.baseName(fileNode.asText());
            Path image = resolveImage(fileNode.asText(), base);
            if (image == null) {
                String sibling = sameStemSibling(base);
                String message = "image " + base + " not found in " + imagesDir
                        + (sibling == null ? "" : " (" + sibling + " exists: a same-stem file is a different image,"
                                + " not substituted)");
                if (!options.keepMissingImages()) {
                    report.skip("missing_image", id, message + "; record skipped");
                    return null;
                }
                report.add("missing_image", id, message + "; record kept");
                image = imagesDir.resolve(base);
            }
            deferred.forEach(d -> report.add(d[0], id, d[1]));
            ids.add(id);
            if (!baseNames.add(base)) {
                report.add("duplicate_image", id, "another record annotates " + base);
            } else {
                String stem = FileNames.stem(base);
                String previous = stems.putIfAbsent(stem, base);
                if (previous != null && !previous.equals(base)) {
                    report.add("duplicate_stem", id, base + " and " + previous
                            + " share a stem (different images; matched by full name)");
                }
            }
            if (options.checkBounds() && Files.isRegularFile(image)) {
                checkBounds(id, image, refs);
            }
            report.recordRead();
            return new ArtifactRecord(id, NAME, image, Authenticity.FAKE, caption, refs, attributes, facts);
        }

        private Path resolveImage(String published, String base) {
            try {
                Path inFolder = imagesDir.resolve(base);
                if (Files.isRegularFile(inFolder)) {
                    return inFolder;
                }
                Path given = Path.of(published.strip());
                if (given.isAbsolute()) {
                    return Files.isRegularFile(given) ? given : null;
                }
                Path relative = imagesDir.resolve(given);
                return Files.isRegularFile(relative) ? relative : null;
            } catch (InvalidPathException e) {
                return null;
            }
        }

        private String sameStemSibling(String base) {
            String stem = FileNames.stem(base);
            for (String ext : SIBLING_EXTENSIONS) {
                String name = stem + "." + ext;
                if (!name.equals(base)) {
                    try {
                        if (Files.isRegularFile(imagesDir.resolve(name))) {
                            return name;
                        }
                    } catch (InvalidPathException e) {
                        return null;
                    }
                }
            }
            return null;
        }

        private void checkBounds(String id, Path image, List<Ref> refs) {
            int[] size = imageSize(image);
            if (size == null) {
                report.add("unreadable_image", id, "cannot read the size of " + image.getFileName());
                return;
            }
            int w = size[0];
            int h = size[1];
            double worst = 0;
            int outside = 0;
            for (Ref r : refs) {
                for (double[] p : ((Region.Polygons) r.region()).polygons()) {
                    for (int i = 0; i + 1 < p.length; i += 2) {
                        double ex = Math.max(-p[i], p[i] - w);
                        double ey = Math.max(-p[i + 1], p[i + 1] - h);
                        double e = Math.max(ex, ey);
                        if (e > 0) {
                            outside++;
                            worst = Math.max(worst, e);
                        }
                    }
                }
            }
            if (outside > 0) {
                report.add("coordinates_out_of_bounds", id, outside + " point(s) outside the " + w + "x" + h
                        + " image, by up to " + worst + " px");
            }
        }
    }

    /** Width and height from the image header, or null. */
    private static int[] imageSize(Path image) {
        try (ImageInputStream iis = ImageIO.createImageInputStream(image.toFile())) {
            if (iis == null) {
                return null;
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code caption.strip('"').strip()}: quotes first, then whitespace (Python's definition). */
    static String stripCaption(String caption) {
        int start = 0;
        int end = caption.length();
        while (start < end && caption.charAt(start) == '"') {
            start++;
        }
        while (end > start && caption.charAt(end - 1) == '"') {
            end--;
        }
        while (start < end && isPyWhitespace(caption.charAt(start))) {
            start++;
        }
        while (end > start && isPyWhitespace(caption.charAt(end - 1))) {
            end--;
        }
        return caption.substring(start, end);
    }

    private static boolean isPyWhitespace(char c) {
        // str.strip() with no argument: Unicode whitespace, including \x1c-\x1f
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }

    /**
     * Parses the scene facts of a record that has {@code objects}: null (and the reason added to
     * {@code problem}) when any of them is missing or malformed.
     */
    static SceneFacts readFacts(JsonNode objectsNode, JsonNode refsNode, List<String> problem) {
        if (objectsNode == null || !objectsNode.isArray() || objectsNode.isEmpty()) {
            problem.add(FACT_OBJECTS + " is " + nodeType(objectsNode) + ", expected a non-empty list of "
                    + "{type, colour, name}");
            return null;
        }
        List<SceneFacts.SceneObject> objects = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < objectsNode.size(); i++) {
            JsonNode o = objectsNode.get(i);
            String where = FACT_OBJECTS + "[" + i + "]";
            if (!o.isObject()) {
                problem.add(where + " is " + nodeType(o) + ", expected an object {type, colour, name}");
                return null;
            }
            String type = word(o, "type", WORD, where, problem);
            String colour = type == null ? null : word(o, "colour", WORD, where, problem);
            String name = colour == null ? null : word(o, "name", null, where, problem);
            if (name == null) {
                return null;
            }
            if (names.put(type, name) != null) {
                problem.add(where + ".type '" + type + "' appears twice: a ref's object must name one object");
                return null;
            }
            objects.add(new SceneFacts.SceneObject(type, colour, name));
        }
        List<SceneFacts.RefFacts> refs = new ArrayList<>();
        for (int k = 0; k < refsNode.size(); k++) {
            JsonNode ref = refsNode.get(k);
            String where = "ref " + k;
            String object = word(ref, FACT_OBJECT, WORD, where, problem);
            String objectName = object == null ? null : word(ref, FACT_OBJECT_NAME, null, where, problem);
            String kind = objectName == null ? null : word(ref, FACT_KIND, SNAKE, where, problem);
            String category = kind == null ? null : word(ref, FACT_CATEGORY, WORD, where, problem);
            if (category == null) {
                return null;
            }
            if (!names.containsKey(object)) {
                problem.add(where + " " + FACT_OBJECT + " '" + object + "' is not among the objects " + names.keySet());
                return null;
            }
            if (!names.get(object).equals(objectName)) {
                problem.add(where + " " + FACT_OBJECT_NAME + " '" + objectName + "' differs from the name of the "
                        + object + ", '" + names.get(object) + "'");
                return null;
            }
            if (!CATEGORIES.contains(category)) {
                problem.add(where + " " + FACT_CATEGORY + " '" + category + "' is not one of " + CATEGORIES);
                return null;
            }
            refs.add(new SceneFacts.RefFacts(object, objectName, kind, category));
        }
        return new SceneFacts(objects, refs);
    }

    /** A string field, matching {@code pattern} when given (else not blank); null and a reason when not. */
    private static String word(JsonNode node, String field, Pattern pattern, String where, List<String> problem) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            problem.add(where + "." + field + " is " + nodeType(v) + ", expected a string");
            return null;
        }
        String s = v.asText();
        if (pattern != null ? !pattern.matcher(s).matches() : s.isBlank()) {
            problem.add(where + "." + field + " is '" + s + "', expected "
                    + (pattern == null ? "a non-blank name" : pattern == WORD ? "one lower-case word"
                    : "lower snake case"));
            return null;
        }
        return s;
    }

    /** Parses {@code segmentation}: null when fine, else what is wrong. */
    private static String readPolygons(JsonNode seg, List<double[]> out) {
        if (seg == null || !seg.isArray()) {
            return "is " + nodeType(seg) + ", expected a list of [x0, y0, x1, y1, ...] lists";
        }
        for (int p = 0; p < seg.size(); p++) {
            JsonNode poly = seg.get(p);
            if (!poly.isArray()) {
                return "polygon " + p + " is " + nodeType(poly) + ", expected a list of numbers";
            }
            if (poly.size() > 2 * Region.MAX_POLYGON_POINTS) {
                return "polygon " + p + " has " + poly.size() / 2 + " points, more than the "
                        + Region.MAX_POLYGON_POINTS + " a polygon may have";
            }
            if (poly.size() % 2 != 0) {
                return "polygon " + p + " has an odd number of coordinates (" + poly.size() + ")";
            }
            double[] xy = new double[poly.size()];
            for (int i = 0; i < xy.length; i++) {
                JsonNode n = poly.get(i);
                if (!n.isNumber()) {
                    return "polygon " + p + " coordinate " + i + " is " + nodeType(n) + ", expected a number";
                }
                double d = n.asDouble();
                if (!Double.isFinite(d)) {
                    return "polygon " + p + " coordinate " + i + " is " + d;
                }
                if (Math.abs(d) > Region.MAX_COORDINATE) {
                    return "polygon " + p + " coordinate " + i + " is " + d + ", beyond +-"
                            + (long) Region.MAX_COORDINATE + " px";
                }
                xy[i] = d;
            }
            out.add(xy);
        }
        return null;
    }

    /** Shoelace area (absolute), 0 for collinear points. */
    static double area(double[] xy) {
        int n = xy.length / 2;
        double s = 0;
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            s += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
        }
        return Math.abs(s) / 2;
    }

    private static void copyLabels(JsonNode node, String prefix, Map<String, String> attributes) {
        for (String f : LABEL_FIELDS) {
            JsonNode v = node.get(f);
            if (v != null && (v.isTextual() || v.isNumber() || v.isBoolean())) {
                attributes.put(prefix + f, v.asText());
            }
        }
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "a list";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }
}
