package ai.legion.eval.runner;

import java.util.List;
import java.util.Set;

/**
 * Where predictions come from: a LEGION model ({@link AnalyzerPredictions}) or the stored outputs of any
 * tool ({@link ExternalPredictions}), so that different systems are scored by the same code.
 */
public interface PredictionSource extends AutoCloseable {

    /** A short name recorded with every result (a model folder name, a predictions path). */
    String name();

    /**
     * Whether predictions are computed from the pixels given (a model). Only such sources can be
     * evaluated on perturbed images; stored predictions belong to the clean images.
     */
    boolean usesPixels();

    /** How many images {@link #predict} should receive at once. */
    default int batchSize() {
        return 1;
    }

    /**
     * Fails early when this source cannot serve the tasks (e.g. a checkpoint without a detection head).
     *
     * @throws IllegalArgumentException saying why
     */
    default void check(Set<Task> tasks) {}

    /**
     * Predicts a batch: one {@link Prediction} per input, in order; an image that cannot be predicted gets
     * {@link Prediction#failed} and the others go on.
     */
    List<Prediction> predict(List<EvalInput> inputs, Set<Task> tasks);

    /** Releases what the source owns (default: nothing). */
    @Override
    default void close() {}
}
