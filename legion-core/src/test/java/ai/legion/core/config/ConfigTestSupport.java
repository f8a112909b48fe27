package ai.legion.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.function.Executable;

/**
 * Helpers for the config tests: an independent generic JSON parse of fixture files (expected values
 * come from the file, never from constants, so tests run on any fixture root), temp-file writing and
 * assertions on {@link ConfigException} messages.
 */
final class ConfigTestSupport {

    /** A plain mapper, deliberately not the one under test. */
    static final ObjectMapper JSON = new ObjectMapper();

    private ConfigTestSupport() {}

    static JsonNode tree(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    static ObjectNode objectTree(Path file) throws IOException {
        return (ObjectNode) tree(file);
    }

    static Path write(Path dir, String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, json, StandardCharsets.UTF_8);
        return p;
    }

    static Path write(Path dir, String name, JsonNode json) throws IOException {
        return write(dir, name, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    }

    /** A copy of {@code source}'s JSON object, edited by {@code edit}, written as {@code dir/name}. */
    static Path edited(Path dir, String name, Path source, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode n = objectTree(source).deepCopy();
        edit.accept(n);
        return write(dir, name, n);
    }

    /**
     * Asserts that {@code call} throws a ConfigException whose message names {@code file} (by file
     * name) and contains every fragment (field names, values).
     */
    static ConfigException assertInvalid(Path file, Executable call, String... fragments) {
        ConfigException e = assertThrows(ConfigException.class, call);
        String msg = e.getMessage();
        assertTrue(msg.contains(file.getFileName().toString()), () -> "message does not name the file: " + msg);
        assertEquals(file, e.file(), "file()");
        for (String f : fragments) {
            assertTrue(msg.contains(f), () -> "message lacks \"" + f + "\": " + msg);
        }
        return e;
    }

    static int intOr(JsonNode node, String field, int dflt) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? dflt : v.intValue();
    }

    static double doubleOr(JsonNode node, String field, double dflt) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? dflt : v.doubleValue();
    }

    static boolean boolOr(JsonNode node, String field, boolean dflt) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? dflt : v.booleanValue();
    }

    static String textOr(JsonNode node, String field, String dflt) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? dflt : v.textValue();
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.intValue()));
        return out;
    }

    static List<Double> doubles(JsonNode array) {
        List<Double> out = new ArrayList<>();
        array.forEach(n -> out.add(n.doubleValue()));
        return out;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }

    /**
     * True when the fixture root is legion-core's own copy (the build always passes
     * {@code -Dlegion.fixtures}, by default pointing there); false for any other root.
     */
    static boolean isDefaultFixtureRoot() {
        Path root = Fixtures.root();
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path inRepo = p.resolve("legion-core/src/test/resources/fixtures");
            if (Files.isDirectory(inRepo)) {
                try {
                    return Files.isSameFile(inRepo, root);
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Reads a config file (one of the {@code read} methods under test). */
    @FunctionalInterface
    interface Reader {
        Object read(Path file) throws Exception;
    }

    /**
     * Sets the field at the dotted {@code path} (e.g. {@code image_encoder.depth}) of a copy of {@code source}
     * to {@code value} and asserts that reading it fails, naming the file and containing every fragment, within
     * a generous 10 s (the validation itself takes microseconds; the machine is shared).
     */
    static void assertTooLarge(Path dir, Path source, String path, Object value, Reader reader, String... fragments)
            throws IOException {
        String[] keys = path.split("\\.");
        Path f = edited(dir, path + ".json", source, n -> {
            ObjectNode o = n;
            for (int i = 0; i < keys.length - 1; i++) {
                o = (ObjectNode) o.get(keys[i]);
            }
            o.set(keys[keys.length - 1], JSON.valueToTree(value));
        });
        long t0 = System.nanoTime();
        assertInvalid(f, () -> reader.read(f), fragments);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 10, () -> path + " took " + seconds + " s");
    }
}
