package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What both loops share: the artifact source, scorers, output folder and listener, and the checked
 * analysis and scoring steps. The fluent setters return the concrete loop ({@code T}).
 */
abstract class AbstractRefiner<T extends AbstractRefiner<T>> {

    ArtifactSource artifacts;
    final List<QualityScorer> scorers = new ArrayList<>(List.of(new ArtifactAreaScorer()));
    Path output;
    Consumer<IterationResult> listener = r -> { };

    abstract T self();

    /** The source of artifact reports: LEGION itself ({@code analyzer::analyze}), a stub, or another detector. */
    public T artifacts(ArtifactSource source) {
        this.artifacts = Objects.requireNonNull(source, "source");
        return self();
    }

    /** Adds a scorer (the default list holds {@link ArtifactAreaScorer}). */
    public T scorer(QualityScorer scorer) {
        scorers.add(Objects.requireNonNull(scorer, "scorer"));
        return self();
    }

    /** Replaces the scorers (the artifact area is always recorded as {@code artifactArea} anyway). */
    public T scorers(List<? extends QualityScorer> list) {
        scorers.clear();
        list.forEach(this::scorer);
        return self();
    }

    /** The output folder (required): {@code iteration_N/} folders and {@code summary.json}. */
    public T output(Path dir) {
        this.output = Objects.requireNonNull(dir, "dir");
        return self();
    }

    /** Called after each iteration (progress display). */
    public T onIteration(Consumer<IterationResult> l) {
        this.listener = Objects.requireNonNull(l, "listener");
        return self();
    }

    void requireCommon() {
        if (artifacts == null) {
            throw new IllegalArgumentException("analyzer(...) or artifacts(...) is required: the loop needs LEGION");
        }
        if (output == null) {
            throw new IllegalArgumentException("output(dir) is required: the folder for iterations and summary.json");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (QualityScorer s : scorers) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two scorers are named '" + s.name() + "'");
            }
        }
    }

    /** LEGION on one image, with the report checked against the image's size. */
    ArtifactReport analyze(RgbImage image, String source, int iteration) throws RefineException {
        ArtifactReport r;
        try {
            r = artifacts.analyze(image, source);
        } catch (RuntimeException e) {
            throw new RefineException("iteration " + iteration + ": LEGION failed on " + source + ": " + e, e);
        }
        if (r == null) {
            throw new RefineException("iteration " + iteration + ": the artifact source returned no report for " + source);
        }
        if (r.imageWidth() != image.width() || r.imageHeight() != image.height()) {
            throw new RefineException("iteration " + iteration + ": the report on " + source + " is for a "
                    + r.imageWidth() + "x" + r.imageHeight() + " image, the image is " + image.width() + "x"
                    + image.height());
        }
        return r;
    }

    Map<String, Double> score(ScoringInput in) throws RefineException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (QualityScorer s : scorers) {
            try {
                out.put(s.name(), s.score(in));
            } catch (RefineException e) {
                throw new RefineException("iteration " + in.iteration() + ": scorer '" + s.name() + "' failed: "
                        + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new RefineException("iteration " + in.iteration() + ": scorer '" + s.name() + "' failed: " + e, e);
            }
        }
        return out;
    }

    static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
