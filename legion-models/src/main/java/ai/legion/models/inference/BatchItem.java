package ai.legion.models.inference;

import ai.legion.core.report.ArtifactReport;
import java.util.Optional;

/**
 * One image of a batch: its report, or why it could not be analyzed (the rest of the batch goes on).
 *
 * @param source the image's name or path
 * @param report the analysis, or {@code null} on failure
 * @param error why it failed, or {@code null}
 */
public record BatchItem(String source, ArtifactReport report, Exception error) {

    public BatchItem {
        if ((report == null) == (error == null)) {
            throw new IllegalArgumentException("a batch item has either a report or an error");
        }
    }

    public static BatchItem ok(String source, ArtifactReport report) {
        return new BatchItem(source, report, null);
    }

    public static BatchItem failed(String source, Exception error) {
        return new BatchItem(source, null, error);
    }

    /** Whether the image was analyzed. */
    public boolean succeeded() {
        return report != null;
    }

    /** The report, if any. */
    public Optional<ArtifactReport> reportIfPresent() {
        return Optional.ofNullable(report);
    }
}
