package ai.legion.data.dataset;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.util.Progress;
import ai.legion.data.ArtifactRecord;
import java.util.List;

/**
 * A DJL dataset over records (metadata only, held in memory) whose samples a sample builder makes on demand in
 * {@code get}, with a seed per sample index so that augmentations are reproducible.
 *
 * @param <B> the sample builder
 */
public abstract class SampleDataset<B> extends RandomAccessDataset {

    /** The records, in dataset order. */
    protected final List<ArtifactRecord> records;
    /** Turns a record into a sample. */
    protected final B sampleBuilder;
    private final long seed;

    protected SampleDataset(Builder<?, B> b) {
        super(b);
        this.records = List.copyOf(b.records);
        this.sampleBuilder = b.sampleBuilder;
        this.seed = b.seed;
    }

    /** The augmentation seed of the sample at {@code index}. */
    protected final long sampleSeed(long index) {
        return seed * 31 + index;
    }

    /** The records, e.g. for class-balanced sampling. */
    public List<ArtifactRecord> records() {
        return records;
    }

    @Override
    protected long availableSize() {
        return records.size();
    }

    @Override
    public void prepare(Progress progress) {
        // records are already parsed; images are decoded lazily in get()
    }

    /**
     * Builder: records and the sample builder are required.
     *
     * @param <T> the concrete builder
     * @param <B> the sample builder
     */
    public abstract static class Builder<T extends Builder<T, B>, B> extends BaseBuilder<T> {
        private List<ArtifactRecord> records;
        private B sampleBuilder;
        private long seed;

        public T records(List<ArtifactRecord> value) {
            this.records = value;
            return self();
        }

        public T sampleBuilder(B value) {
            this.sampleBuilder = value;
            return self();
        }

        /** Seed of the per-sample augmentation. */
        public T seed(long value) {
            this.seed = value;
            return self();
        }

        /** Throws unless records (non-empty) and a sample builder were given. */
        protected void requireInputs(String dataset) {
            if (records == null || records.isEmpty() || sampleBuilder == null) {
                throw new IllegalArgumentException(dataset + " needs records (non-empty) and a sample builder");
            }
        }
    }
}
