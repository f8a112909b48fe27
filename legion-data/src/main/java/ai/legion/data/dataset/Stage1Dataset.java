package ai.legion.data.dataset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.Record;
import ai.legion.core.report.BinaryMask;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sample.SkippedRecordException;
import ai.legion.data.sample.Stage1Sample;
import ai.legion.data.sample.Stage1SampleBuilder;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stage-1 samples as a DJL dataset. Records (metadata only) are held in memory; images are decoded
 * and preprocessed in {@link #get}, so multi-threaded prefetching ({@code getData(manager, executor)}
 * with {@code optPrefetchNumber}) overlaps decoding with training.
 *
 * <p>Layout of a {@link Record}: data {@code [clip [3,S,S] f32, sam [3,T,T] f32, ids [L] i64,
 * meta [5] i64 = (L, h', w', H, W)]}, labels {@code [labels [L] i64, masks [K,H,W] u8]}. Batches are
 * made by {@link Stage1Batchifier}. A record whose image cannot be read is replaced by the next one,
 * as upstream replaces unusable records (counted in {@link #replaced()}).
 */
public final class Stage1Dataset extends SampleDataset<Stage1SampleBuilder> {

    private final AtomicInteger replaced = new AtomicInteger();

    private Stage1Dataset(Builder b) {
        super(b);
    }

    /** A builder; set records and the sample builder, then sampling (see {@link #sampling}). */
    public static Builder builder() {
        return new Builder();
    }

    /** Batch sampling with a reproducible shuffle (or in order without one). */
    public static BatchSampler sampling(int batchSize, boolean shuffle, long seed, boolean dropLast) {
        return new BatchSampler(shuffle ? new SeededShuffleSampler(seed) : new ai.djl.training.dataset.SequenceSampler(),
                batchSize, dropLast);
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        int n = records.size();
        for (int attempt = 0; attempt < n; attempt++) {
            ArtifactRecord r = records.get((int) ((index + attempt) % n));
            try {
                Stage1Sample s = sampleBuilder.build(r, sampleSeed(index));
                if (attempt > 0) {
                    replaced.incrementAndGet();
                }
                return toRecord(manager, s);
            } catch (SkippedRecordException e) {
                // try the next record
            }
        }
        throw new IOException("no record of the dataset can be turned into a stage-1 sample");
    }

    /** Packs a sample into DJL arrays (see the class documentation for the layout). */
    public static Record toRecord(NDManager m, Stage1Sample s) {
        int l = s.inputIds().length;
        NDArray clip = m.create(s.clipPixels(), new Shape(3, s.clipSize(), s.clipSize()));
        NDArray sam = m.create(s.samPixels(), new Shape(3, s.samSize(), s.samSize()));
        NDArray ids = m.create(s.inputIds());
        NDArray meta = m.create(new long[] {l, s.resizedHw()[0], s.resizedHw()[1], s.originalHw()[0], s.originalHw()[1]});
        NDArray labels = m.create(s.labels());
        int h = s.originalHw()[0];
        int w = s.originalHw()[1];
        byte[] masks = new byte[s.masks().size() * h * w];
        for (int k = 0; k < s.masks().size(); k++) {
            BinaryMask mask = s.masks().get(k);
            System.arraycopy(mask.toBytes(), 0, masks, k * h * w, h * w);
        }
        NDArray maskArray = m.create(java.nio.ByteBuffer.wrap(masks), new Shape(s.masks().size(), h, w), DataType.UINT8);
        return new Record(new NDList(clip, sam, ids, meta), new NDList(labels, maskArray));
    }

    /** How many times an unusable record was replaced by the next one. */
    public int replaced() {
        return replaced.get();
    }

    /** Builder. */
    public static final class Builder extends SampleDataset.Builder<Builder, Stage1SampleBuilder> {

        @Override
        protected Builder self() {
            return this;
        }

        public Stage1Dataset build() {
            requireInputs("Stage1Dataset");
            optDataBatchifier(Stage1Batchifier.DATA);
            optLabelBatchifier(Stage1Batchifier.LABELS);
            return new Stage1Dataset(this);
        }
    }
}
