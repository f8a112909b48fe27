package ai.legion.train;

/**
 * What one optimizer step did (one JSON line of the metrics file).
 *
 * @param step optimizer steps done (1-based after the first)
 * @param epoch the epoch the step's batches came from
 * @param lr the learning rate used
 * @param loss the weighted loss (mean over the accumulated micro-batches)
 * @param ce token cross-entropy
 * @param bce mask BCE
 * @param dice mask Dice
 * @param region the region (per-patch tag) loss of vision pretraining; 0 in the other stages
 * @param gradNorm the global gradient norm before clipping
 * @param samples samples in the step
 * @param samplesPerSecond throughput of the step
 * @param elapsedSeconds since the run (or the resume) started
 */
public record StepMetrics(long step, long epoch, double lr, double loss, double ce, double bce, double dice,
        double region, double gradNorm, int samples, double samplesPerSecond, double elapsedSeconds) {}
