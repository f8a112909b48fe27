package ai.legion.eval.grounding;

import ai.legion.core.text.RougeL;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Grounding metrics over a set of images (fractions in [0, 1]), with trivial baselines on the same images.
 *
 * @param images images scored (their records carry scene facts)
 * @param artifacts ground-truth artifacts of the images whose source lists artifacts (0 for text-only sources)
 * @param objectAccuracy share of those artifacts whose matched predicted artifact names the object; NaN when
 *     {@code artifacts} is 0
 * @param kindAccuracy share whose matched explanation states the right kind; NaN when {@code artifacts} is 0
 * @param maskMatched share matched by mask overlap (IoU above 0) rather than by order or not at all
 * @param unmatched share left without any predicted artifact (the prediction lists fewer artifacts than the
 *     image has): wrong for both accuracies whatever the text says; NaN when {@code artifacts} is 0
 * @param countAccuracy share of the images whose source lists artifacts where it lists exactly as many as the
 *     ground truth has; NaN when no source lists artifacts
 * @param hallucinationRate share of images whose predicted text names an object absent from the image
 * @param mostFrequentObject the object type most ground-truth artifacts are on (ties: alphabetical)
 * @param mostFrequentObjectAccuracy the object accuracy of always naming it
 * @param mostFrequentKind the most frequent ground-truth kind (ties: alphabetical)
 * @param mostFrequentKindAccuracy the kind accuracy of always stating it
 * @param constantCaptionHallucinationRate the hallucination rate of the explanation's constant caption (the
 *     same text on every image); NaN without one
 */
public record GroundingSummary(int images, int artifacts, double objectAccuracy, double kindAccuracy,
        double maskMatched, double unmatched, double countAccuracy, double hallucinationRate,
        String mostFrequentObject, double mostFrequentObjectAccuracy, String mostFrequentKind,
        double mostFrequentKindAccuracy, double constantCaptionHallucinationRate) {

    private static final RougeL WORDS = new RougeL(false);

    /**
     * Summarizes per-image scores.
     *
     * @param scores at least one
     * @param constantCaption the constant-caption baseline text of the explanation summary, or {@code null}
     */
    public static GroundingSummary of(List<ImageGrounding> scores, String constantCaption) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("no image with grounding scores");
        }
        int n = 0;
        int objectHits = 0;
        int kindHits = 0;
        int masked = 0;
        int left = 0;
        int listing = 0;
        int counted = 0;
        int hallucinating = 0;
        int constantHallucinating = 0;
        Set<String> constantWords = constantCaption == null ? Set.of() : new HashSet<>(WORDS.tokenize(constantCaption));
        Map<String, Integer> objects = new TreeMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        for (ImageGrounding g : scores) {
            hallucinating += g.hallucinates() ? 1 : 0;
            for (String w : g.vocabulary()) {
                if (constantWords.contains(w) && !g.scene().contains(w)) {
                    constantHallucinating++;
                    break;
                }
            }
            if (g.artifacts() == null) {
                continue;
            }
            listing++;
            counted += g.predicted() == g.artifacts().size() ? 1 : 0;
            for (ImageGrounding.ArtifactMatch m : g.artifacts()) {
                n++;
                objectHits += m.objectNamed() ? 1 : 0;
                kindHits += m.kindRight() ? 1 : 0;
                masked += m.iou() > 0 ? 1 : 0;
                left += m.match() < 0 ? 1 : 0;
                objects.merge(m.object(), 1, Integer::sum);
                kinds.merge(m.kind(), 1, Integer::sum);
            }
        }
        String topObject = mode(objects);
        String topKind = mode(kinds);
        double nan = Double.NaN;
        return new GroundingSummary(scores.size(), n, n == 0 ? nan : (double) objectHits / n,
                n == 0 ? nan : (double) kindHits / n, n == 0 ? nan : (double) masked / n,
                n == 0 ? nan : (double) left / n, listing == 0 ? nan : (double) counted / listing,
                (double) hallucinating / scores.size(), topObject,
                topObject == null ? nan : (double) objects.get(topObject) / n, topKind,
                topKind == null ? nan : (double) kinds.get(topKind) / n,
                constantCaption == null ? nan : (double) constantHallucinating / scores.size());
    }

    /** The key with the largest count, the first in key order on ties; null when empty. */
    private static String mode(Map<String, Integer> counts) {
        String best = null;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (best == null || e.getValue() > counts.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }
}
