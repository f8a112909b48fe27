package ai.legion.eval.grounding;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.text.RougeL;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.SceneFacts;
import ai.legion.data.raster.MaskRasterizer;
import ai.legion.eval.metrics.MaskResize;
import java.io.Serializable;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scores whether predictions are grounded in the scene, for datasets whose records carry {@link SceneFacts}
 * (scars-sim): per ground-truth artifact whether the predicted artifact matched to it names its object and
 * states its kind, and per image whether the predicted text names an object that is not there. The rules are
 * in docs/EVAL.md ("Grounding"); in short:
 *
 * <ul>
 *   <li>Words: {@link RougeL}'s tokenizer without stemming (lower case, runs of letters and digits), so
 *       "car's" holds the word "car" and "cars" does not.</li>
 *   <li>Vocabulary: every object type in the annotations' {@code objects}.</li>
 *   <li>Matching: each ground-truth ref is drawn alone as the evaluation draws the union; the pair of
 *       unmatched ground-truth and predicted artifacts with the largest mask IoU is matched first, while some
 *       IoU is above 0 (ties: the lower ground-truth index, then the lower predicted index); the ground-truth
 *       artifacts left are then paired, in order, with the predicted ones left, in output order; those still
 *       left are unmatched and count as wrong.</li>
 *   <li>Kind: {@link KindClassifier} built from every annotated explanation and its kind, object types and
 *       colours removed.</li>
 * </ul>
 *
 * <p>Serializable, so that a scorer built once from the whole file can be shipped to where parts of the data are
 * scored (legion-spark's executors).
 */
public final class GroundingScorer implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final RougeL WORDS = new RougeL(false);

    private final List<String> vocabulary;
    private final KindClassifier classifier;

    private GroundingScorer(List<String> vocabulary, KindClassifier classifier) {
        this.vocabulary = vocabulary;
        this.classifier = classifier;
    }

    /**
     * A scorer built from a dataset's annotations, or empty when no record carries scene facts.
     *
     * @param records the records of the annotation file (all of them, not only those evaluated)
     */
    public static Optional<GroundingScorer> of(List<ArtifactRecord> records) {
        Set<String> types = new TreeSet<>();
        Set<String> removed = new HashSet<>();
        List<Map.Entry<String, String>> examples = new ArrayList<>();
        for (ArtifactRecord r : records) {
            SceneFacts f = r.facts();
            if (f == null) {
                continue;
            }
            for (SceneFacts.SceneObject o : f.objects()) {
                types.add(o.type());
                removed.add(o.type());
                removed.addAll(WORDS.tokenize(o.colour()));
            }
            for (int k = 0; k < r.refs().size(); k++) {
                examples.add(new AbstractMap.SimpleImmutableEntry<>(r.refs().get(k).explanation(),
                        f.refs().get(k).kind()));
            }
        }
        if (types.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new GroundingScorer(List.copyOf(types), new KindClassifier(examples, removed)));
    }

    /** The object types of the annotations, sorted. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    /** The kind classifier. */
    public KindClassifier classifier() {
        return classifier;
    }

    /** The vocabulary words {@code text} contains, in vocabulary order. */
    public List<String> named(String text) {
        Set<String> words = new HashSet<>(WORDS.tokenize(text == null ? "" : text));
        return vocabulary.stream().filter(words::contains).toList();
    }

    /** Whether {@code text} holds {@code word} as a whole word. */
    static boolean namesWord(String text, String word) {
        return WORDS.tokenize(text).contains(word);
    }

    /**
     * Scores one image.
     *
     * @param record a record with facts
     * @param text the whole predicted text (summary, phrases and explanations)
     * @param predicted the predicted artifacts in output order, or {@code null} when the source gives only text
     * @param height image height (the ground truth is drawn at the image size)
     * @param width image width
     * @throws DatasetException when a ref's region cannot be drawn
     * @throws IllegalArgumentException when the record has no facts
     */
    public ImageGrounding score(ArtifactRecord record, String text, List<Artifact> predicted, int height, int width)
            throws DatasetException {
        SceneFacts f = record.facts();
        if (f == null) {
            throw new IllegalArgumentException("record " + record.id() + " has no scene facts");
        }
        List<String> named = named(text);
        if (predicted == null) {
            return new ImageGrounding(f.types(), vocabulary, named, -1, null);
        }
        int g = record.refs().size();
        int p = predicted.size();
        double[][] iou = new double[g][p];
        for (int i = 0; i < g; i++) {
            BinaryMask gt = MaskRasterizer.evaluation().unionOfRefs(List.of(record.refs().get(i)), height, width);
            for (int j = 0; j < p; j++) {
                iou[i][j] = MaskResize.toSizeOf(predicted.get(j).mask(), gt).iou(gt);
            }
        }
        int[] match = match(iou, g, p);
        List<ImageGrounding.ArtifactMatch> out = new ArrayList<>(g);
        for (int i = 0; i < g; i++) {
            SceneFacts.RefFacts rf = f.refs().get(i);
            int j = match[i];
            if (j < 0) {
                out.add(new ImageGrounding.ArtifactMatch(rf.object(), rf.kind(), -1, 0, null, false));
                continue;
            }
            Artifact a = predicted.get(j);
            out.add(new ImageGrounding.ArtifactMatch(rf.object(), rf.kind(), j, iou[i][j],
                    classifier.classify(a.explanation()), namesWord(a.phrase() + " " + a.explanation(), rf.object())));
        }
        return new ImageGrounding(f.types(), vocabulary, named, p, out);
    }

    /**
     * The one-to-one matching of the class comment: greedy by IoU above 0, then by order.
     *
     * @return for each ground-truth index the predicted index, or -1
     */
    static int[] match(double[][] iou, int g, int p) {
        int[] match = new int[g];
        java.util.Arrays.fill(match, -1);
        boolean[] taken = new boolean[p];
        while (true) {
            int bi = -1;
            int bj = -1;
            double best = 0;
            for (int i = 0; i < g; i++) {
                if (match[i] >= 0) {
                    continue;
                }
                for (int j = 0; j < p; j++) {
                    if (!taken[j] && iou[i][j] > best) {
                        best = iou[i][j];
                        bi = i;
                        bj = j;
                    }
                }
            }
            if (bi < 0) {
                break;
            }
            match[bi] = bj;
            taken[bj] = true;
        }
        int j = 0;
        for (int i = 0; i < g; i++) {
            if (match[i] >= 0) {
                continue;
            }
            while (j < p && taken[j]) {
                j++;
            }
            if (j < p) {
                match[i] = j;
                taken[j] = true;
            }
        }
        return match;
    }
}
