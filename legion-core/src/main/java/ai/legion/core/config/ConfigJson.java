package ai.legion.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Jackson plumbing shared by the config records: one strictly configured mapper, file reading, and
 * the translation of Jackson's errors into {@link ConfigException}s that name the file and field.
 */
final class ConfigJson {

    /**
     * Unknown fields are ignored (upstream files carry dozens we do not need), but values are not
     * coerced: {@code "32"} or {@code 32.5} for an int, or {@code 1} for a boolean, is an error rather
     * than a silently different model. NaN/Infinity are accepted because Python's json module writes
     * them; validation rejects them where a finite value is required. Duplicate keys are rejected
     * (Python would silently keep the last one, which hides editing mistakes).
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private ConfigJson() {}

    /**
     * Thrown from {@code @JsonCreator} factories for problems found while binding (a missing value
     * without default, a value of an unsupported kind); {@link #translate} turns it into a
     * {@link ConfigException} that names the file and the full field path.
     */
    static final class InvalidField extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Field name relative to the object being built, or null for the object itself. */
        final String field;
        /** What is wrong, phrased to follow the field name. */
        final String problem;

        InvalidField(String field, String problem) {
            super((field == null ? "" : field + " ") + problem, null, false, false);
            this.field = field;
            this.problem = problem;
        }
    }

    /** A config check that may fail. */
    @FunctionalInterface
    interface Check {
        void run() throws ConfigException;
    }

    /** Reads and parses {@code file} into a tree. */
    static JsonNode readTree(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(file, null, "cannot read: " + e, e);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw translate(file, "", e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new ConfigException(file, null, "empty file (expected a JSON object)");
        }
        return tree;
    }

    /**
     * Binds {@code node} (found at {@code at}, a dotted path or "" for the root) to {@code type}.
     */
    static <T> T bind(Path file, JsonNode node, String at, Class<T> type) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(file, null, (at.isEmpty() ? "the file" : at) + " must be a JSON object, found "
                    + node.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw translate(file, at, e);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, null, "cannot bind " + (at.isEmpty() ? "the file" : at) + ": " + e, e);
        }
    }

    /** Reads {@code file} and binds its root object to {@code type}. */
    static <T> T read(Path file, Class<T> type) throws ConfigException {
        return bind(file, readTree(file), "", type);
    }

    /** Runs {@code check} (a {@code validate()}), attributing its findings to {@code file}. */
    static void validate(Path file, Check check) throws ConfigException {
        try {
            check.run();
        } catch (ConfigException e) {
            throw e.file() == null ? e.inFile(file) : e;
        }
    }

    /** A config record's {@code validate()}. */
    @FunctionalInterface
    interface Validator<T> {
        void validate(T config) throws ConfigException;
    }

    /** Validates {@code config} read from {@code file} (findings name the file) and returns it. */
    static <T> T validated(Path file, T config, Validator<T> validator) throws ConfigException {
        validate(file, () -> validator.validate(config));
        return config;
    }

    /** Reads {@code file}, binds its root object to {@code type} and validates the result. */
    static <T> T readValidated(Path file, Class<T> type, Validator<T> validator) throws ConfigException {
        return validated(file, read(file, type), validator);
    }

    /** A ConfigException not yet tied to a file (validation of presets and freshly read records). */
    static ConfigException invalid(String message) {
        return new ConfigException(null, null, message);
    }

    /*
     * Upper bounds of sizes: far above every released model (LLaMA-3.1-405B: 126 layers, hidden 16384,
     * intermediate 53248, vocab 128256; SAM ViT-H: 32 blocks at 1024 px; CLIP-L/14-336: 24 layers, a 24 x 24
     * grid), yet low enough that a config declaring 1e9 of something fails here, naming the key, rather than
     * with an OutOfMemoryError, a raw engine message or minutes of block declarations.
     */
    /** Transformer blocks of one stack (also MLP depths). */
    static final long MAX_LAYERS = 1024;
    /** Widths, heads and channels. */
    static final long MAX_WIDTH = 1 << 16;
    /** MLP hidden widths. */
    static final long MAX_MLP_WIDTH = 1 << 18;
    /** Token vocabulary. */
    static final long MAX_VOCAB = 1 << 22;
    /** Context length (nothing is allocated per position, so only a sanity bound). */
    static final long MAX_POSITIONS = 1 << 24;
    /** Input image side in pixels. */
    static final long MAX_IMAGE_SIZE = 16384;
    /** Patches per side of a ViT grid (attention is quadratic in its square). */
    static final long MAX_GRID = 1024;

    static void requireAtMost(String field, long value, long max) throws ConfigException {
        if (value > max) {
            throw invalid(field + " " + value + " exceeds " + max + ", far above any released model (damaged or "
                    + "hostile config)");
        }
    }

    /** {@link #requireAtMost(String, long, long)} for several fields, named as in {@link #requirePositive}. */
    static void requireAtMost(String prefix, String fields, long max, long... values) throws ConfigException {
        String[] names = fields.split(" ");
        if (names.length != values.length) {
            throw new IllegalArgumentException(names.length + " field names for " + values.length + " values");
        }
        for (int i = 0; i < names.length; i++) {
            requireAtMost(prefix + names[i], values[i], max);
        }
    }

    static void requirePositive(String field, long value) throws ConfigException {
        if (value <= 0) {
            throw invalid(field + " " + value + " must be positive");
        }
    }

    /**
     * {@link #requirePositive(String, long)} for several fields, checked in order: {@code fields} names them
     * (space separated, each prefixed with {@code prefix}), {@code values} holds their values in the same order.
     */
    static void requirePositive(String prefix, String fields, long... values) throws ConfigException {
        String[] names = fields.split(" ");
        if (names.length != values.length) {
            throw new IllegalArgumentException(names.length + " field names for " + values.length + " values");
        }
        for (int i = 0; i < names.length; i++) {
            requirePositive(prefix + names[i], values[i]);
        }
    }

    static void requirePositiveFinite(String field, double value) throws ConfigException {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw invalid(field + " " + value + " must be a positive finite number");
        }
    }

    static void requireDivisible(String field, long value, String byField, long by) throws ConfigException {
        if (by <= 0 || value % by != 0) {
            throw invalid(field + " " + value + " is not divisible by " + byField + " " + by);
        }
    }

    /** The value, or {@code dflt} when the field was absent or null. */
    static <T> T or(T value, T dflt) {
        return value != null ? value : dflt;
    }

    /** The value of a field the upstream constructor has no default for. */
    static <T> T required(T value, String field) {
        if (value == null) {
            throw new InvalidField(field, "is missing (required: the upstream constructor has no default)");
        }
        return value;
    }

    /** Turns a Jackson failure into a ConfigException naming the file and the field path. */
    static ConfigException translate(Path file, String at, IOException e) {
        String where = at;
        if (e instanceof JsonMappingException jme) {
            where = join(at, pathOf(jme.getPath()));
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidField inv) {
                String field = inv.field == null ? where : join(where, inv.field);
                String subject = field.isEmpty() ? "the file" : field;
                return new ConfigException(file, null, subject + " " + inv.problem, e);
            }
        }
        String message = tidy(e instanceof JacksonException je ? je.getOriginalMessage() : String.valueOf(e.getMessage()));
        if (!(e instanceof JsonMappingException)) {
            JsonLocation loc = e instanceof JacksonException je ? je.getLocation() : null;
            String pos = loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
            return new ConfigException(file, null, "malformed JSON" + pos + ": " + message, e);
        }
        return new ConfigException(file, null, (where.isEmpty() ? "" : where + ": ") + message, e);
    }

    /** Jackson's coercion messages without the hint about CoercionConfig and with JSON type names. */
    private static String tidy(String message) {
        return message
                .replaceAll("\\s*\\(but (?:might|could) if [^)]*\\)", "")
                .replace("`java.lang.Integer`", "an int")
                .replace("`java.lang.Long`", "an int")
                .replace("`java.lang.Double`", "a number")
                .replace("`java.lang.Boolean`", "a boolean")
                .replace("`java.lang.String`", "a string");
    }

    private static String pathOf(List<JsonMappingException.Reference> refs) {
        List<String> parts = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                parts.add(r.getFieldName());
            } else if (r.getIndex() >= 0 && !parts.isEmpty()) {
                parts.set(parts.size() - 1, parts.get(parts.size() - 1) + "[" + r.getIndex() + "]");
            } else if (r.getIndex() >= 0) {
                parts.add("[" + r.getIndex() + "]");
            }
        }
        for (String p : parts) {
            sb.append(sb.length() > 0 ? "." : "").append(p);
        }
        return sb.toString();
    }

    private static String join(String a, String b) {
        if (a == null || a.isEmpty()) {
            return b == null ? "" : b;
        }
        return b == null || b.isEmpty() ? a : a + "." + b;
    }
}
