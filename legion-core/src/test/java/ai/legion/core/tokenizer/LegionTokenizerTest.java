package ai.legion.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.AddedTokens;
import ai.legion.core.io.CheckpointException;
import ai.legion.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegionTokenizerTest {

    static LegionTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tok = LegionTokenizer.create(Fixtures.resource("tokenizers/llama2/tokenizer.json"), AddedTokens.glamm(),
                Fixtures.path("prompt/special_tokens_map.json"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void addedTokensAreSingleIdsWithWhitespaceStrippedBesideThem() {
        AddedTokens glamm = AddedTokens.glamm();
        for (String t : glamm.tokens()) {
            assertArrayEquals(new long[] {glamm.id(t)}, tok.encode(t, false), t);
            assertEquals(glamm.id(t), tok.tokenId(t));
        }
        // "<p> X </p> [SEG]" encodes like "<p>X</p>[SEG]" (transformers 4.28 strips both sides)
        assertArrayEquals(tok.encode("a<p>man's eyes</p>[SEG]:b", false), tok.encode("a <p> man's eyes </p> [SEG]:b", false));
        // the text after an added token starts a new word (dummy prefix per piece)
        long[] ids = tok.encode("<im_end> provides", false);
        assertArrayEquals(tok.encode("provides", false), java.util.Arrays.copyOfRange(ids, 1, ids.length));
    }

    @Test
    void imagePlaceholderBecomesMinus200WithOneBos() {
        long[] ids = tok.encodeWithImage("The <im_start><image><im_end> provides");
        assertEquals(tok.bosId(), ids[0]);
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == LegionTokenizer.IMAGE_TOKEN_INDEX).count());
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == tok.bosId()).count());
        int at = java.util.stream.IntStream.range(0, ids.length).filter(i -> ids[i] == -200).findFirst().getAsInt();
        assertEquals(tok.tokenId("<im_start>"), ids[at - 1]);
        assertEquals(tok.tokenId("<im_end>"), ids[at + 1]);
    }

    /**
     * transformers 4.28: added tokens are joined to their neighbours with " ", and LlamaTokenizer puts a
     * space before the text that precedes a special token, hence the double space before ":bent".
     */
    @Test
    void decodeSpacesAddedTokensLikeTheSlowTokenizer() {
        long[] ids = tok.encode("Hello <p> left ear </p> [SEG]:bent.</s>", true);
        assertEquals("<s>Hello <p> left ear </p> [SEG]  :bent.</s>", tok.decode(ids, false));
        assertEquals("Hello <p> left ear </p> [SEG] :bent.", tok.decode(ids, true));
    }

    @Test
    void vocabularySizesAndSpecialIds() {
        assertEquals(32000, tok.baseVocabSize());
        assertEquals(32007, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals(0, tok.padId());
        assertThrows(IllegalArgumentException.class, () -> tok.tokenId("<nope>"));
    }

    @Test
    void collidingAddedTokenIdsAndMissingFilesAreReported(@TempDir Path tmp) throws Exception {
        AddedTokens bad = new AddedTokens(java.util.Map.of("[SEG]", 5));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionTokenizer.create(
                Fixtures.resource("tokenizers/llama2/tokenizer.json"), bad, null));
        assertTrue(e.getMessage().contains("[SEG]") && e.getMessage().contains("5"), e.getMessage());
        Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(CheckpointException.class, () -> LegionTokenizer.load(tmp.resolve("empty")));
        assertTrue(e.getMessage().contains("no tokenizer.json or tokenizer.model"), e.getMessage());
    }
}
