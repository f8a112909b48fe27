package ai.legion.eval.runner;

import ai.legion.core.text.RougeL;
import java.util.ArrayList;
import java.util.List;

/**
 * Explanation metrics over a set of images (Table 3), fractions in [0, 1] except CSS (×100 like the paper).
 *
 * @param count images scored
 * @param rougeL mean ROUGE-L F-measure
 * @param precision mean ROUGE-L precision
 * @param recall mean ROUGE-L recall
 * @param css mean CSS (×100) over the images that have one; NaN when none
 * @param cssCount images with a CSS value
 * @param constantCaptionRougeL the trivial baseline: the mean ROUGE-L F of one fixed text, the reference among
 *     the first 64 that scores best against all the other references (itself left out); NaN with fewer
 *     than two references
 * @param constantCaption that text, or {@code null}
 */
public record ExplanationSummary(int count, double rougeL, double precision, double recall, double css, int cssCount,
        double constantCaptionRougeL, String constantCaption) {

    /** How many references are tried as the constant caption. */
    public static final int CONSTANT_CAPTION_CANDIDATES = 64;

    /** Summarizes scored explanations; {@code rouge} tokenizes the references for the constant-caption baseline. */
    public static ExplanationSummary of(List<ImageResult.Explanation> exps, RougeL rouge) {
        int n = exps.size();
        if (n == 0) {
            double x = Double.NaN;
            return new ExplanationSummary(0, x, x, x, x, 0, x, null);
        }
        double f = 0;
        double p = 0;
        double r = 0;
        double css = 0;
        int cssN = 0;
        for (ImageResult.Explanation e : exps) {
            f += e.rougeL().fmeasure();
            p += e.rougeL().precision();
            r += e.rougeL().recall();
            if (e.css() != null) {
                css += e.css();
                cssN++;
            }
        }
        List<List<String>> refs = new ArrayList<>(n);
        for (ImageResult.Explanation e : exps) {
            refs.add(rouge.tokenize(e.reference()));
        }
        double best = Double.NaN;
        String bestText = null;
        if (n >= 2) {
            for (int c = 0; c < Math.min(n, CONSTANT_CAPTION_CANDIDATES); c++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    if (j != c) {
                        sum += RougeL.scoreTokens(refs.get(c), refs.get(j)).fmeasure();
                    }
                }
                double mean = sum / (n - 1);
                if (!(mean <= best)) {
                    best = mean;
                    bestText = exps.get(c).reference();
                }
            }
        }
        return new ExplanationSummary(n, f / n, p / n, r / n, cssN == 0 ? Double.NaN : css / cssN, cssN, best, bestText);
    }
}
