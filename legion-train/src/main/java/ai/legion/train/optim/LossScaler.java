package ai.legion.train.optim;

/**
 * Dynamic loss scaling for float16 training (DeepSpeed's {@code DynamicLossScaler} defaults): the loss
 * is multiplied by {@link #scale()} before the backward pass so small float16 gradients do not flush to
 * zero; a step whose gradients overflowed is skipped and the scale halved; after
 * {@code growthInterval} good steps in a row the scale doubles. {@link #none()} is the float32 case: a
 * scale of 1 that never changes, where an overflow means the run diverged.
 */
public final class LossScaler {

    private final boolean dynamic;
    private final double minScale;
    private final long growthInterval;
    private double scale;
    private long goodSteps;

    private LossScaler(boolean dynamic, double initial, double minScale, long growthInterval) {
        if (!(initial >= minScale && minScale > 0 && growthInterval > 0)) {
            throw new IllegalArgumentException("LossScaler: initial >= min > 0 and growth interval > 0, got " + initial
                    + ", " + minScale + ", " + growthInterval);
        }
        this.dynamic = dynamic;
        this.scale = initial;
        this.minScale = minScale;
        this.growthInterval = growthInterval;
    }

    /** No scaling (float32 training). */
    public static LossScaler none() {
        return new LossScaler(false, 1, 1, 1);
    }

    /** DeepSpeed's defaults: 2^16 to start, halve on overflow down to 1, double after 1000 good steps. */
    public static LossScaler dynamic() {
        return dynamic(65536, 1, 1000);
    }

    /** A dynamic scaler with these settings. */
    public static LossScaler dynamic(double initial, double minScale, long growthInterval) {
        return new LossScaler(true, initial, minScale, growthInterval);
    }

    /** Whether the scale adapts (float16 training). */
    public boolean isDynamic() {
        return dynamic;
    }

    /** The factor the loss is multiplied by. */
    public double scale() {
        return scale;
    }

    /** Good steps since the last change of the scale. */
    public long goodSteps() {
        return goodSteps;
    }

    /**
     * Records the outcome of a step.
     *
     * @param overflow whether a gradient was NaN or infinite
     * @return whether the step should be applied (false: skip it, the gradients are unusable)
     * @throws IllegalStateException when an overflow would push the scale below its minimum (the
     *     run diverged; with {@link #none()} on any overflow)
     */
    public boolean update(boolean overflow) {
        if (overflow) {
            if (!dynamic || scale / 2 < minScale) {
                throw new IllegalStateException("gradients overflow at loss scale " + scale);
            }
            scale /= 2;
            goodSteps = 0;
            return false;
        }
        if (dynamic && ++goodSteps % growthInterval == 0) {
            scale *= 2;
            goodSteps = 0;
        }
        return true;
    }

    /** Restores the state saved in a checkpoint. */
    public void restore(double scale, long goodSteps) {
        this.scale = scale;
        this.goodSteps = goodSteps;
    }
}
