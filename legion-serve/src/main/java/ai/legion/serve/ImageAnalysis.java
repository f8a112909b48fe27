package ai.legion.serve;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.models.GenerationListener;
import ai.legion.models.inference.LegionAnalyzer;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * What the server runs for each accepted image. {@link #of(LegionAnalyzer)} is the usual one; an application can
 * wrap it (to add metrics, or a gate in tests) without touching the HTTP side.
 */
@FunctionalInterface
public interface ImageAnalysis {

    /**
     * Analyzes one decoded image.
     *
     * @param image the decoded upload
     * @param source the name the report carries (the upload's file name)
     * @param cancelled true once nobody waits for the result any more (the request timed out or the server
     *     stopped); a long analysis should stop early when it turns true
     * @throws CancellationException if it stopped because {@code cancelled} turned true
     */
    ArtifactReport analyze(RgbImage image, String source, BooleanSupplier cancelled);

    /**
     * The analyzer's own pipeline with its default decoding settings; it checks {@code cancelled} after every
     * generated token, so a timed-out request frees the worker within one decoding step.
     */
    static ImageAnalysis of(LegionAnalyzer analyzer) {
        return (image, source, cancelled) -> analyzer.analyze(image, source, analyzer.generationOptions(),
                GenerationListener.tokens((sequence, token) -> {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException(source + ": analysis abandoned (request timed out or "
                                + "server stopping)");
                    }
                }));
    }
}
