package ai.legion.eval.css;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.io.CheckpointException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure-Java BERT tokenizer on a small hand-made {@code vocab.txt}: basic tokenization edge cases, greedy
 * WordPiece, unknown and over-long words, special tokens, truncation; and agreement with DJL's
 * HuggingFaceTokenizer on an equivalent {@code tokenizer.json}.
 */
class WordPieceTokenizerTest {

    @TempDir
    static Path dir;

    private static WordPieceTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        for (String f : new String[] {"vocab.txt", "tokenizer_config.json"}) {
            try (InputStream in = WordPieceTokenizerTest.class.getResourceAsStream(f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        tok = WordPieceTokenizer.load(dir, 512);
    }

    private static List<String> t(String text) {
        return tok.tokenize(text);
    }

    @Test
    void lowercaseAndPunctuation() {
        assertEquals(List.of("the", "quick", "brown", "fox", "!"), t("The QUICK brown fox!"));
        assertEquals(List.of("hello", ",", "world", "."), t("hello,world."));
        assertEquals(List.of("it", "'", "s"), t("it's"));
        // ASCII symbols count as punctuation in BERT: $ is split off
        assertEquals(List.of("$", "5"), t("$5"));
        assertEquals(List.of("a", "-", "a"), t("a-a"));
    }

    @Test
    void accentsAreStrippedWhenLowercasing() {
        assertEquals(List.of("cafe", "naive"), t("Café naïve"));
        assertEquals(List.of("cafe"), t("Cafe\u0301")); // combining accent
        // "über" is in the vocabulary but unreachable: accents are stripped first
        assertEquals(List.of("[UNK]"), t("über"));
        WordPieceTokenizer keepAccents = new WordPieceTokenizer(tok.vocab(), new WordPieceTokenizer.Options(true, false, true),
                16, List.of("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"));
        assertEquals(List.of("über", "##über"), keepAccents.tokenize("ÜberÜber"));
    }

    @Test
    void chineseCharactersAreSplit() {
        assertEquals(List.of("中", "国", "hello"), t("中国hello"));
        WordPieceTokenizer noCjk = new WordPieceTokenizer(tok.vocab(), new WordPieceTokenizer.Options(true, null, false),
                16, List.of("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"));
        assertEquals(List.of("[UNK]"), noCjk.tokenize("中国hello"));
    }

    @Test
    void whitespaceAndControlCharacters() {
        assertEquals(List.of("hello"), t("hel\u0000lo"));       // NUL dropped
        assertEquals(List.of("hello"), t("hel\u200blo"));       // zero-width space (Cf) dropped
        assertEquals(List.of("hello"), t("hel\ufffdlo"));       // replacement character dropped
        assertEquals(List.of("hello", "world"), t("hello\u00a0world"));   // no-break space
        assertEquals(List.of("hello", "world"), t("hello\u2028world"));   // line separator (White_Space)
        assertEquals(List.of("hello", "world"), t("\thello\r\nworld  "));
        assertEquals(List.of(), t("   "));
    }

    @Test
    void greedyWordPiece() {
        assertEquals(List.of("un", "##aff", "##able"), t("unaffable"));
        assertEquals(List.of("runn", "##ing"), t("running"));
        assertEquals(List.of("hello", "##s"), t("hellos"));
        assertEquals(List.of("abc"), t("abc"));                  // the longest match wins over a + ##b + ##c
        assertEquals(List.of("abc", "##a"), t("abca"));
        assertEquals(List.of("a", "##c", "##b"), t("acb"));
        // an unmatched remainder makes the whole word [UNK]
        assertEquals(List.of("[UNK]"), t("unxyz"));
        assertEquals(List.of("the", "[UNK]", "fox"), t("the zzz fox"));
    }

    @Test
    void longWordsBecomeUnknown() {
        List<String> hundred = t("a".repeat(100));
        assertEquals(100, hundred.size());
        assertEquals("a", hundred.get(0));
        assertTrue(hundred.subList(1, 100).stream().allMatch("##a"::equals));
        assertEquals(List.of("[UNK]"), t("a".repeat(101)));
    }

    @Test
    void specialTokensAreKeptWhole() {
        assertEquals(List.of("hello", "[SEP]", "world"), t("hello [SEP]world"));
        assertEquals(List.of("[MASK]", "fox"), t("[MASK] fox"));
        // matching is literal and case-sensitive: "[sep]" is ordinary text
        assertEquals(List.of("[", "[UNK]", "]"), t("[sep]"));
    }

    @Test
    void encodeAddsClsSepAndTruncates() throws Exception {
        long cls = tok.vocab().get("[CLS]");
        long sep = tok.vocab().get("[SEP]");
        long the = tok.vocab().get("the");
        long fox = tok.vocab().get("fox");
        long quick = tok.vocab().get("quick");
        assertArrayEquals(new long[] {cls, the, quick, fox, sep}, tok.encode("the quick fox"));
        assertArrayEquals(new long[] {cls, sep}, tok.encode(""));
        WordPieceTokenizer short4 = WordPieceTokenizer.load(dir, 4);
        assertArrayEquals(new long[] {cls, the, quick, sep}, short4.encode("the quick fox"));
        assertEquals(4, short4.maxLength());
        assertThrows(IllegalArgumentException.class, () -> WordPieceTokenizer.load(dir, 1));
        assertInstanceOf(WordPieceTokenizer.class, SentenceTokenizer.load(dir, 8));
    }

    @Test
    void missingSpecialTokenIsAnError() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve("vocab.txt"), "[PAD]\nhello\n");
        assertThrows(CheckpointException.class, () -> WordPieceTokenizer.load(bad, 8));
        assertThrows(CheckpointException.class, () -> SentenceTokenizer.load(dir.resolve("nothing"), 8));
    }

    @Test
    void agreesWithHuggingFaceTokenizersOnTheSameVocabulary() throws Exception {
        Path hf = Files.createDirectories(dir.resolve("hf"));
        TokenizerFiles.writeBertTokenizerJson(hf.resolve("tokenizer.json"), tok.vocab(),
                List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), "[CLS]", "[SEP]", "[UNK]", true);
        List<String> texts = new ArrayList<>(List.of(
                "The QUICK brown fox!", "hello,world.", "it's $5 a-a", "Café naïve über", "中国hello", "hel\u0000lo hel\u200blo",
                "hello\u00a0world\u2028world\tworld", "unaffable running hellos abca", "unxyz the zzz fox",
                "hello [SEP]world [MASK] fox [sep]", "", "   ", "a".repeat(100), "a".repeat(101), "Cafe\u0301"));
        // random strings over a mixed alphabet
        String alphabet = "abcehilnorsuftwxyz !,.'-$5[]中国éüÜ\u0301\u00a0\t\u200b";
        Random rnd = new Random(11);
        for (int i = 0; i < 200; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(30);
            for (int k = 0; k < len; k++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            texts.add(sb.toString());
        }
        try (HfSentenceTokenizer djl = HfSentenceTokenizer.load(hf.resolve("tokenizer.json"), 512);
                SentenceTokenizer viaFolder = SentenceTokenizer.load(hf, 512)) {
            assertInstanceOf(HfSentenceTokenizer.class, viaFolder);
            for (String text : texts) {
                assertArrayEquals(djl.encode(text), tok.encode(text), "ids of \"" + text + "\": HF tokens "
                        + String.join(" ", djl.tokens(text)) + " vs " + tok.tokenize(text));
            }
        }
        // truncation includes the special tokens in both
        try (HfSentenceTokenizer djl5 = HfSentenceTokenizer.load(hf.resolve("tokenizer.json"), 5)) {
            WordPieceTokenizer java5 = WordPieceTokenizer.load(dir, 5);
            String text = "the quick brown fox hello world";
            assertEquals(5, djl5.encode(text).length);
            assertArrayEquals(djl5.encode(text), java5.encode(text));
        }
    }
}
