package ai.legion.data.sim;

import ai.legion.core.text.RougeL;
import java.util.ArrayList;
import java.util.List;

/**
 * The constant-caption text baseline of the statistics: ROUGE-L F1 ({@link RougeL}, rouge_score's tokens)
 * without Porter stemming. Stemming can only merge tokens, so the stemmed score of the same pair is usually a
 * little higher.
 */
final class CaptionBaseline {

    private static final RougeL ROUGE = new RougeL(false);

    private CaptionBaseline() {
    }

    static List<String> tokens(String s) {
        return ROUGE.tokenize(s);
    }

    /** F1 of the longest common subsequence; 0 when either side is empty. */
    static double f1(List<String> prediction, List<String> reference) {
        return RougeL.scoreTokens(prediction, reference).fmeasure();
    }

    /** The caption with the highest mean F1 against all the others (ties: the first). */
    static String medoid(List<String> captions) {
        List<List<String>> toks = new ArrayList<>();
        for (String c : captions) {
            toks.add(tokens(c));
        }
        int best = 0;
        double bestScore = -1;
        for (int i = 0; i < toks.size(); i++) {
            double s = 0;
            for (int j = 0; j < toks.size(); j++) {
                if (i != j) {
                    s += f1(toks.get(i), toks.get(j));
                }
            }
            if (s > bestScore) {
                bestScore = s;
                best = i;
            }
        }
        return captions.get(best);
    }
}
