package ai.legion.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Word → stem pairs derived by tracing NLTK's {@code PorterStemmer} (mode {@code NLTK_EXTENSIONS}) rule by
 * rule; most are also the examples in the paper and in NLTK's docstrings.
 */
class PorterStemmerTest {

    private final PorterStemmer stemmer = new PorterStemmer();

    @Test
    void nltkStems() {
        Map<String, String> pairs = new LinkedHashMap<>();
        // step 1a
        pairs.put("caresses", "caress");
        pairs.put("ponies", "poni");
        pairs.put("ties", "tie");      // NLTK: 4-letter -ies -> -ie
        pairs.put("dies", "die");
        pairs.put("flies", "fli");
        pairs.put("caress", "caress");
        pairs.put("cats", "cat");
        // step 1b
        pairs.put("feed", "feed");     // (m>0) EED fails on "f", and no fall-through to ED
        pairs.put("agreed", "agre");   // -> agree, then step 5a drops the e (m=1, "agr" is not cvc)
        pairs.put("spied", "spi");
        pairs.put("died", "die");
        pairs.put("running", "run");
        pairs.put("hopping", "hop");
        pairs.put("falling", "fall");  // double l is kept, and no later rule of 1b is tried
        pairs.put("milling", "mill");
        pairs.put("messing", "mess");
        pairs.put("mating", "mate");
        pairs.put("meeting", "meet");
        pairs.put("meetings", "meet");
        pairs.put("filing", "file");
        pairs.put("failing", "fail");
        pairs.put("sized", "size");
        // step 1c
        pairs.put("happy", "happi");
        pairs.put("enjoy", "enjoy");   // y after a vowel stays
        // steps 2-4
        pairs.put("relational", "relat");
        pairs.put("conditional", "condit");
        pairs.put("rational", "ration");
        pairs.put("generously", "gener");
        pairs.put("vietnamization", "vietnam");
        pairs.put("triplicate", "triplic");
        pairs.put("electrical", "electr");
        pairs.put("hopeful", "hope");
        pairs.put("goodness", "good");
        pairs.put("adjustment", "adjust");
        // step 5b
        pairs.put("controlling", "control");
        // irregular forms
        pairs.put("dying", "die");
        pairs.put("lying", "lie");
        pairs.put("tying", "tie");
        pairs.put("skies", "sky");
        pairs.put("news", "news");
        pairs.put("innings", "inning");
        pairs.put("proceed", "proceed");
        // short words are returned as they are
        pairs.put("is", "is");
        pairs.put("a", "a");
        pairs.forEach((word, stem) -> assertEquals(stem, stemmer.stem(word), word));
    }

    @Test
    void agreesWithNltkOnThousandsOfWords() throws Exception {
        // pairs produced by running NLTK's porter.py itself (provenance in the file header)
        List<String> lines;
        try (InputStream in = PorterStemmerTest.class.getResourceAsStream("porter_nltk_pairs.tsv")) {
            assertNotNull(in, "porter_nltk_pairs.tsv");
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
        }
        assertTrue(lines.size() > 3000, "pairs: " + lines.size());
        List<String> wrong = new ArrayList<>();
        for (String line : lines) {
            String[] kv = line.split("\t");
            String got = stemmer.stem(kv[0]);
            if (!got.equals(kv[1])) {
                wrong.add(kv[0] + " -> " + got + " (NLTK: " + kv[1] + ")");
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void stemLowercasesLikeNltk() {
        assertEquals("run", stemmer.stem("Running"));
        assertEquals("is", stemmer.stem("IS"));
    }

    @Test
    void measureAndConditions() {
        // the paper's examples: m=0 TR, EE, TREE, Y, BY; m=1 TROUBLE, OATS, TREES, IVY; m=2 TROUBLES, PRIVATE
        for (String w : new String[] {"tr", "ee", "tree", "y", "by"}) {
            assertEquals(0, PorterStemmer.measure(w), w);
        }
        for (String w : new String[] {"trouble", "oats", "trees", "ivy"}) {
            assertEquals(1, PorterStemmer.measure(w), w);
        }
        for (String w : new String[] {"troubles", "private", "oaten", "orrery"}) {
            assertEquals(2, PorterStemmer.measure(w), w);
        }
        assertTrue(PorterStemmer.endsCvc("hop"));
        assertFalse(PorterStemmer.endsCvc("snow"));
        assertFalse(PorterStemmer.endsCvc("box"));
        assertTrue(PorterStemmer.endsCvc("at")); // NLTK's two-letter extension
        assertTrue(PorterStemmer.isConsonant("toy", 2));
        assertFalse(PorterStemmer.isConsonant("syzygy", 1));
    }
}
