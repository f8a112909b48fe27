package ai.legion.eval.runner;

import ai.legion.core.report.Verdict;
import ai.legion.models.inference.BatchItem;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Predictions of a LEGION {@link LegionAnalyzer}: the report's union mask (upstream's {@code mask.png}, the OR
 * over every predicted mask), its cleaned explanation text (upstream's {@code explanation.json} value) and
 * the verdict's {@code p(fake) = softmax(logits)[0]}.
 *
 * <p>When only {@link Task#DETECTION} is asked for, images go through {@link LegionAnalyzer#classify} alone
 * (CLIP and the head, no generation). Otherwise a batch is analyzed with {@link LegionAnalyzer#analyzeAll},
 * which stacks images through the encoders and decodes their explanations together.
 */
public final class AnalyzerPredictions implements PredictionSource {

    private final LegionAnalyzer analyzer;
    private final String name;
    private final int batchSize;
    private final boolean owns;

    /**
     * Uses an analyzer the caller keeps owning.
     *
     * @param name recorded with each result (e.g. the model folder name)
     * @param batchSize images per call to {@link #predict} (use the analyzer's batch size or a multiple)
     */
    public AnalyzerPredictions(LegionAnalyzer analyzer, String name, int batchSize) {
        this(analyzer, name, batchSize, false);
    }

    private AnalyzerPredictions(LegionAnalyzer analyzer, String name, int batchSize, boolean owns) {
        this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
        this.name = Objects.requireNonNull(name, "name");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.owns = owns;
    }

    /** Like the constructor, but {@link #close()} closes the analyzer. */
    public static AnalyzerPredictions owning(LegionAnalyzer analyzer, String name, int batchSize) {
        return new AnalyzerPredictions(analyzer, name, batchSize, true);
    }

    /** The analyzer. */
    public LegionAnalyzer analyzer() {
        return analyzer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean usesPixels() {
        return true;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public void check(Set<Task> tasks) {
        if ((tasks.contains(Task.LOCALIZATION) || tasks.contains(Task.EXPLANATION)) && !analyzer.explainsReal()) {
            // upstream scores localization and explanation on every test image, whatever its detector says
            throw new IllegalArgumentException("localization and explanation are evaluated on every image: build the "
                    + "analyzer of " + name + " with explainReal(true), or images it calls REAL count as empty");
        }
        if (tasks.contains(Task.DETECTION) && !analyzer.model().hasDetectionHead()) {
            throw new IllegalArgumentException("the checkpoint " + name + " has no detection head (prediction_head.*):"
                    + " it cannot be evaluated on detection");
        }
    }

    @Override
    public List<Prediction> predict(List<EvalInput> inputs, Set<Task> tasks) {
        List<Prediction> out = new ArrayList<>(inputs.size());
        if (tasks.equals(Set.of(Task.DETECTION))) {
            for (EvalInput in : inputs) {
                long t0 = System.nanoTime();
                try {
                    Verdict v = analyzer.classify(in.image());
                    out.add(new Prediction(null, null, v.pFake(), 0, (System.nanoTime() - t0) / 1e6, null));
                } catch (RuntimeException e) {
                    out.add(Prediction.failed(describe(e)));
                }
            }
            return out;
        }
        List<Path> files = inputs.stream().map(EvalInput::file).toList();
        for (BatchItem item : analyzer.analyzeAll(files)) {
            out.add(item.succeeded() ? Prediction.of(item.report()) : Prediction.failed(describe(item.error())));
        }
        return out;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    @Override
    public void close() {
        if (owns) {
            analyzer.close();
        }
    }
}
