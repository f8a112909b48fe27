package ai.legion.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import ai.legion.data.dataset.SeededShuffleSampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Batches of a reproducible shuffle that can start in the middle of an epoch: epoch {@code e} is the
 * permutation of {@code (seed, e)}; {@link #position} says which epoch and batch come next, so that a
 * resumed run sees exactly the batches the interrupted one would have.
 */
public final class ResumableSampler implements Sampler {

    private final long seed;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private long epoch;
    private long startBatch;

    public ResumableSampler(long seed, int batchSize, boolean shuffle, boolean dropLast) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.seed = seed;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
    }

    /** The next {@link #sample} call yields epoch {@code epoch} from batch {@code batch} on. */
    public synchronized void position(long epoch, long batch) {
        this.epoch = epoch;
        this.startBatch = batch;
    }

    /** Batches per epoch for a dataset of {@code n}. */
    public long batchesPerEpoch(long n) {
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    @Override
    public synchronized Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long n = dataset.size();
        long[] order = shuffle ? SeededShuffleSampler.permutation(n, seed, epoch) : java.util.stream.LongStream.range(0, n)
                .toArray();
        List<List<Long>> batches = new ArrayList<>();
        for (long b = startBatch; b < batchesPerEpoch(n); b++) {
            List<Long> batch = new ArrayList<>(batchSize);
            for (long i = b * batchSize; i < Math.min(n, (b + 1) * batchSize); i++) {
                batch.add(order[(int) i]);
            }
            batches.add(batch);
        }
        epoch++;
        startBatch = 0;
        return batches.iterator();
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
