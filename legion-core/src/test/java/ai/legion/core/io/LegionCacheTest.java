package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.core.tokenizer.SentencePieceConverter;
import ai.legion.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache folder that cannot be written (a read-only home): the tokenizer conversion still works, through a
 * folder under java.io.tmpdir, with one warning for the whole process.
 */
class LegionCacheTest {

    @TempDir
    Path tmp;

    private Properties saved;
    private PrintStream err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void redirect() {
        saved = (Properties) System.getProperties().clone();
        err = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(err);
        System.setProperties(saved);
    }

    @Test
    void unwritableCacheFallsBackToTempWithOneWarning() throws Exception {
        // A folder below a regular file can be created by nobody: chmod would not do, since root (CI containers)
        // writes through permission bits.
        Path blocker = Files.writeString(tmp.resolve("home-is-read-only"), "x");
        Path configured = blocker.resolve(".cache").resolve("legion");
        System.setProperty("legion.cache", configured.toString());
        System.setProperty("java.io.tmpdir", tmp.resolve("temp").toString());

        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.copy(Fixtures.path("prompt/tokenizer.model"), model.resolve("tokenizer.model"));
        long[] first;
        try (LegionTokenizer tok = LegionTokenizer.load(model)) {
            first = tok.encode("The artifacts: <p> a warped hand </p> [SEG]", true);
        }
        try (LegionTokenizer tok = LegionTokenizer.load(model)) {
            assertArrayEquals(first, tok.encode("The artifacts: <p> a warped hand </p> [SEG]", true));
        }

        Path fallback = LegionCache.writableDir();
        assertTrue(fallback.startsWith(tmp.resolve("temp")), fallback.toString());
        assertFalse(Files.exists(configured));
        try (var files = Files.list(fallback.resolve("tokenizers"))) {
            Path json = files.findFirst().orElseThrow();
            assertEquals(SentencePieceConverter.toTokenizerJson(
                    ai.legion.core.tokenizer.SentencePieceModel.read(model.resolve("tokenizer.model"))),
                    Files.readString(json));
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        int warnings = log.split("cannot be written", -1).length - 1;
        assertEquals(1, warnings, log);
        assertTrue(log.contains(configured.toString()) && log.contains(fallback.toString()), log);
    }

    @Test
    void writableCacheIsUsedAsConfigured() {
        Path configured = tmp.resolve("cache");
        System.setProperty("legion.cache", configured.toString());
        assertEquals(configured, LegionCache.dir());
        assertEquals(configured, LegionCache.writableDir());
        assertTrue(Files.isDirectory(configured));
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }
}
