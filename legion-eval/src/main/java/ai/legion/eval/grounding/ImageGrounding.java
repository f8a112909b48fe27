package ai.legion.eval.grounding;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The grounding scores of one image (one results-file {@code grounding} object, docs/EVAL.md).
 *
 * @param scene the object types in the image
 * @param vocabulary every object type of the dataset's annotations (what counts as naming an object)
 * @param named the vocabulary words the predicted text (summary, phrases and explanations) contains
 * @param predicted artifacts the prediction lists, or -1 when the source gives only text (then
 *     {@code artifacts} is {@code null})
 * @param artifacts one entry per ground-truth artifact, in annotation order, or {@code null}
 */
public record ImageGrounding(List<String> scene, List<String> vocabulary, List<String> named, int predicted,
        List<ArtifactMatch> artifacts) {

    /** Copies the lists. */
    public ImageGrounding {
        scene = List.copyOf(scene);
        vocabulary = List.copyOf(vocabulary);
        named = List.copyOf(named);
        artifacts = artifacts == null ? null : List.copyOf(artifacts);
    }

    /**
     * One ground-truth artifact and the predicted artifact matched to it.
     *
     * @param object the ground-truth object type
     * @param kind the ground-truth kind
     * @param match the index (output order) of the matched predicted artifact, -1 when none is left
     * @param iou mask IoU of the pair (0 when unmatched or matched by order)
     * @param predictedKind the kind {@link KindClassifier} gives the matched explanation, {@code null} if none
     * @param objectNamed whether the matched phrase or explanation names {@code object} as a whole word
     */
    public record ArtifactMatch(String object, String kind, int match, double iou, String predictedKind,
            boolean objectNamed) {

        /** Checks for nulls. */
        public ArtifactMatch {
            Objects.requireNonNull(object, "object");
            Objects.requireNonNull(kind, "kind");
        }

        /** Whether the matched explanation states the right kind. */
        public boolean kindRight() {
            return kind.equals(predictedKind);
        }
    }

    /** The named object types that are not in the scene. */
    public List<String> hallucinated() {
        List<String> out = new ArrayList<>();
        for (String w : named) {
            if (!scene.contains(w)) {
                out.add(w);
            }
        }
        return out;
    }

    /** Whether the prediction names an object absent from the image. */
    public boolean hallucinates() {
        return !hallucinated().isEmpty();
    }
}
