package ai.legion.core.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The result of analysing one image: what researchers and applications consume. Immutable; every mask
 * is at the original image resolution ({@code imageWidth x imageHeight}).
 *
 * @param source the input's name (upstream uses the image file name as the key of {@code explanation.json})
 * @param imageWidth original image width in pixels
 * @param imageHeight original image height in pixels
 * @param verdict the real/fake verdict, present only when the checkpoint has a detection head
 * @param summary the one-sentence summary ("I have found: ..."), or "" when the answer has none
 * @param artifacts the grounded artifacts in output order, with distinct indexes (read-only)
 * @param union the union mask, upstream's {@code mask.png}: the OR over all predicted masks. It normally
 *     equals the union of the artifact masks, but also holds masks of a {@code [SEG]} without a phrase
 * @param rawText the model output as decoded ({@code skip_special_tokens=False}), tags and {@code [SEG]} kept
 * @param explanationText the cleaned text upstream {@code infer.py} writes to {@code explanation.json}
 * @param generatedTokens how many tokens were generated (including the final {@code </s>} if emitted)
 * @param timings per-stage durations
 * @param modelId an identifier of the checkpoint that produced the report (a name, path or hash; may be "")
 * @param explanations whether the summary and artifacts were generated ({@link Explanations#SKIPPED} for an image
 *     judged REAL under the default policy, {@link Explanations#FORCED} when explanations were asked for anyway)
 */
public record ArtifactReport(String source, int imageWidth, int imageHeight, Optional<Verdict> verdict, String summary,
        List<Artifact> artifacts, BinaryMask union, String rawText, String explanationText, int generatedTokens,
        Timings timings, String modelId, Explanations explanations) {

    /** Validates sizes and indexes and copies the artifact list. */
    public ArtifactReport {
        Objects.requireNonNull(source, "source");
        if (imageWidth <= 0 || imageHeight <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + imageWidth + "x" + imageHeight);
        }
        Objects.requireNonNull(verdict, "verdict (use Optional.empty())");
        Objects.requireNonNull(summary, "summary");
        artifacts = List.copyOf(Objects.requireNonNull(artifacts, "artifacts"));
        Objects.requireNonNull(union, "union");
        Objects.requireNonNull(rawText, "rawText");
        Objects.requireNonNull(explanationText, "explanationText");
        Objects.requireNonNull(timings, "timings");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(explanations, "explanations");
        boolean real = verdict.map(v -> v.label() == Verdict.Label.REAL).orElse(false);
        if (explanations != Explanations.GENERATED && !real) {
            throw new IllegalArgumentException("explanations " + explanations.jsonName() + " applies to a REAL "
                    + "verdict, got " + verdict.map(v -> v.label().name()).orElse("no verdict"));
        }
        if (explanations == Explanations.SKIPPED && (!artifacts.isEmpty() || !summary.isEmpty())) {
            throw new IllegalArgumentException("skipped explanations leave no summary and no artifacts");
        }
        if (generatedTokens < 0) {
            throw new IllegalArgumentException("generatedTokens must be >= 0, got " + generatedTokens);
        }
        union.requireSize(imageHeight, imageWidth, "union mask vs image");
        Set<Integer> seen = new HashSet<>();
        for (Artifact a : artifacts) {
            a.mask().requireSize(imageHeight, imageWidth, "artifact " + a.index() + " mask vs image");
            if (!seen.add(a.index())) {
                throw new IllegalArgumentException("artifact index " + a.index() + " appears twice");
            }
        }
    }

    /** The share of the image covered by the union mask ({@code union area / pixels}). */
    public double artifactAreaFraction() {
        return union.areaFraction();
    }

    /** The union of the artifacts' masks only (without masks that belong to no phrase). */
    public BinaryMask artifactUnion() {
        return BinaryMask.union(imageHeight, imageWidth, artifacts.stream().map(Artifact::mask).toList());
    }

    /** The phrases in output order. */
    public List<String> phrases() {
        return artifacts.stream().map(Artifact::phrase).toList();
    }

    /** Whether the detection head judged the image fake; empty without a verdict. */
    public Optional<Boolean> isFake() {
        return verdict.map(Verdict::isFake);
    }

    /**
     * A readable summary: the source and size, the verdict, how much the artifacts cover, then one line per
     * artifact ({@link Artifact#toString()}). {@link ReportJson} writes the complete report.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(source).append(' ').append(imageWidth).append('x').append(imageHeight)
                .append(": ").append(verdict.map(Verdict::describe).orElse("no verdict")).append(", ")
                .append(artifacts.size()).append(artifacts.size() == 1 ? " artifact" : " artifacts")
                .append(String.format(Locale.ROOT, " covering %.1f%% of the image", 100 * artifactAreaFraction()));
        for (Artifact a : artifacts) {
            sb.append("\n  ").append(a);
        }
        return sb.toString();
    }

    /** A builder for an image of the given size. */
    public static Builder builder(String source, int imageWidth, int imageHeight) {
        return new Builder(source, imageWidth, imageHeight);
    }

    /**
     * Collects a report's parts. Defaults: no verdict, empty texts, no artifacts, a union that is the union
     * of the artifact masks, 0 generated tokens, {@link Timings#NONE}, model id "".
     */
    public static final class Builder {
        private final String source;
        private final int width;
        private final int height;
        private Verdict verdict;
        private String summary = "";
        private final List<Artifact> artifacts = new ArrayList<>();
        private BinaryMask union;
        private String rawText = "";
        private String explanationText = "";
        private int generatedTokens;
        private Timings timings = Timings.NONE;
        private String modelId = "";
        private Explanations explanations = Explanations.GENERATED;

        private Builder(String source, int width, int height) {
            this.source = source;
            this.width = width;
            this.height = height;
        }

        /** Sets the verdict ({@code null} for none). */
        public Builder verdict(Verdict v) {
            verdict = v;
            return this;
        }

        /** Sets the summary sentence. */
        public Builder summary(String s) {
            summary = s;
            return this;
        }

        /** Appends an artifact. */
        public Builder addArtifact(Artifact a) {
            artifacts.add(Objects.requireNonNull(a, "artifact"));
            return this;
        }

        /** Appends artifacts. */
        public Builder artifacts(List<Artifact> list) {
            list.forEach(this::addArtifact);
            return this;
        }

        /** Sets the union mask (by default the union of the artifact masks). */
        public Builder union(BinaryMask m) {
            union = m;
            return this;
        }

        /** Sets the decoded model output. */
        public Builder rawText(String s) {
            rawText = s;
            return this;
        }

        /** Sets the upstream-cleaned explanation text. */
        public Builder explanationText(String s) {
            explanationText = s;
            return this;
        }

        /** Sets the number of generated tokens. */
        public Builder generatedTokens(int n) {
            generatedTokens = n;
            return this;
        }

        /** Sets the stage timings. */
        public Builder timings(Timings t) {
            timings = t;
            return this;
        }

        /** Sets the model identifier. */
        public Builder modelId(String s) {
            modelId = s;
            return this;
        }

        /** Sets whether the explanations were generated (default {@link Explanations#GENERATED}). */
        public Builder explanations(Explanations e) {
            explanations = e;
            return this;
        }

        /** The report (validated). */
        public ArtifactReport build() {
            BinaryMask u = union != null ? union
                    : BinaryMask.union(height, width, artifacts.stream().map(Artifact::mask).toList());
            return new ArtifactReport(source, width, height, Optional.ofNullable(verdict), summary, artifacts, u,
                    rawText, explanationText, generatedTokens, timings, modelId, explanations);
        }
    }
}
