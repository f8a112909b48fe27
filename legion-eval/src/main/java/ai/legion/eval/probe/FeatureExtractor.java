package ai.legion.eval.probe;

import ai.legion.data.ArtifactRecord;
import java.io.IOException;
import java.util.List;

/**
 * Turns images into the feature vectors the {@link VisionProbe} fits: one or more kinds of features per image
 * (e.g. mean-pooled and flattened CLIP patch tokens). The seam lets the fit and its scores be tested apart from a
 * vision tower.
 */
public interface FeatureExtractor extends AutoCloseable {

    /** The names of the feature kinds, in the order {@link #extract} returns them. */
    List<String> kinds();

    /**
     * The features of some records.
     *
     * @return per kind, one row per record, in the records' order; rows of one kind have one width
     * @throws IOException when an image cannot be read (the message names it)
     */
    List<float[][]> extract(List<ArtifactRecord> records) throws IOException;

    /** Releases what the extractor holds (nothing by default). */
    @Override
    default void close() {}
}
