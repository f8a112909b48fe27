package ai.legion.train.optim;

/** Learning rate as a function of the optimizer step (0-based). */
@FunctionalInterface
public interface LrSchedule {

    double lr(long step);

    /** A constant rate. */
    static LrSchedule constant(double lr) {
        return s -> lr;
    }

    /**
     * DeepSpeed's {@code WarmupDecayLR} as LEGION stage 1 uses it: {@code lr·s/warmup} for
     * {@code s < warmup}, then {@code lr·max(0, (total − s)/(total − warmup))}.
     */
    static LrSchedule warmupLinearDecay(double lr, long warmup, long total) {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("need 0 <= warmup < total, got warmup " + warmup + ", total " + total);
        }
        return s -> s < warmup ? lr * s / warmup : lr * Math.max(0, (double) (total - s) / (total - warmup));
    }

    /** HF's cosine schedule without warmup (stage 2): {@code 0.5·lr·(1 + cos(π·s/total))}. */
    static LrSchedule cosine(double lr, long total) {
        if (total <= 0) {
            throw new IllegalArgumentException("total steps must be positive, got " + total);
        }
        return s -> 0.5 * lr * (1 + Math.cos(Math.PI * Math.min(s, total) / total));
    }
}
