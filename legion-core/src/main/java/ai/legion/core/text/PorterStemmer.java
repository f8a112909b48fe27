package ai.legion.core.text;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * NLTK's {@code PorterStemmer} in its default mode {@code NLTK_EXTENSIONS} (nltk/stem/porter.py), which is
 * what Google's {@code rouge_score} uses when {@code use_stemmer=True}. A port of the Python, rule by rule,
 * including NLTK's departures from the 1980 paper:
 * <ul>
 *   <li>an irregular-forms table ({@code dying → die}, {@code skies → sky}, {@code news}, ...);
 *   <li>words of one or two characters are returned unchanged;
 *   <li>step 1a maps a 4-letter {@code -ies} word to {@code -ie} ({@code dies → die}), step 1b likewise for
 *       {@code -ied} ({@code died → die}, {@code spied → spi});
 *   <li>the {@code *o} (cvc) condition also holds for a two-letter vowel-consonant stem;
 *   <li>step 1c turns a final {@code y} into {@code i} only after a consonant that is not the first
 *       letter ({@code happy → happi}, {@code enjoy} stays);
 *   <li>step 2 applies {@code alli → al} first and re-runs step 2, uses {@code bli → ble}, and adds
 *       {@code fulli → ful} and {@code logi → log} (measure taken with the {@code l});
 *   <li>step 5b measures the word minus its last {@code l}.
 * </ul>
 * A rule list is applied as in NLTK's {@code _apply_rule_list}: the first rule whose suffix matches
 * decides, and if its condition fails no later rule is tried.
 *
 * <p>Input is expected in lower case (rouge_score lowercases first). Instances are immutable and
 * thread-safe.
 */
public final class PorterStemmer {

    /** NLTK's irregular forms: surface form → stem, bypassing the algorithm. */
    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"), Map.entry("lying", "lie"), Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** A suffix rule: replace {@code suffix} by {@code replacement} if {@code condition} holds for the stem. */
    private record Rule(String suffix, String replacement, Predicate<String> condition) {}

    /** Special suffix of step 1b: "ends with a double consonant". */
    private static final String DOUBLE = "*d";

    /** Stems one word (NLTK's {@code stem(word)}, which lowercases first). */
    public String stem(String word) {
        Objects.requireNonNull(word, "word");
        // NLTK looks the original word up (its keys are lower case, so a hit is already lowercased)
        String irregular = IRREGULAR.get(word);
        if (irregular != null) {
            return irregular;
        }
        String stem = word.toLowerCase(Locale.ROOT);
        if (word.codePointCount(0, word.length()) <= 2) {
            return stem;
        }
        stem = step1a(stem);
        stem = step1b(stem);
        stem = step1c(stem);
        stem = step2(stem);
        stem = step3(stem);
        stem = step4(stem);
        stem = step5a(stem);
        stem = step5b(stem);
        return stem;
    }

    // ---- character classes -------------------------------------------------------------------------

    private static boolean isVowelLetter(char c) {
        return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
    }

    /** NLTK {@code _is_consonant}: not a vowel, and {@code y} only when at the start or after a vowel. */
    static boolean isConsonant(String word, int i) {
        char c = word.charAt(i);
        if (isVowelLetter(c)) {
            return false;
        }
        if (c == 'y') {
            return i == 0 || !isConsonant(word, i - 1);
        }
        return true;
    }

    /** NLTK {@code _measure}: the number of "vc" transitions in the word's consonant/vowel pattern. */
    static int measure(String stem) {
        int m = 0;
        boolean prevVowel = false;
        for (int i = 0; i < stem.length(); i++) {
            boolean consonant = isConsonant(stem, i);
            if (consonant && prevVowel) {
                m++;
            }
            prevVowel = !consonant;
        }
        return m;
    }

    private static boolean positiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) {
            if (!isConsonant(stem, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String word) {
        int n = word.length();
        return n >= 2 && word.charAt(n - 1) == word.charAt(n - 2) && isConsonant(word, n - 1);
    }

    /** Condition {@code *o}: ends consonant-vowel-consonant (last not w, x, y), or NLTK's two-letter "vc". */
    static boolean endsCvc(String word) {
        int n = word.length();
        if (n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)) {
            char last = word.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') {
                return true;
            }
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1);
    }

    private static String replaceSuffix(String word, String suffix, String replacement) {
        return word.substring(0, word.length() - suffix.length()) + replacement;
    }

    /** NLTK {@code _apply_rule_list}: the first matching suffix decides, even when its condition fails. */
    private static String applyRules(String word, Rule... rules) {
        for (Rule r : rules) {
            if (r.suffix.equals(DOUBLE)) {
                if (endsDoubleConsonant(word)) {
                    String stem = word.substring(0, word.length() - 2);
                    return r.condition == null || r.condition.test(stem) ? stem + r.replacement : word;
                }
                continue;
            }
            if (word.endsWith(r.suffix)) {
                String stem = replaceSuffix(word, r.suffix, "");
                return r.condition == null || r.condition.test(stem) ? stem + r.replacement : word;
            }
        }
        return word;
    }

    // ---- steps ---------------------------------------------------------------------------------------

    private static String step1a(String word) {
        if (word.endsWith("ies") && word.length() == 4) {
            return replaceSuffix(word, "ies", "ie");
        }
        return applyRules(word,
                new Rule("sses", "ss", null),
                new Rule("ies", "i", null),
                new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    private static String step1b(String word) {
        if (word.endsWith("ied")) {
            return replaceSuffix(word, "ied", word.length() == 4 ? "ie" : "i");
        }
        if (word.endsWith("eed")) {
            String stem = replaceSuffix(word, "eed", "");
            return measure(stem) > 0 ? stem + "ee" : word;
        }
        String intermediate = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (word.endsWith(suffix)) {
                String s = replaceSuffix(word, suffix, "");
                if (containsVowel(s)) {
                    intermediate = s;
                    break;
                }
            }
        }
        if (intermediate == null) {
            return word;
        }
        String im = intermediate;
        char last = im.charAt(im.length() - 1); // the stem contains a vowel, so it is not empty
        return applyRules(im,
                new Rule("at", "ate", null),
                new Rule("bl", "ble", null),
                new Rule("iz", "ize", null),
                new Rule(DOUBLE, String.valueOf(last), stem -> last != 'l' && last != 's' && last != 'z'),
                new Rule("", "e", stem -> measure(stem) == 1 && endsCvc(stem)));
    }

    private static String step1c(String word) {
        return applyRules(word,
                new Rule("y", "i", stem -> stem.length() > 1 && isConsonant(stem, stem.length() - 1)));
    }

    private static String step2(String word) {
        if (word.endsWith("alli") && positiveMeasure(replaceSuffix(word, "alli", ""))) {
            return step2(replaceSuffix(word, "alli", "al"));
        }
        Predicate<String> m0 = PorterStemmer::positiveMeasure;
        return applyRules(word,
                new Rule("ational", "ate", m0),
                new Rule("tional", "tion", m0),
                new Rule("enci", "ence", m0),
                new Rule("anci", "ance", m0),
                new Rule("izer", "ize", m0),
                new Rule("bli", "ble", m0),
                new Rule("alli", "al", m0),
                new Rule("entli", "ent", m0),
                new Rule("eli", "e", m0),
                new Rule("ousli", "ous", m0),
                new Rule("ization", "ize", m0),
                new Rule("ation", "ate", m0),
                new Rule("ator", "ate", m0),
                new Rule("alism", "al", m0),
                new Rule("iveness", "ive", m0),
                new Rule("fulness", "ful", m0),
                new Rule("ousness", "ous", m0),
                new Rule("aliti", "al", m0),
                new Rule("iviti", "ive", m0),
                new Rule("biliti", "ble", m0),
                new Rule("fulli", "ful", m0),
                // NLTK keeps the 'l' with the stem when measuring ("geologi" -> "geolog")
                new Rule("logi", "log", stem -> positiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String word) {
        Predicate<String> m0 = PorterStemmer::positiveMeasure;
        return applyRules(word,
                new Rule("icate", "ic", m0),
                new Rule("ative", "", m0),
                new Rule("alize", "al", m0),
                new Rule("iciti", "ic", m0),
                new Rule("ical", "ic", m0),
                new Rule("ful", "", m0),
                new Rule("ness", "", m0));
    }

    private static String step4(String word) {
        Predicate<String> m1 = stem -> measure(stem) > 1;
        return applyRules(word,
                new Rule("al", "", m1),
                new Rule("ance", "", m1),
                new Rule("ence", "", m1),
                new Rule("er", "", m1),
                new Rule("ic", "", m1),
                new Rule("able", "", m1),
                new Rule("ible", "", m1),
                new Rule("ant", "", m1),
                new Rule("ement", "", m1),
                new Rule("ment", "", m1),
                new Rule("ent", "", m1),
                new Rule("ion", "", stem -> measure(stem) > 1 && !stem.isEmpty()
                        && (stem.charAt(stem.length() - 1) == 's' || stem.charAt(stem.length() - 1) == 't')),
                new Rule("ou", "", m1),
                new Rule("ism", "", m1),
                new Rule("ate", "", m1),
                new Rule("iti", "", m1),
                new Rule("ous", "", m1),
                new Rule("ive", "", m1),
                new Rule("ize", "", m1));
    }

    private static String step5a(String word) {
        // both rules of 5a are tried (unlike _apply_rule_list), as in NLTK
        if (word.endsWith("e")) {
            String stem = replaceSuffix(word, "e", "");
            int m = measure(stem);
            if (m > 1) {
                return stem;
            }
            if (m == 1 && !endsCvc(stem)) {
                return stem;
            }
        }
        return word;
    }

    private static String step5b(String word) {
        return applyRules(word, new Rule("ll", "l", stem -> measure(word.substring(0, word.length() - 1)) > 1));
    }
}
