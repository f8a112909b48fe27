package ai.legion.data.dataset;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * A reproducible shuffle: epoch {@code e} visits the indices in the Fisher-Yates permutation drawn
 * from {@code (seed, e)}. Each call of {@link #sample} is one epoch; {@link #setEpoch} resumes a run.
 * (DJL's {@code RandomSampler} cannot be seeded.)
 */
public final class SeededShuffleSampler implements Sampler.SubSampler {

    private final long seed;
    private long epoch;

    public SeededShuffleSampler(long seed) {
        this.seed = seed;
    }

    /** The permutation of {@code 0..n-1} for an epoch. */
    public static long[] permutation(long n, long seed, long epoch) {
        long[] idx = LongStream.range(0, n).toArray();
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = idx.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /** The epoch the next {@link #sample} call produces. */
    public synchronized long epoch() {
        return epoch;
    }

    /** Continue from an epoch (for resuming training). */
    public synchronized void setEpoch(long epoch) {
        this.epoch = epoch;
    }

    @Override
    public synchronized Iterator<Long> sample(RandomAccessDataset dataset) {
        long[] p = permutation(dataset.size(), seed, epoch++);
        return LongStream.of(p).boxed().iterator();
    }
}
