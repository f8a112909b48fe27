package ai.legion.eval.runner;

import ai.legion.core.image.RgbImage;
import ai.legion.data.ArtifactRecord;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One image handed to a {@link PredictionSource}: its record, the decoded (and possibly perturbed) pixels,
 * and a file that decodes to exactly those pixels (the record's own image when unperturbed, a lossless
 * temporary PNG otherwise), for sources that read files.
 *
 * @param record the dataset record
 * @param image the pixels to predict on
 * @param file a file holding exactly {@code image}
 */
public record EvalInput(ArtifactRecord record, RgbImage image, Path file) {

    /** Checks that nothing is null. */
    public EvalInput {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(file, "file");
    }
}
