package ai.legion.data.dataset;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sample.SkippedRecordException;
import ai.legion.data.sample.Stage2Sample;
import ai.legion.data.sample.Stage2SampleBuilder;
import java.io.IOException;
import java.util.List;

/**
 * Stage-2 (detection) samples as a DJL dataset: data {@code [clip [3,S,S] f32]}, labels
 * {@code [label [] i64]} (DJL's stack batchifier makes {@code [B,3,S,S]} and {@code [B]}).
 */
public final class Stage2Dataset extends RandomAccessDataset {

    private final List<ArtifactRecord> records;
    private final Stage2SampleBuilder builder;
    private final long seed;

    private Stage2Dataset(Builder b) {
        super(b);
        this.records = List.copyOf(b.records);
        this.builder = b.sampleBuilder;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        ArtifactRecord r = records.get((int) index);
        try {
            Stage2Sample s = builder.build(r, seed * 31 + index);
            return new Record(new NDList(manager.create(s.clipPixels(), new Shape(3, s.clipSize(), s.clipSize()))),
                    new NDList(manager.create((long) s.label())));
        } catch (SkippedRecordException e) {
            throw new IOException(e.getMessage(), e);
        }
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
        // nothing to download or index
    }

    /** Builder. */
    public static final class Builder extends BaseBuilder<Builder> {
        private List<ArtifactRecord> records;
        private Stage2SampleBuilder sampleBuilder;
        private long seed;

        public Builder records(List<ArtifactRecord> records) {
            this.records = records;
            return this;
        }

        public Builder sampleBuilder(Stage2SampleBuilder b) {
            this.sampleBuilder = b;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Stage2Dataset build() {
            if (records == null || records.isEmpty() || sampleBuilder == null) {
                throw new IllegalArgumentException("Stage2Dataset needs records (non-empty) and a sample builder");
            }
            return new Stage2Dataset(this);
        }
    }
}
