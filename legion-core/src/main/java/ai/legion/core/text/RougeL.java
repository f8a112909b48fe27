package ai.legion.core.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * ROUGE-L as Google's {@code rouge_score} computes {@code rougeL} ({@code rouge_scorer.py::_score_lcs}; Table 3
 * reports the F-measure ×100): sentence-level longest common subsequence of the tokens of prediction and reference.
 *
 * <p>Tokenization ({@code rouge_score/tokenize.py}): lowercase, replace every run of characters outside
 * {@code [a-z0-9]} by a space, split on whitespace, with stemming Porter-stem the tokens longer than three
 * characters ({@link PorterStemmer}, NLTK's default mode), keep the tokens matching {@code ^[a-z0-9]+$}.
 * Scores: {@code P = LCS/|prediction|}, {@code R = LCS/|reference|}, {@code F = 2PR/(P+R)} (0 when
 * {@code P + R = 0}); all three are 0 when either side has no token. This is the sentence-level score the
 * paper reports; rouge_score's summary-level {@code rougeLsum} is a different metric and not offered.
 *
 * <p>One implementation serves the evaluation (stemming on) and scars-sim's constant-caption baseline
 * (stemming off). Instances are immutable and thread-safe.
 */
public final class RougeL {

    /** A ROUGE score triple. */
    public record Score(double precision, double recall, double fmeasure) {}

    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern VALID_TOKEN = Pattern.compile("^[a-z0-9]+$");

    private final PorterStemmer stemmer;

    /**
     * @param useStemmer rouge_score's {@code use_stemmer} (LEGION's setting is not published; this project
     *     defaults it on, docs/EVAL.md)
     */
    public RougeL(boolean useStemmer) {
        this.stemmer = useStemmer ? new PorterStemmer() : null;
    }

    /** A scorer with stemming on (the default of {@code legion eval}). */
    public static RougeL withStemmer() {
        return new RougeL(true);
    }

    /** Whether tokens are stemmed. */
    public boolean usesStemmer() {
        return stemmer != null;
    }

    /**
     * Scores a prediction against a reference (rouge_score's {@code score(target=reference,
     * prediction=prediction)}).
     */
    public Score score(String prediction, String reference) {
        Objects.requireNonNull(prediction, "prediction");
        Objects.requireNonNull(reference, "reference");
        return scoreTokens(tokenize(prediction), tokenize(reference));
    }

    /** The F-measure of {@link #score}. */
    public double fmeasure(String prediction, String reference) {
        return score(prediction, reference).fmeasure();
    }

    /** rouge_score's tokenizer with this scorer's stemming setting. */
    public List<String> tokenize(String text) {
        return tokenize(text, stemmer);
    }

    private static List<String> tokenize(String text, PorterStemmer stemmer) {
        String lowered = text.toLowerCase(Locale.ROOT);
        String spaced = NON_ALPHANUMERIC.matcher(lowered).replaceAll(" ");
        List<String> out = new ArrayList<>();
        for (String t : SPACES.split(spaced, -1)) {
            String tok = stemmer != null && t.length() > 3 ? stemmer.stem(t) : t;
            if (VALID_TOKEN.matcher(tok).matches()) {
                out.add(tok);
            }
        }
        return out;
    }

    /** LCS-based scores of two token lists ({@code _score_lcs(target=reference, prediction)}). */
    public static Score scoreTokens(List<String> prediction, List<String> reference) {
        if (prediction.isEmpty() || reference.isEmpty()) {
            return new Score(0, 0, 0);
        }
        int lcs = lcsLength(reference, prediction);
        double precision = (double) lcs / prediction.size();
        double recall = (double) lcs / reference.size();
        return new Score(precision, recall, fmeasure(precision, recall));
    }

    /** {@code rouge_score.scoring.fmeasure}: {@code 2PR/(P+R)}, 0 when {@code P + R = 0}. */
    static double fmeasure(double precision, double recall) {
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    /** Length of the longest common subsequence (dynamic programming over two rows). */
    public static int lcsLength(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            String x = a.get(i - 1);
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }
}
