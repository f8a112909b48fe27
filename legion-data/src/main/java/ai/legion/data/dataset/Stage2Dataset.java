package ai.legion.data.dataset;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sample.SkippedRecordException;
import ai.legion.data.sample.Stage2Sample;
import ai.legion.data.sample.Stage2SampleBuilder;
import java.io.IOException;

/**
 * Stage-2 (detection) samples as a DJL dataset: data {@code [clip [3,S,S] f32]}, labels
 * {@code [label [] i64]} (DJL's stack batchifier makes {@code [B,3,S,S]} and {@code [B]}).
 */
public final class Stage2Dataset extends SampleDataset<Stage2SampleBuilder> {

    private Stage2Dataset(Builder b) {
        super(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        ArtifactRecord r = records.get((int) index);
        try {
            Stage2Sample s = sampleBuilder.build(r, sampleSeed(index));
            return new Record(new NDList(manager.create(s.clipPixels(), new Shape(3, s.clipSize(), s.clipSize()))),
                    new NDList(manager.create((long) s.label())));
        } catch (SkippedRecordException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Builder. */
    public static final class Builder extends SampleDataset.Builder<Builder, Stage2SampleBuilder> {

        @Override
        protected Builder self() {
            return this;
        }

        public Stage2Dataset build() {
            requireInputs("Stage2Dataset");
            return new Stage2Dataset(this);
        }
    }
}
