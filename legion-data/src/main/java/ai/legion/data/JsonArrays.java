package ai.legion.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reading a dataset file that is one top-level JSON array, an element at a time, with errors that name the
 * file, the position and the element.
 */
public final class JsonArrays {

    /** A mapper that parses NaN/Infinity (Python's json.dump writes them), so they become a record-level issue. */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build());

    private JsonArrays() {
    }

    /**
     * Reads the opening bracket.
     *
     * @param elements what the array should hold, e.g. {@code "LOKI items"}
     * @throws DatasetException when the file holds something else
     */
    public static void start(JsonParser parser, Path file, String elements) throws IOException, DatasetException {
        JsonToken first = parser.nextToken();
        if (first != JsonToken.START_ARRAY) {
            throw new DatasetException(file, "expected a JSON array of " + elements + ", found "
                    + (first == null ? "an empty file" : first.asString()));
        }
    }

    /**
     * The first token of the next element, or {@code null} at the closing bracket.
     *
     * @param previous the element read last, e.g. {@code "item #3"}, for the message of a truncated file
     * @throws DatasetException when the file ends inside the array
     */
    public static JsonToken next(JsonParser parser, Path file, String previous) throws IOException, DatasetException {
        JsonToken t = parser.nextToken();
        if (t == null) {
            throw new DatasetException(file, "file ends inside the top-level array (truncated?) after " + previous);
        }
        return t == JsonToken.END_ARRAY ? null : t;
    }

    /** The error for broken JSON syntax at or after {@code element} (e.g. {@code "item #3"}). */
    public static DatasetException malformed(Path file, JsonProcessingException e, String element) {
        JsonLocation loc = e.getLocation();
        return new DatasetException(file, "malformed JSON"
                + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                + " in " + element + ": " + e.getOriginalMessage(), e);
    }

    /** What a JSON value is, for messages: {@code missing}, {@code null}, a quoted string, a list and its size. */
    public static String nodeType(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "missing";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            String s = n.asText();
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (n.isArray()) {
            return "a list of " + n.size();
        }
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
