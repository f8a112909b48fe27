package ai.legion.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.tokenizer.SentencePieceConverter;
import ai.legion.core.tokenizer.SentencePieceModel;
import ai.legion.models.testing.Parity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder written by this library carries the converted tokenizer.json, so loading it converts nothing and writes
 * nothing to the cache (which may be read-only).
 */
class SavedTokenizerTest {

    @TempDir
    Path tmp;

    @Test
    void savedFoldersShipTokenizerJsonAndLoadWithoutTouchingTheCache() throws Exception {
        Path source = Parity.folder("legion_tiny"); // tokenizer.model only
        LegionConfig cfg = LegionConfig.read(source.resolve("config.json"));
        ClipVisionConfig clip = ClipVisionConfig.read(source.resolve("clip/config.json"));
        SamConfig sam = SamConfig.read(Parity.folder("sam").resolve("config.json"));
        Path dir = tmp.resolve("saved");
        String prompt = "A <image> picture of <p> a dog </p> [SEG] here.";
        long[] before;
        try (LegionModel fresh = LegionModel.create(cfg, clip, sam, source, true, Device.cpu(), 0.02f, 3)) {
            fresh.save(dir, LegionModel.SavePrecision.FLOAT32);
            before = fresh.tokenizer().encodeWithImage(prompt);
        }
        assertFalse(Files.exists(source.resolve("tokenizer.json")));
        assertEquals(SentencePieceConverter.toTokenizerJson(SentencePieceModel.read(source.resolve("tokenizer.model"))),
                Files.readString(dir.resolve("tokenizer.json")));

        Path cache = tmp.resolve("empty-cache");
        String saved = System.getProperty("legion.cache");
        System.setProperty("legion.cache", cache.toString());
        try (LegionModel back = LegionModel.loader().model(dir).load()) {
            assertArrayEquals(before, back.tokenizer().encodeWithImage(prompt));
        } finally {
            if (saved == null) {
                System.clearProperty("legion.cache");
            } else {
                System.setProperty("legion.cache", saved);
            }
        }
        assertFalse(Files.exists(cache), "loading the saved folder wrote to the cache");
    }
}
