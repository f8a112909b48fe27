package ai.legion.eval.probe;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link VisionProbe} measured on the test split: per object type, how often the probe's present/absent
 * answer is right for each feature kind, and how often answering the training split's majority is right.
 *
 * @param source what made the features (the CLIP folder, or the extractor's description)
 * @param data the dataset folder
 * @param trainImages training-split images used (fitting plus held out for the choice of lambda)
 * @param heldOutImages of those, the last ones, held out to pick lambda (the final fit uses all)
 * @param testImages test-split images scored
 * @param types the object types, sorted; each a one-vs-rest regression with targets 0/1
 * @param trainFrequency per type, the fraction of training images that contain it
 * @param majorityAnswer per type, whether the majority of training images contain it (a tie answers absent)
 * @param majorityAccuracy per type, the accuracy on the test split of always giving {@code majorityAnswer}
 * @param majorityMean the mean of {@code majorityAccuracy}
 * @param kinds one result per feature kind
 */
public record ProbeResult(String source, String data, int trainImages, int heldOutImages, int testImages,
        List<String> types, List<Double> trainFrequency, List<Boolean> majorityAnswer, List<Double> majorityAccuracy,
        double majorityMean, List<Kind> kinds) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Copies the lists. */
    public ProbeResult {
        types = List.copyOf(types);
        trainFrequency = List.copyOf(trainFrequency);
        majorityAnswer = List.copyOf(majorityAnswer);
        majorityAccuracy = List.copyOf(majorityAccuracy);
        kinds = List.copyOf(kinds);
    }

    /**
     * The probe's scores for one kind of features.
     *
     * @param name the kind ({@code mean}, {@code patches})
     * @param width values per image
     * @param lambdaFactor the grid value chosen (the held-out mean accuracy was highest; ties take the larger)
     * @param lambda the penalty used: {@code lambdaFactor} times the mean squared norm of the centred training
     *     features
     * @param heldOutAccuracy per grid value, the mean accuracy on the held-out part of the training split
     * @param accuracy per type, the accuracy on the test split (present when the score exceeds 0.5)
     * @param meanAccuracy the mean of {@code accuracy}
     */
    public record Kind(String name, int width, double lambdaFactor, double lambda, Map<String, Double> heldOutAccuracy,
            List<Double> accuracy, double meanAccuracy) {
        /** Copies the collections. */
        public Kind {
            heldOutAccuracy = Collections.unmodifiableMap(new LinkedHashMap<>(heldOutAccuracy));
            accuracy = List.copyOf(accuracy);
        }
    }

    /** The kind of this name. */
    public Kind kind(String name) {
        return kinds.stream().filter(k -> k.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no feature kind " + name + " in " + kinds.stream()
                        .map(Kind::name).toList()));
    }

    /** A plain-text table: one row per type and the mean, one column per feature kind and the majority answer. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %9s %9s", "type", "in train", "majority"));
        for (Kind k : kinds) {
            sb.append(String.format(Locale.ROOT, " %9s", k.name()));
        }
        sb.append('\n');
        for (int t = 0; t < types.size(); t++) {
            sb.append(String.format(Locale.ROOT, "%-10s %9.3f %9.3f", types.get(t), trainFrequency.get(t),
                    majorityAccuracy.get(t)));
            for (Kind k : kinds) {
                sb.append(String.format(Locale.ROOT, " %9.3f", k.accuracy().get(t)));
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%-10s %9s %9.3f", "mean", "", majorityMean));
        for (Kind k : kinds) {
            sb.append(String.format(Locale.ROOT, " %9.3f", k.meanAccuracy()));
        }
        sb.append('\n');
        for (Kind k : kinds) {
            sb.append(String.format(Locale.ROOT, "%s: %d values per image, lambda %.4g (%s x mean centred squared "
                    + "norm)%n", k.name(), k.width(), k.lambda(), k.lambdaFactor()));
        }
        sb.append(String.format(Locale.ROOT, "%d training images (%d held out to pick lambda), %d test images%n",
                trainImages, heldOutImages, testImages));
        return sb.toString();
    }

    /** The result as indented JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the probe result: " + e.getMessage(), e);
        }
    }

    /** Writes {@link #toJson()} to {@code file} atomically (a reader sees the old file or the whole new one). */
    public void write(Path file) throws CheckpointException {
        IoUtils.writeAtomically(file, toJson().getBytes(StandardCharsets.UTF_8));
    }
}
