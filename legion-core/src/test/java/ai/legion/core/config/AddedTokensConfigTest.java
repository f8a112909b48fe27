package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.isDefaultFixtureRoot;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AddedTokens} (named *Config* so the config test filter selects it). */
class AddedTokensConfigTest {

    @TempDir
    Path tmp;

    private static Path addedTokens() {
        return Fixtures.path("parity/legion_tiny/added_tokens.json");
    }

    @Test
    void readsFixture() throws Exception {
        Path file = addedTokens();
        JsonNode t = tree(file);
        AddedTokens a = AddedTokens.read(file);
        assertEquals(t.size(), a.size());
        List<Map.Entry<String, Integer>> expected = new ArrayList<>();
        t.properties().forEach(e -> {
            expected.add(Map.entry(e.getKey(), e.getValue().intValue()));
            assertEquals(e.getValue().intValue(), a.id(e.getKey()));
            assertEquals(OptionalInt.of(e.getValue().intValue()), a.find(e.getKey()));
        });
        expected.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
        assertEquals(expected.stream().map(Map.Entry::getKey).toList(), a.tokens());
        assertEquals(expected.stream().mapToInt(Map.Entry::getValue).max(), a.maxId());
    }

    @Test
    void inRepoFixtureHoldsTheGlammTokens() throws Exception {
        assumeTrue(isDefaultFixtureRoot(), "only the in-repo fixture is known to hold exactly these");
        assertEquals(AddedTokens.glamm(), AddedTokens.read(addedTokens()));
    }

    @Test
    void glammTokens() throws Exception {
        AddedTokens g = AddedTokens.glamm();
        g.validate();
        assertEquals(List.of("<im_start>", "<im_end>", "<bbox>", "<point>", "[SEG]", "<p>", "</p>"), g.tokens());
        assertEquals(32000, g.id("<im_start>"));
        assertEquals(32002, g.id("<bbox>"));
        assertEquals(32004, g.id("[SEG]"));
        assertEquals(32006, g.id("</p>"));
        assertEquals(OptionalInt.of(32006), g.maxId());
        assertTrue(g.contains("<p>"));
        assertFalse(g.contains("<s>"));
        assertEquals(OptionalInt.empty(), g.find("<image>"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.id("<image>"));
        assertTrue(e.getMessage().contains("<image>"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> g.ids().put("x", 1));
    }

    @Test
    void tokensComeInIdOrderWhateverTheFileOrder() throws Exception {
        Path f = write(tmp, "added_tokens.json", "{\"b\": 12, \"a\": 10, \"c\": 11}");
        AddedTokens a = AddedTokens.read(f);
        assertEquals(List.of("a", "c", "b"), a.tokens());
        assertEquals(List.of("a", "c", "b"), new ArrayList<>(a.ids().keySet()));
    }

    @Test
    void invalidFilesNameFileAndToken() throws Exception {
        Path dup = write(tmp, "dup.json", "{\"<x>\": 5, \"<y>\": 5}");
        assertInvalid(dup, () -> AddedTokens.read(dup), "<x>", "<y>", "5");
        Path neg = write(tmp, "neg.json", "{\"<x>\": -1}");
        assertInvalid(neg, () -> AddedTokens.read(neg), "<x>", "-1");
        Path nul = write(tmp, "null.json", "{\"<x>\": null}");
        assertInvalid(nul, () -> AddedTokens.read(nul), "<x>");
        Path str = write(tmp, "str.json", "{\"<x>\": \"32000\"}");
        assertInvalid(str, () -> AddedTokens.read(str), "<x>");
        Path array = write(tmp, "array.json", "[\"<x>\"]");
        assertInvalid(array, () -> AddedTokens.read(array), "JSON object");
        Path twice = write(tmp, "twice.json", "{\"<x>\": 1, \"<x>\": 2}");
        assertInvalid(twice, () -> AddedTokens.read(twice), "<x>");
    }
}
