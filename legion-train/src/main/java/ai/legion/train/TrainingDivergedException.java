package ai.legion.train;

import java.util.List;

/** The loss or the gradient norm became NaN or infinite: training stops before corrupting the weights. */
public final class TrainingDivergedException extends RuntimeException {

    private final long step;
    private final List<?> batchIndices;

    public TrainingDivergedException(long step, List<?> batchIndices, String what) {
        super(what + " at optimizer step " + step + " (dataset indices of the batch: " + batchIndices
                + "); the weights were not updated with it");
        this.step = step;
        this.batchIndices = List.copyOf(batchIndices);
    }

    public long step() {
        return step;
    }

    public List<?> batchIndices() {
        return batchIndices;
    }
}
