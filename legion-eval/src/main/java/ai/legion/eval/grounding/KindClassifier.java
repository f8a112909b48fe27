package ai.legion.eval.grounding;

import ai.legion.core.text.RougeL;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The artifact kind an explanation states, by nearest template: the kind of the annotated explanation whose
 * words are closest to it (ROUGE-L F of {@link RougeL}, no stemming) after the object and colour words are
 * removed from both, so that "The edge of the yellow car is smeared" and "The edge of the red ball is smeared"
 * are one template. Built only from a dataset's annotations: it knows nothing the annotation file does not say.
 * Ties go to the template seen first. Serializable with its {@link GroundingScorer}.
 */
public final class KindClassifier implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final RougeL WORDS = new RougeL(false);

    private final Set<String> removed;
    private final List<List<String>> templates = new ArrayList<>();
    private final List<String> kinds = new ArrayList<>();

    /**
     * @param examples annotated explanations and their kinds, in file order
     * @param removed lower-case words dropped before comparing (object types and colours)
     */
    public KindClassifier(List<Map.Entry<String, String>> examples, Set<String> removed) {
        this.removed = Set.copyOf(removed);
        Map<List<String>, String> unique = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : examples) {
            List<String> t = words(e.getKey());
            if (!t.isEmpty()) {
                unique.putIfAbsent(t, Objects.requireNonNull(e.getValue(), "kind"));
            }
        }
        unique.forEach((t, k) -> {
            templates.add(t);
            kinds.add(k);
        });
    }

    /** The tokens compared: {@link RougeL}'s tokenizer without stemming, the removed words left out. */
    public List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : WORDS.tokenize(text)) {
            if (!removed.contains(w)) {
                out.add(w);
            }
        }
        return out;
    }

    /** The kind of the nearest template, or {@code null} for a text without words or a classifier without templates. */
    public String classify(String explanation) {
        List<String> t = words(explanation);
        if (t.isEmpty()) {
            return null;
        }
        double best = 0;
        String kind = null;
        for (int i = 0; i < templates.size(); i++) {
            double f = RougeL.scoreTokens(t, templates.get(i)).fmeasure();
            if (f > best) {
                best = f;
                kind = kinds.get(i);
            }
        }
        return kind;
    }

    /** Distinct templates (after word removal). */
    public int templates() {
        return templates.size();
    }
}
