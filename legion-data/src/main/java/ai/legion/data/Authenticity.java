package ai.legion.data;

/**
 * Whether an image is real or generated, as far as a dataset says. Model class indices are a separate
 * matter (LEGION's detection head uses 1 = real, 0 = fake; see {@code DetectionHead}).
 */
public enum Authenticity {
    REAL,
    FAKE,
    /** The dataset does not say (e.g. a localization-only record). */
    UNKNOWN
}
