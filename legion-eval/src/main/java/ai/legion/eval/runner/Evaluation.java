package ai.legion.eval.runner;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.text.RougeL;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.perturb.Identity;
import ai.legion.data.perturb.ImagePerturbation;
import ai.legion.data.perturb.Perturbations;
import ai.legion.data.raster.MaskRasterizer;
import ai.legion.eval.css.Css;
import ai.legion.eval.grounding.GroundingScorer;
import ai.legion.eval.grounding.ImageGrounding;
import ai.legion.eval.metrics.LocalizationAccumulator;
import ai.legion.models.inference.LegionAnalyzer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * An evaluation run: predictions of a {@link PredictionSource} on a dataset's images, scored per image with
 * the legion-eval metrics, appended to a JSON Lines results file as they finish, and aggregated.
 *
 * <pre>{@code
 * EvalResult r = Evaluation.localization().model(analyzer).data(records).resultsFile(f).limit(100).run();
 * r.summary().localization().all().miou();
 * }</pre>
 *
 * <p>Per image: the image is decoded (a missing or corrupt file becomes a failed result with the reason, the
 * run goes on), optionally perturbed ({@link Builder#perturbation}, seeded per image with
 * {@link Perturbations#seedFor}), and handed to the source in batches. Then, for every part the source
 * produced: the ground truth is the union of the record's regions rasterized at the image size as upstream's
 * evaluation draws it ({@link MaskRasterizer#evaluation()}) and the prediction is resized to it (OpenCV
 * nearest); the explanation is scored with ROUGE-L (and CSS when an encoder is given) against
 * {@link ReferenceText}; {@code p(fake)} is kept with the label and generator. A part a task needs but the
 * source did not produce fails the image.
 *
 * <p>Resume: ids whose last line in the results file is a success holding every part the tasks need are not
 * evaluated again (failed ones are retried unless {@link Builder#retryFailed(boolean)} is off), and the aggregate
 * covers the selected records, old and new results alike. Every part a source produces is recorded whatever the
 * tasks (an analyzer's localization run also scores its explanations and verdicts), so a later run for another
 * task on the same file reuses the analyses. A results file written by another source or perturbation is
 * refused.
 *
 * <p>Grounding: when the records carry scene facts (scars-sim), every image with a predicted text also gets
 * {@link GroundingScorer}'s scores (object and kind of each ground-truth artifact, objects named that are not
 * in the scene), built from the whole annotation file (or given: {@link Builder#grounding}); an explanation run
 * aggregates them.
 */
public final class Evaluation {

    /** The perturbation name recorded for unperturbed images. */
    public static final String CLEAN = "clean";

    private Evaluation() {}

    /** A localization run (Table 2). */
    public static Builder localization() {
        return of(EnumSet.of(Task.LOCALIZATION));
    }

    /** An explanation run (Table 3). */
    public static Builder explanation() {
        return of(EnumSet.of(Task.EXPLANATION));
    }

    /** A detection run (Table 5). */
    public static Builder detection() {
        return of(EnumSet.of(Task.DETECTION));
    }

    /** A run over several tasks at once (one analysis per image serves localization and explanation). */
    public static Builder of(Set<Task> tasks) {
        return new Builder(tasks);
    }

    /** The name a perturbation is recorded under: its spec token, {@code clean} for none. */
    public static String conditionName(ImagePerturbation p) {
        return p == null || p instanceof Identity ? CLEAN : p.name();
    }

    /** The settings of a run. Builders are reusable; {@link #copy()} gives an independent one. */
    public static final class Builder {
        private Set<Task> tasks;
        private PredictionSource source;
        private List<ArtifactRecord> records;
        private EvalData data;
        private Path resultsFile;
        private int limit;
        private ImagePerturbation perturbation = Identity.INSTANCE;
        private long seed;
        private RougeL rouge = RougeL.withStemmer();
        private Css css;
        private double threshold = 0.5;
        private boolean progress = true;
        private boolean retryFailed = true;
        private ImageLoader.Options imageOptions = ImageLoader.Options.defaults();
        private boolean groundingGiven;
        private GroundingScorer grounding;

        private Builder(Set<Task> tasks) {
            tasks(tasks);
        }

        /** The tasks scored (at least one). */
        public Builder tasks(Set<Task> value) {
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("an evaluation needs at least one task");
            }
            this.tasks = EnumSet.copyOf(value);
            return this;
        }

        /**
         * Predictions of a LEGION analyzer (not closed by the run), named {@code legion}, 4 images per batch. For
         * localization and explanation build it with {@code explainReal(true)}: they are scored on every image.
         */
        public Builder model(LegionAnalyzer analyzer) {
            return predictions(new AnalyzerPredictions(analyzer, "legion", 4));
        }

        /** Where predictions come from (not closed by the run). */
        public Builder predictions(PredictionSource value) {
            this.source = Objects.requireNonNull(value, "source");
            return this;
        }

        /** The records to evaluate, in order. */
        public Builder data(List<ArtifactRecord> value) {
            this.records = List.copyOf(value);
            this.data = null;
            return this;
        }

        /** A dataset, read when the run starts (only the first {@link #limit} records). */
        public Builder data(EvalData value) {
            this.data = Objects.requireNonNull(value, "data");
            this.records = null;
            return this;
        }

        /** The JSON Lines file results are appended to and resumed from ({@code null}: in memory only). */
        public Builder resultsFile(Path value) {
            this.resultsFile = value;
            return this;
        }

        /** Evaluate only the first {@code n} records ({@code <= 0}: all). */
        public Builder limit(int n) {
            this.limit = n;
            return this;
        }

        /** A degradation applied to every decoded image before prediction (default none). */
        public Builder perturbation(ImagePerturbation value) {
            this.perturbation = value == null ? Identity.INSTANCE : value;
            return this;
        }

        /** The run seed perturbations derive per-image seeds from (default 0). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** The ROUGE-L scorer (default: with stemming, {@link RougeL#withStemmer()}). */
        public Builder rouge(RougeL value) {
            this.rouge = Objects.requireNonNull(value, "rouge");
            return this;
        }

        /** A sentence encoder for CSS (optional; not closed by the run). */
        public Builder css(Css value) {
            this.css = value;
            return this;
        }

        /** The {@code p(fake)} threshold of the accuracies (default 0.5). */
        public Builder threshold(double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("threshold must lie in [0, 1], got " + value);
            }
            this.threshold = value;
            return this;
        }

        /** Show a progress bar on stderr (default true). */
        public Builder progress(boolean value) {
            this.progress = value;
            return this;
        }

        /** Evaluate again the ids whose stored result is a failure (default true). */
        public Builder retryFailed(boolean value) {
            this.retryFailed = value;
            return this;
        }

        /** Image decoding limits (default {@link ImageLoader.Options#defaults()}). */
        public Builder imageOptions(ImageLoader.Options value) {
            this.imageOptions = Objects.requireNonNull(value, "imageOptions");
            return this;
        }

        /**
         * The grounding scorer, used instead of one built from the data ({@code null}: no grounding scores). For a
         * caller that evaluates a dataset in parts (legion-spark scores each partition in chunks): a part's own
         * records would give another vocabulary and other kind templates than the whole annotation file, so the
         * scorer is built once from the whole file ({@link GroundingScorer#of}) and given to every part.
         */
        public Builder grounding(GroundingScorer value) {
            this.grounding = value;
            this.groundingGiven = true;
            return this;
        }

        /** An independent builder with the same settings. */
        public Builder copy() {
            Builder b = new Builder(tasks);
            b.source = source;
            b.records = records;
            b.data = data;
            b.resultsFile = resultsFile;
            b.limit = limit;
            b.perturbation = perturbation;
            b.seed = seed;
            b.rouge = rouge;
            b.css = css;
            b.threshold = threshold;
            b.progress = progress;
            b.retryFailed = retryFailed;
            b.imageOptions = imageOptions;
            b.groundingGiven = groundingGiven;
            b.grounding = grounding;
            return b;
        }

        /** The tasks. */
        public Set<Task> tasks() {
            return EnumSet.copyOf(tasks);
        }

        /** The prediction source, or {@code null}. */
        public PredictionSource source() {
            return source;
        }

        /** The results file, or {@code null}. */
        public Path resultsFile() {
            return resultsFile;
        }

        /** The perturbation. */
        public ImagePerturbation perturbation() {
            return perturbation;
        }

        /** The threshold. */
        public double threshold() {
            return threshold;
        }

        /** The ROUGE-L scorer. */
        public RougeL rouge() {
            return rouge;
        }

        /**
         * Runs the evaluation.
         *
         * @throws IllegalArgumentException when the settings do not fit (no source or data, stored predictions
         *     with a perturbation, a source that cannot serve a task, a results file of another run)
         * @throws DatasetException when the dataset cannot be read
         * @throws IOException when the results file cannot be read or written
         */
        public EvalResult run() throws IOException, DatasetException {
            return new Run(copy()).execute();
        }
    }

    /** One execution of a builder's settings. */
    private static final class Run {
        private final Builder c;
        private final String condition;
        private final ImageLoader loader;
        private Path tempDir;
        /** Scores grounding when the data has scene facts, else null. */
        private GroundingScorer grounding;

        Run(Builder c) {
            this.c = c;
            this.condition = conditionName(c.perturbation);
            this.loader = new ImageLoader(c.imageOptions);
        }

        EvalResult execute() throws IOException, DatasetException {
            if (c.source == null) {
                throw new IllegalArgumentException("an evaluation needs predictions: model(analyzer) or predictions(source)");
            }
            if (c.records == null && c.data == null) {
                throw new IllegalArgumentException("an evaluation needs data(records) or data(EvalData)");
            }
            if (!CLEAN.equals(condition) && !c.source.usesPixels()) {
                throw new IllegalArgumentException("stored predictions (" + c.source.name() + ") cannot be evaluated under "
                        + "the perturbation " + condition + ": only a model sees the perturbed pixels");
            }
            c.source.check(c.tasks);
            List<ArtifactRecord> selected = select(c.records != null ? c.records : c.data.records(c.limit));
            // the reader's report of the pass that produced `selected`: what it rejected is part of the result
            SkippedRecords skipped = c.records != null ? SkippedRecords.NONE : SkippedRecords.of(c.data.validation());
            if (c.groundingGiven) {
                grounding = c.grounding;
            } else if (selected.stream().anyMatch(r -> r.facts() != null)) {
                // the vocabulary and the kind templates come from the whole annotation file, whatever the limit
                List<ArtifactRecord> all = c.records != null ? c.records : c.limit <= 0 ? selected : c.data.records(0);
                grounding = GroundingScorer.of(all).orElse(null);
            }
            Map<String, ImageResult> prior = new LinkedHashMap<>();
            if (c.resultsFile != null) {
                prior.putAll(ResultsFile.read(c.resultsFile).results());
                checkCompatible(prior, selected);
            }
            List<ArtifactRecord> todo = new ArrayList<>();
            for (ArtifactRecord r : selected) {
                ImageResult old = prior.get(r.id());
                if (old == null || (!old.ok() && c.retryFailed) || (old.ok() && !complete(old, r))) {
                    todo.add(r);
                }
            }
            int resumed = selected.size() - todo.size();
            Map<String, ImageResult> fresh = new LinkedHashMap<>();
            if (!todo.isEmpty()) {
                evaluate(todo, fresh);
            }
            List<ImageResult> results = new ArrayList<>(selected.size());
            for (ArtifactRecord r : selected) {
                ImageResult res = fresh.containsKey(r.id()) ? fresh.get(r.id()) : prior.get(r.id());
                results.add(res);
            }
            if (c.css != null) {
                addMissingCss(results);
            }
            EvalSummary summary = EvalSummary.of(results, c.tasks, c.threshold, c.rouge).withSkipped(skipped);
            return new EvalResult(results, resumed, todo.size(), summary, c.resultsFile);
        }

        /**
         * Whether a stored success has every part this run's tasks need (a detection-only line lacks masks, so a
         * localization run on the same file evaluates that image again).
         */
        private boolean complete(ImageResult old, ArtifactRecord r) {
            if (c.tasks.contains(Task.LOCALIZATION) && old.localization() == null) {
                return false;
            }
            if (c.tasks.contains(Task.EXPLANATION) && old.explanation() == null && !ReferenceText.of(r).isEmpty()) {
                return false;
            }
            if (c.tasks.contains(Task.EXPLANATION) && grounding != null && r.facts() != null
                    && old.explanation() != null && old.grounding() == null) {
                return false; // scored before the data had scene facts (or by an older version)
            }
            return !c.tasks.contains(Task.DETECTION) || old.detection() != null;
        }

        /** The first {@code limit} records, duplicate ids dropped (the first one is kept). */
        private List<ArtifactRecord> select(List<ArtifactRecord> all) {
            List<ArtifactRecord> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (ArtifactRecord r : all) {
                if (c.limit > 0 && out.size() >= c.limit) {
                    break;
                }
                if (seen.add(r.id())) {
                    out.add(r);
                }
            }
            return out;
        }

        private void checkCompatible(Map<String, ImageResult> prior, List<ArtifactRecord> selected) {
            for (ArtifactRecord r : selected) {
                ImageResult old = prior.get(r.id());
                if (old == null || !old.ok()) {
                    continue;
                }
                if (!Objects.equals(old.source(), c.source.name()) || !Objects.equals(old.perturbation(), condition)) {
                    throw new IllegalArgumentException("the results file " + c.resultsFile + " holds results of source '"
                            + old.source() + "' under '" + old.perturbation() + "', not of '" + c.source.name()
                            + "' under '" + condition + "': use another results file (or delete it to start over)");
                }
            }
        }

        private void evaluate(List<ArtifactRecord> todo, Map<String, ImageResult> fresh) throws IOException {
            boolean needFiles = c.source.usesPixels() && !CLEAN.equals(condition)
                    && (c.tasks.contains(Task.LOCALIZATION) || c.tasks.contains(Task.EXPLANATION));
            ResultsFile.Appender out = c.resultsFile == null ? null : ResultsFile.append(c.resultsFile);
            ProgressBar bar = c.progress ? new ProgressBarBuilder()
                    .setTaskName("eval " + String.join("+", c.tasks.stream().map(Task::shortName).toList())
                            + (CLEAN.equals(condition) ? "" : " " + condition))
                    .setInitialMax(todo.size()).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null;
            try {
                if (needFiles) {
                    tempDir = Files.createTempDirectory("legion-eval-perturbed");
                }
                int batch = Math.max(1, c.source.batchSize());
                for (int from = 0; from < todo.size(); from += batch) {
                    List<ImageResult> done = evaluateBatch(todo.subList(from, Math.min(todo.size(), from + batch)), needFiles);
                    for (ImageResult r : done) {
                        fresh.put(r.id(), r);
                        if (out != null) {
                            out.write(r);
                        }
                        if (bar != null) {
                            bar.step();
                        }
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
                if (out != null) {
                    out.close();
                }
                deleteTemp();
            }
        }

        private List<ImageResult> evaluateBatch(List<ArtifactRecord> batch, boolean needFiles) {
            ImageResult[] out = new ImageResult[batch.size()];
            List<EvalInput> inputs = new ArrayList<>();
            List<Integer> slots = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                ArtifactRecord r = batch.get(i);
                try {
                    RgbImage img = loader.load(r.image());
                    RgbImage p = c.perturbation.apply(img, Perturbations.seedFor(c.seed, r.id()));
                    Path file = r.image();
                    if (needFiles) {
                        file = tempDir.resolve(String.format("%06d.png", i));
                        if (!ImageIO.write(p.toBufferedImage(), "png", file.toFile())) {
                            throw new IOException("no PNG writer");
                        }
                    }
                    inputs.add(new EvalInput(r, p, file));
                    slots.add(i);
                } catch (Exception e) {
                    out[i] = failed(r, 0, 0, "cannot read the image: " + AnalyzerPredictions.describe(e));
                }
            }
            if (!inputs.isEmpty()) {
                List<Prediction> preds;
                try {
                    preds = c.source.predict(inputs, c.tasks);
                    if (preds.size() != inputs.size()) {
                        throw new IllegalStateException(c.source.name() + " returned " + preds.size() + " predictions for "
                                + inputs.size() + " images");
                    }
                } catch (RuntimeException e) {
                    String why = "prediction failed: " + AnalyzerPredictions.describe(e);
                    preds = inputs.stream().map(x -> Prediction.failed(why)).toList();
                }
                List<ImageResult> scored = new ArrayList<>();
                for (int k = 0; k < inputs.size(); k++) {
                    ImageResult res = score(inputs.get(k), preds.get(k));
                    out[slots.get(k)] = res;
                    scored.add(res);
                }
                if (c.css != null) {
                    List<ImageResult> withCss = css(scored);
                    for (int k = 0; k < withCss.size(); k++) {
                        out[slots.get(k)] = withCss.get(k);
                    }
                }
            }
            return List.of(out);
        }

        private ImageResult score(EvalInput in, Prediction p) {
            ArtifactRecord r = in.record();
            int w = in.image().width();
            int h = in.image().height();
            if (!p.ok()) {
                return failed(r, w, h, p.error());
            }
            ImageResult.Localization loc = null;
            if (p.mask() != null) {
                BinaryMask gt;
                try {
                    gt = MaskRasterizer.evaluation().unionOfRefs(r.refs(), h, w);
                } catch (DatasetException | RuntimeException e) {
                    return failed(r, w, h, "cannot draw the ground truth: " + AnalyzerPredictions.describe(e));
                }
                loc = ImageResult.Localization.of(p.mask(), gt);
            } else if (c.tasks.contains(Task.LOCALIZATION)) {
                return failed(r, w, h, c.source.name() + " gave no mask");
            }
            ImageResult.Explanation exp = null;
            String reference = ReferenceText.of(r);
            if (p.explanation() != null && !reference.isEmpty()) {
                String pred = ReferenceText.normalize(p.explanation());
                exp = new ImageResult.Explanation(pred, reference, c.rouge.score(pred, reference), null);
            } else if (c.tasks.contains(Task.EXPLANATION) && p.explanation() == null) {
                return failed(r, w, h, c.source.name() + " gave no explanation");
            }
            ImageGrounding ground = null;
            if (grounding != null && r.facts() != null && p.explanation() != null) {
                try {
                    ground = grounding.score(r, p.explanation(), p.artifacts(), h, w);
                } catch (DatasetException | RuntimeException e) {
                    return failed(r, w, h, "cannot score grounding: " + AnalyzerPredictions.describe(e));
                }
            }
            ImageResult.Detection det = null;
            if (p.fakeProbability() != null) {
                Boolean fake = r.authenticity() == Authenticity.UNKNOWN ? null : r.authenticity() == Authenticity.FAKE;
                det = new ImageResult.Detection(p.fakeProbability(), fake, generator(r));
            } else if (c.tasks.contains(Task.DETECTION)) {
                return failed(r, w, h, c.source.name() + " gave no p(fake)");
            }
            return new ImageResult(r.id(), imagePath(r), r.dataset(), c.source.name(), condition, groups(r), null,
                    w, h, loc, exp, det, p.generatedTokens(), p.millis(), ground);
        }

        private ImageResult failed(ArtifactRecord r, int w, int h, String why) {
            return new ImageResult(r.id(), imagePath(r), r.dataset(), c.source.name(), condition, groups(r), why,
                    w, h, null, null, null, 0, 0);
        }

        /** CSS for the results that have an explanation (one encoder call for all of them). */
        private List<ImageResult> css(List<ImageResult> results) {
            List<Integer> idx = new ArrayList<>();
            List<String> preds = new ArrayList<>();
            List<String> refs = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                ImageResult.Explanation e = results.get(i).explanation();
                if (results.get(i).ok() && e != null && e.css() == null) {
                    idx.add(i);
                    preds.add(e.prediction());
                    refs.add(e.reference());
                }
            }
            List<ImageResult> out = new ArrayList<>(results);
            if (idx.isEmpty()) {
                return out;
            }
            double[] s = c.css.similarities(preds, refs);
            for (int k = 0; k < idx.size(); k++) {
                ImageResult r = out.get(idx.get(k));
                out.set(idx.get(k), r.withExplanation(r.explanation().withCss(s[k])));
            }
            return out;
        }

        private void addMissingCss(List<ImageResult> results) {
            int chunk = 64;
            for (int from = 0; from < results.size(); from += chunk) {
                List<ImageResult> part = results.subList(from, Math.min(results.size(), from + chunk));
                List<ImageResult> done = css(part);
                for (int k = 0; k < done.size(); k++) {
                    part.set(k, done.get(k));
                }
            }
        }

        private void deleteTemp() {
            if (tempDir == null) {
                return;
            }
            try (Stream<Path> s = Files.walk(tempDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temporary file left behind is harmless
                    }
                });
            } catch (IOException ignored) {
                // as above
            }
        }
    }

    /** SynthScars' content types (Table 2's columns). */
    static final Set<String> CONTENT_TYPES = Set.of("object", "animal", "human", "scene");
    /** SynthScars' artifact types (paper §3). */
    static final Set<String> ARTIFACT_TYPES = Set.of("physics", "distortion", "structure");

    /**
     * The group keys of a record for per-group tables, lower-cased:
     *
     * <ul>
     *   <li>{@code content_type}: the record's {@code content_type}, else its {@code type} or {@code category} when
     *       that is one of SynthScars' human / animal / object / scene (which field the published files use is
     *       not known: no upstream reader reads one);</li>
     *   <li>{@code artifact_type}: the record's {@code artifact_type} (or a {@code type} / {@code category} that is
     *       one of physics / distortion / structure), else the refs' {@code artifact_type}s: their common value,
     *       or {@code mixed} when they differ.</li>
     * </ul>
     */
    static Map<String, String> groups(ArtifactRecord r) {
        Map<String, String> g = new LinkedHashMap<>();
        String content = label(r, LocalizationAccumulator.CONTENT_TYPE, CONTENT_TYPES);
        if (content != null) {
            g.put(LocalizationAccumulator.CONTENT_TYPE, content);
        }
        String artifact = label(r, LocalizationAccumulator.ARTIFACT_TYPE, ARTIFACT_TYPES);
        if (artifact == null) {
            Set<String> perRef = new java.util.TreeSet<>();
            for (int k = 0; k < r.refs().size(); k++) {
                String v = normalized(r.attribute("ref" + k + "." + LocalizationAccumulator.ARTIFACT_TYPE));
                if (v != null) {
                    perRef.add(v);
                }
            }
            artifact = perRef.isEmpty() ? null : perRef.size() == 1 ? perRef.iterator().next() : "mixed";
        }
        if (artifact != null) {
            g.put(LocalizationAccumulator.ARTIFACT_TYPE, artifact);
        }
        return g;
    }

    /** The record's {@code key}, else a {@code type} / {@code category} whose value is one of {@code known}. */
    private static String label(ArtifactRecord r, String key, Set<String> known) {
        String v = normalized(r.attribute(key));
        if (v != null) {
            return v;
        }
        for (String k : List.of("type", "category")) {
            String t = normalized(r.attribute(k));
            if (t != null && known.contains(t)) {
                return t;
            }
        }
        return null;
    }

    private static String normalized(String v) {
        return v == null || v.isBlank() ? null : v.strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** The image path recorded with a result: absolute, so that reports can be rebuilt from anywhere. */
    static String imagePath(ArtifactRecord r) {
        return r.image().toAbsolutePath().normalize().toString();
    }

    /** The generator an image is counted under: its {@code generator} or {@code category}, else the dataset. */
    static String generator(ArtifactRecord r) {
        String g = r.attribute("generator");
        if (g == null || g.isBlank()) {
            g = r.attribute("category");
        }
        return g == null || g.isBlank() ? r.dataset() : g;
    }
}
