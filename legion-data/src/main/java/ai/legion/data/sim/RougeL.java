package ai.legion.data.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ROUGE-L F1 as {@code rouge_score/tokenize.py::tokenize} tokenizes (lowercase, {@code [^a-z0-9]+} → space, split),
 * without Porter stemming: used for the constant-caption baseline in the statistics. Stemming can only merge tokens,
 * so the stemmed score of the same pair is usually a little higher.
 */
final class RougeL {

    private RougeL() {
    }

    static List<String> tokens(String s) {
        String norm = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip();
        List<String> out = new ArrayList<>();
        if (!norm.isEmpty()) {
            for (String t : norm.split(" ")) {
                out.add(t);
            }
        }
        return out;
    }

    /** F1 of the longest common subsequence; 0 when either side is empty. */
    static double f1(List<String> prediction, List<String> reference) {
        if (prediction.isEmpty() || reference.isEmpty()) {
            return 0;
        }
        int[] prev = new int[reference.size() + 1];
        int[] cur = new int[reference.size() + 1];
        for (String p : prediction) {
            for (int j = 0; j < reference.size(); j++) {
                cur[j + 1] = p.equals(reference.get(j)) ? prev[j] + 1 : Math.max(prev[j + 1], cur[j]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        int lcs = prev[reference.size()];
        if (lcs == 0) {
            return 0;
        }
        double precision = (double) lcs / prediction.size();
        double recall = (double) lcs / reference.size();
        return 2 * precision * recall / (precision + recall);
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
