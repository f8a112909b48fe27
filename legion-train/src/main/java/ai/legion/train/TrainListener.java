package ai.legion.train;

import java.nio.file.Path;
import java.util.Map;

/** Observes a training run (metrics dashboards, early stopping, tests). */
public interface TrainListener {

    /** After every optimizer step. */
    default void onStep(StepMetrics metrics) {}

    /** After a validation pass: mean losses (and any metrics a validator added). */
    default void onValidation(long step, Map<String, Double> metrics) {}

    /** After a checkpoint was written. */
    default void onCheckpoint(long step, Path dir) {}
}
