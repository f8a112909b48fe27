package ai.legion.data.folder;

import ai.legion.core.io.IoUtils;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.StreamingDatasetReader;
import ai.legion.data.ValidationReport;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * LEGION's own detection list ({@code scripts/cls/train.py::LegionClsDataset}): a JSON array of objects
 * <pre>
 * [{"image_path": "progan/car/1_fake/00001.png", "label": "fake", "category": "progan"},   (train files)
 *  {"image": "…/0_real/00002.png", "label": "real", "category": "progan"}, …]              (test files)
 * </pre>
 * read element by element with Jackson's streaming parser (the file is never loaded whole; UTF-8,
 * UTF-16 and UTF-32 are detected from the bytes).
 *
 * <ul>
 *   <li>Image: {@code image_path}, else {@code image}; a relative path is resolved against the image
 *       root given to the constructor (default: the JSON file's folder), an absolute one is used as is.
 *   <li>Label, as upstream ({@code 1 if label == "real" else 0}): exactly {@code "real"} → REAL,
 *       anything else → FAKE. A label that is "real" in another case or with spaces is still FAKE
 *       (that is what LEGION trains on) but is reported as {@code suspicious_label}; a missing or
 *       non-string label is reported and the entry skipped ({@code missing_label}).
 *   <li>Attributes: {@code category} and every other scalar field except the image path, as text
 *       (the raw {@code label} included).
 *   <li>Id: the entry's {@code id} when present, else the image path as written.
 * </ul>
 * Entries that are not objects, lack an image path, or (when {@code checkImages}) name a file that
 * does not exist are reported and skipped. Broken JSON syntax makes the rest of the file unreadable:
 * the iterator then throws {@link DatasetException.Unchecked} with the line and column.
 */
public final class LegionDetectionJsonReader extends StreamingDatasetReader {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> PATH_KEYS = Set.of("image_path", "image");

    private final Path jsonFile;
    private final Path imageRoot;
    private final boolean checkImages;

    /**
     * Reads a LEGION detection JSON with images relative to the JSON's folder, checking that they exist.
     *
     * @throws DatasetException if the file does not exist
     */
    public LegionDetectionJsonReader(Path jsonFile) throws DatasetException {
        this(jsonFile, null, true);
    }

    /**
     * Reads a LEGION detection JSON.
     *
     * @param imageRoot the folder relative image paths are resolved against ({@code null}: the JSON's folder)
     * @param checkImages whether entries whose image file does not exist are reported and skipped
     * @throws DatasetException if the file does not exist
     */
    public LegionDetectionJsonReader(Path jsonFile, Path imageRoot, boolean checkImages) throws DatasetException {
        this.jsonFile = Objects.requireNonNull(jsonFile, "jsonFile");
        if (!Files.isRegularFile(jsonFile)) {
            throw new DatasetException(jsonFile, "file not found (expected a LEGION detection JSON list)");
        }
        Path parent = jsonFile.toAbsolutePath().getParent();
        this.imageRoot = imageRoot != null ? imageRoot : parent;
        this.checkImages = checkImages;
    }

    @Override
    public String name() {
        return "legion_detection";
    }

    /**
     * Re-reads the file.
     *
     * @throws DatasetException.Unchecked if the file cannot be read, is not a JSON array, or has a
     *     syntax error (records before it have been returned)
     */
    @Override
    protected RecordStream openStream(ValidationReport report) {
        JsonParser parser;
        try {
            parser = MAPPER.getFactory().createParser(jsonFile.toFile());
        } catch (IOException e) {
            throw new DatasetException.Unchecked(fail("cannot read: " + e.getMessage(), null, e));
        }
        try {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_ARRAY) {
                String found = first == null ? "an empty file" : "'" + parser.getText() + "'";
                throw fail("expected a JSON array of {image_path|image, label, category} objects, found " + found,
                        parser.currentLocation(), null);
            }
        } catch (JsonProcessingException e) {
            IoUtils.closeQuietly(parser);
            throw new DatasetException.Unchecked(fail("JSON syntax error: " + e.getOriginalMessage(),
                    e.getLocation(), e));
        } catch (IOException e) {
            IoUtils.closeQuietly(parser);
            throw new DatasetException.Unchecked(fail("cannot read: " + e.getMessage(), null, e));
        } catch (DatasetException e) {
            IoUtils.closeQuietly(parser);
            throw new DatasetException.Unchecked(e);
        } catch (RuntimeException e) {
            IoUtils.closeQuietly(parser);
            throw e;
        }
        return new EntryIterator(parser, report);
    }

    private DatasetException fail(String message, JsonLocation where, Exception cause) {
        String at = where == null ? "" : "line " + where.getLineNr() + ", column " + where.getColumnNr() + ": ";
        return new DatasetException(jsonFile, at + message, cause);
    }

    private final class EntryIterator extends RecordStream {
        private final JsonParser parser;
        private int index = -1;

        EntryIterator(JsonParser parser, ValidationReport report) {
            super(report);
            this.parser = parser;
        }

        @Override
        protected ArtifactRecord read() throws DatasetException {
            JsonNode node;
            try {
                JsonToken t = parser.nextToken();
                if (t == null) {
                    throw fail("the top-level array is not closed (truncated file?)", parser.currentLocation(), null);
                }
                if (t == JsonToken.END_ARRAY) {
                    end();
                    return null;
                }
                index++;
                node = parser.readValueAsTree();
            } catch (JsonProcessingException e) {
                throw fail("JSON syntax error after entry " + index + ": " + e.getOriginalMessage(), e.getLocation(),
                        e);
            } catch (IOException e) {
                throw fail("read error after entry " + index + ": " + e, null, e);
            }
            return toRecord(node, index);
        }

        @Override
        protected void release() {
            IoUtils.closeQuietly(parser); // read-only input: nothing to lose
        }

        private ArtifactRecord toRecord(JsonNode node, int i) {
            String where = "entry " + i;
            if (node == null || !node.isObject()) {
                report.add("bad_entry", where, "expected an object, found "
                        + (node == null ? "nothing" : node.getNodeType()));
                report.recordSkipped();
                return null;
            }
            String pathKey = node.hasNonNull("image_path") ? "image_path" : node.hasNonNull("image") ? "image" : null;
            if (pathKey == null || !node.get(pathKey).isTextual() || node.get(pathKey).asText().isBlank()) {
                report.add("missing_image_path", where, "no string 'image_path' or 'image' field");
                report.recordSkipped();
                return null;
            }
            String written = node.get(pathKey).asText();
            String id = node.hasNonNull("id") && node.get("id").isValueNode() ? node.get("id").asText() : written;
            JsonNode labelNode = node.get("label");
            if (labelNode == null || !labelNode.isTextual()) {
                report.add("missing_label", id, where + ": 'label' is "
                        + (labelNode == null ? "missing" : "not a string: " + labelNode));
                report.recordSkipped();
                return null;
            }
            String label = labelNode.asText();
            Authenticity authenticity = "real".equals(label) ? Authenticity.REAL : Authenticity.FAKE;
            if (authenticity == Authenticity.FAKE && label.trim().equalsIgnoreCase("real")) {
                report.add("suspicious_label", id, where + ": label '" + label
                        + "' is not exactly \"real\", so it counts as fake (as upstream)");
            }
            Path image;
            try {
                image = imageRoot.resolve(written).normalize();
            } catch (InvalidPathException e) {
                report.add("bad_path", id, where + ": not a valid path: " + written);
                report.recordSkipped();
                return null;
            }
            if (checkImages && !Files.isRegularFile(image)) {
                report.add("missing_image", id, where + ": " + image + " does not exist");
                report.recordSkipped();
                return null;
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!PATH_KEYS.contains(e.getKey()) && e.getValue().isValueNode() && !e.getValue().isNull()) {
                    attrs.put(e.getKey(), e.getValue().asText());
                }
            }
            report.recordRead();
            return new ArtifactRecord(id, name(), image, authenticity, "", List.of(), attrs);
        }

    }
}
