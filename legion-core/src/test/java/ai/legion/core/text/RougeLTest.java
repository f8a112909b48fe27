package ai.legion.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed ROUGE-L cases (rouge_score's tokenizer, LCS, P/R/F). */
class RougeLTest {

    private final RougeL stemmed = new RougeL(true);
    private final RougeL plain = new RougeL(false);

    @Test
    void tokenizerMatchesRougeScore() {
        assertEquals(List.of("hello", "world", "it", "s", "2024", "ok"), plain.tokenize("Hello, World! It's 2024—ok?"));
        // non-ASCII letters are separators, not letters
        assertEquals(List.of("caf", "na", "ve"), plain.tokenize("Café naïve"));
        assertEquals(List.of(), plain.tokenize("  ...  "));
        // Python's str.lower() and Java's agree on the characters that lowercase into ASCII (values from Python)
        assertEquals(List.of("i", "stanbul", "kelvin", "k", "stra", "e"), plain.tokenize("İstanbul KELVIN \u212a ß straße ǅ"));
        assertEquals(List.of("tab", "here", "new", "nicode", "x"), plain.tokenize("tab\there\nnew \ud835\udd18nicode x²"));
        // only tokens longer than 3 characters are stemmed
        assertEquals(List.of("the", "dog", "run", "fast"), stemmed.tokenize("The dogs running fast"));
        assertEquals(List.of("the", "dogs", "running", "fast"), plain.tokenize("The dogs running fast"));
        assertEquals(List.of("ies", "poni"), stemmed.tokenize("ies ponies")); // "ies" has 3 characters
        assertTrue(stemmed.usesStemmer());
    }

    @Test
    void lcsLength() {
        List<String> a = List.of("a", "b", "c", "b", "d", "a", "b");
        List<String> b = List.of("b", "d", "c", "a", "b", "a");
        assertEquals(4, RougeL.lcsLength(a, b)); // e.g. "b c b a"
        assertEquals(4, RougeL.lcsLength(b, a));
        assertEquals(0, RougeL.lcsLength(List.of(), b));
        assertEquals(0, RougeL.lcsLength(List.of("x"), List.of("y")));
        assertEquals(3, RougeL.lcsLength(List.of("x", "y", "z"), List.of("x", "y", "z")));
    }

    @Test
    void fiveOfSixTokensInOrder() {
        RougeL.Score s = plain.score("the cat sat on the mat", "the cat is on the mat");
        assertEquals(5.0 / 6, s.precision(), 1e-15);
        assertEquals(5.0 / 6, s.recall(), 1e-15);
        assertEquals(5.0 / 6, s.fmeasure(), 1e-15);
    }

    @Test
    void unequalLengths() {
        // pred [a b c d] vs ref [a x c]: LCS 2 -> P = 2/4, R = 2/3, F = 2·(1/2)(2/3)/(7/6) = 4/7
        RougeL.Score s = plain.score("a b c d", "a x c");
        assertEquals(0.5, s.precision(), 1e-15);
        assertEquals(2.0 / 3, s.recall(), 1e-15);
        assertEquals(4.0 / 7, s.fmeasure(), 1e-15);
    }

    @Test
    void stemmingCreatesMatches() {
        // stemmed: pred [run, dog], ref [the, dog, run]: LCS 1 -> P 1/2, R 1/3, F 0.4
        RougeL.Score s = stemmed.score("Running dogs", "the dog runs");
        assertEquals(0.5, s.precision(), 1e-15);
        assertEquals(1.0 / 3, s.recall(), 1e-15);
        assertEquals(0.4, s.fmeasure(), 1e-15);
        // without stemming nothing matches
        assertEquals(0.0, plain.fmeasure("Running dogs", "the dog runs"), 0.0);
    }

    @Test
    void emptySidesScoreZero() {
        assertEquals(new RougeL.Score(0, 0, 0), plain.score("", "the cat"));
        assertEquals(new RougeL.Score(0, 0, 0), plain.score("the cat", "!!!"));
        assertEquals(new RougeL.Score(0, 0, 0), plain.score("dog", "cat"));
        assertEquals(1.0, stemmed.fmeasure("The Cat.", "the   cat"), 0.0);
    }
}
