package ai.legion.eval.runner;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.core.report.ReportException;
import ai.legion.data.ArtifactRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Predictions another tool wrote to disk, scored by the same code as LEGION's own:
 *
 * <ul>
 *   <li><b>masks</b>: a folder of mask images (non-zero = artifact, any size: resized to the ground truth with
 *       OpenCV's nearest rule). For a record with id {@code ID} and image {@code NAME.EXT}, the first file found
 *       of {@code ID.png}, {@code ID/mask.png}, {@code NAME.EXT/mask.png} (upstream {@code infer.py}'s output
 *       folders), {@code NAME/mask.png} ({@code legion analyze --out}), {@code NAME.png}, {@code NAME_mask.png},
 *       {@code NAME.EXT}.</li>
 *   <li><b>explanations</b>: a JSON file, either an object {@code {key: text}} (upstream's
 *       {@code explanation.json} format, merged or not) or a list of objects with a key field ({@code id},
 *       {@code image}, {@code image_path}, {@code file}, {@code filename}, {@code path}) and a text field
 *       ({@code explanation}, {@code text}, {@code prediction}, {@code caption}, {@code answer}); or a folder
 *       of per-image outputs ({@code ID/explanation.json}, {@code NAME.EXT/explanation.json},
 *       {@code NAME/explanation.json}, each upstream's one-entry object, or {@code NAME.txt}).</li>
 *   <li><b>scores</b>: a JSON file of {@code p(fake)} values in the same two shapes (value fields
 *       {@code p_fake}, {@code fake_probability}, {@code score}, {@code probability}, {@code prob}).</li>
 * </ul>
 * A key matches a record by the record id, the image path, the image file name or its stem (file name and
 * stem only when unambiguous). A record without a prediction fails with the paths looked at, unless
 * {@link Builder#missingAsEmpty(boolean)} scores it as an empty mask / empty text (never for scores).
 */
public final class ExternalPredictions implements PredictionSource {

    private static final List<String> KEY_FIELDS = List.of("id", "image", "image_path", "file", "filename", "path");
    private static final List<String> TEXT_FIELDS = List.of("explanation", "text", "prediction", "caption", "answer");
    private static final List<String> SCORE_FIELDS = List.of("p_fake", "fake_probability", "score", "probability",
            "prob");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Path masks;
    private final Path explanationDir;
    private final PredictionKeys.Index<String> texts;
    private final PredictionKeys.Index<Double> scores;
    private final boolean missingAsEmpty;

    private ExternalPredictions(Builder b, PredictionKeys.Index<String> texts, Path explanationDir,
            PredictionKeys.Index<Double> scores) {
        this.masks = b.masks;
        this.texts = texts;
        this.explanationDir = explanationDir;
        this.scores = scores;
        this.missingAsEmpty = b.missingAsEmpty;
        this.name = b.name != null ? b.name
                : String.valueOf(b.masks != null ? b.masks : b.explanations != null ? b.explanations : b.scores);
    }

    /** Configures stored predictions. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of {@link ExternalPredictions}; at least one of masks, explanations and scores is needed. */
    public static final class Builder {
        private Path masks;
        private Path explanations;
        private Path scores;
        private boolean missingAsEmpty;
        private String name;

        private Builder() {}

        /** A folder of mask images (see the class comment for the names looked up). */
        public Builder masks(Path dir) {
            this.masks = dir;
            return this;
        }

        /** A JSON file of explanations, or a folder of per-image {@code explanation.json} files. */
        public Builder explanations(Path fileOrDir) {
            this.explanations = fileOrDir;
            return this;
        }

        /** A JSON file of {@code p(fake)} scores. */
        public Builder scores(Path file) {
            this.scores = file;
            return this;
        }

        /** Score a missing mask or text as empty instead of failing the image (default false). */
        public Builder missingAsEmpty(boolean value) {
            this.missingAsEmpty = value;
            return this;
        }

        /** The name recorded with each result (default: the path given). */
        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /**
         * Reads the JSON files.
         *
         * @throws IllegalArgumentException when nothing is configured, a path does not exist, or a JSON file has
         *     an unexpected shape (the message names the file)
         * @throws IOException when a file cannot be read or parsed
         */
        public ExternalPredictions build() throws IOException {
            if (masks == null && explanations == null && scores == null) {
                throw new IllegalArgumentException("external predictions: give a masks folder, an explanations file "
                        + "or folder, or a scores file");
            }
            if (masks != null && !Files.isDirectory(masks)) {
                throw new IllegalArgumentException(masks + ": not a folder (expected a folder of mask PNGs)");
            }
            PredictionKeys.Index<String> texts = null;
            Path explanationDir = null;
            if (explanations != null) {
                if (Files.isDirectory(explanations)) {
                    explanationDir = explanations;
                } else if (Files.isRegularFile(explanations)) {
                    texts = readMap(explanations, TEXT_FIELDS, n -> n.isTextual() ? n.asText() : null, "text");
                } else {
                    throw new IllegalArgumentException(explanations + ": not found (expected a JSON file of "
                            + "explanations or a folder of per-image explanation.json files)");
                }
            }
            PredictionKeys.Index<Double> sc = null;
            if (scores != null) {
                if (!Files.isRegularFile(scores)) {
                    throw new IllegalArgumentException(scores + (Files.exists(scores) ? ": not a file" : ": not found")
                            + " (expected a JSON file of p(fake) scores)");
                }
                sc = readMap(scores, SCORE_FIELDS, n -> n.isNumber() ? n.asDouble() : null, "number");
            }
            return new ExternalPredictions(this, texts, explanationDir, sc);
        }
    }

    private static <V> PredictionKeys.Index<V> readMap(Path file, List<String> valueFields,
            java.util.function.Function<JsonNode, V> value, String what) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        PredictionKeys.Index<V> index = new PredictionKeys.Index<>();
        if (root != null && root.isObject()) {
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                V v = value.apply(e.getValue());
                if (v == null) {
                    throw new IllegalArgumentException(file + ": the value of '" + e.getKey() + "' is not a " + what);
                }
                index.put(e.getKey(), v);
            }
        } else if (root != null && root.isArray()) {
            int i = 0;
            for (JsonNode item : root) {
                String key = first(item, KEY_FIELDS);
                JsonNode vn = null;
                for (String f : valueFields) {
                    if (item.has(f)) {
                        vn = item.get(f);
                        break;
                    }
                }
                V v = vn == null ? null : value.apply(vn);
                if (key == null || v == null) {
                    throw new IllegalArgumentException(file + ": item " + i + " needs a key field " + KEY_FIELDS
                            + " and a " + what + " field " + valueFields);
                }
                index.put(key, v);
                i++;
            }
        } else {
            throw new IllegalArgumentException(file + ": expected a JSON object {key: " + what + "} or a list of objects");
        }
        return index;
    }

    private static String first(JsonNode item, List<String> fields) {
        if (item == null || !item.isObject()) {
            return null;
        }
        for (String f : fields) {
            JsonNode n = item.get(f);
            if (n != null && (n.isTextual() || n.isNumber())) {
                return n.asText();
            }
        }
        return null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean usesPixels() {
        return false;
    }

    @Override
    public int batchSize() {
        return 16;
    }

    @Override
    public void check(Set<Task> tasks) {
        if (tasks.contains(Task.LOCALIZATION) && masks == null) {
            throw new IllegalArgumentException("localization needs a folder of predicted masks");
        }
        if (tasks.contains(Task.EXPLANATION) && texts == null && explanationDir == null) {
            throw new IllegalArgumentException("explanation needs a JSON file (or folder) of predicted explanations");
        }
        if (tasks.contains(Task.DETECTION) && scores == null) {
            throw new IllegalArgumentException("detection needs a JSON file of p(fake) scores");
        }
    }

    @Override
    public List<Prediction> predict(List<EvalInput> inputs, Set<Task> tasks) {
        List<Prediction> out = new ArrayList<>(inputs.size());
        for (EvalInput in : inputs) {
            out.add(predictOne(in, tasks));
        }
        return out;
    }

    private Prediction predictOne(EvalInput in, Set<Task> tasks) {
        ArtifactRecord r = in.record();
        BinaryMask mask = null;
        String text = null;
        Double score = null;
        if (tasks.contains(Task.LOCALIZATION)) {
            List<Path> tried = maskCandidates(r);
            Path found = tried.stream().filter(Files::isRegularFile).findFirst().orElse(null);
            if (found != null) {
                try {
                    mask = MaskImages.read(found);
                } catch (ReportException e) {
                    return Prediction.failed(e.getMessage());
                }
            } else if (missingAsEmpty) {
                mask = BinaryMask.empty(in.image().height(), in.image().width());
            } else {
                return Prediction.failed("no predicted mask for " + r.id() + " in " + masks + " (looked for "
                        + tried.stream().map(p -> masks.relativize(p).toString()).toList() + ")");
            }
        }
        if (tasks.contains(Task.EXPLANATION)) {
            try {
                text = texts != null ? texts.find(r) : textFromFolder(r);
            } catch (IOException | IllegalArgumentException e) {
                return Prediction.failed(e.getMessage());
            }
            if (text == null) {
                if (!missingAsEmpty) {
                    return Prediction.failed("no predicted explanation for " + r.id() + " in "
                            + (texts != null ? "the explanations file" : explanationDir));
                }
                text = "";
            }
        }
        if (tasks.contains(Task.DETECTION)) {
            score = scores.find(r);
            if (score == null) {
                return Prediction.failed("no p(fake) score for " + r.id() + " in the scores file");
            }
            if (!(score >= 0 && score <= 1)) {
                return Prediction.failed("p(fake) of " + r.id() + " is " + score + ", outside [0, 1]");
            }
        }
        return Prediction.of(mask, text, score);
    }

    private List<Path> maskCandidates(ArtifactRecord r) {
        String fileName = fileName(r);
        String stem = PredictionKeys.stem(fileName);
        List<Path> out = new ArrayList<>();
        for (String rel : List.of(r.id() + ".png", r.id() + "/mask.png", fileName + "/mask.png", stem + "/mask.png",
                stem + ".png", stem + "_mask.png", fileName)) {
            Path p = masks.resolve(rel).normalize();
            if (p.startsWith(masks.normalize()) && !out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private String textFromFolder(ArtifactRecord r) throws IOException {
        String fileName = fileName(r);
        String stem = PredictionKeys.stem(fileName);
        for (String rel : List.of(r.id() + "/explanation.json", fileName + "/explanation.json",
                stem + "/explanation.json", stem + ".txt", r.id() + ".txt")) {
            Path p = explanationDir.resolve(rel).normalize();
            if (!p.startsWith(explanationDir.normalize()) || !Files.isRegularFile(p)) {
                continue;
            }
            if (rel.endsWith(".txt")) {
                return Files.readString(p);
            }
            JsonNode n = JSON.readTree(p.toFile());
            if (n != null && n.isTextual()) {
                return n.asText();
            }
            if (n != null && n.isObject() && n.size() >= 1) {
                PredictionKeys.Index<String> one = new PredictionKeys.Index<>();
                n.properties().forEach(e -> {
                    if (e.getValue().isTextual()) {
                        one.put(e.getKey(), e.getValue().asText());
                    }
                });
                String v = one.find(r);
                if (v == null && n.size() == 1 && n.elements().next().isTextual()) {
                    v = n.elements().next().asText(); // upstream writes one {image_path: text} entry per folder
                }
                if (v != null) {
                    return v;
                }
            }
            throw new IllegalArgumentException(p + ": expected {\"<image path>\": \"<explanation>\"}");
        }
        return null;
    }

    private static String fileName(ArtifactRecord r) {
        return r.image().getFileName() == null ? r.image().toString() : r.image().getFileName().toString();
    }

    /** How many stored texts / scores were read (0 for folders). */
    public int storedEntries() {
        return (texts == null ? 0 : texts.size()) + (scores == null ? 0 : scores.size());
    }

    @Override
    public String toString() {
        return "ExternalPredictions[" + name + "]";
    }
}
