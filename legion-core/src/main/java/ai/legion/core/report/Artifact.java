package ai.legion.core.report;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One artifact LEGION found: the phrase it grounded, its explanation and its mask at the original image
 * resolution.
 *
 * @param index the artifact's position in the model output, 0-based ({@code <p>} order); overlays label
 *     it {@code index + 1}
 * @param phrase the text inside {@code <p> ... </p>}, stripped
 * @param explanation the explanation that follows the phrase's {@code [SEG]} (may be empty)
 * @param mask the artifact's mask at the original resolution; empty when the phrase has no {@code [SEG]}
 *     or the decoder predicted nothing above the threshold
 * @param score the caller's confidence for the mask, in {@code [0, 1]}. The analyzer's convention is
 *     {@link #maskScore(float[], int, BinaryMask)}: the mean sigmoid probability over the mask's pixels, or,
 *     for an empty mask, the highest pixel probability of the map (then at most 0.5)
 */
public record Artifact(int index, String phrase, String explanation, BinaryMask mask, float score) {

    /** Validates the fields. */
    public Artifact {
        if (index < 0) {
            throw new IllegalArgumentException("artifact index must be >= 0, got " + index);
        }
        Objects.requireNonNull(phrase, "phrase");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(mask, "mask");
        if (!(score >= 0f && score <= 1f)) {
            throw new IllegalArgumentException("artifact " + index + " score must lie in [0, 1], got " + score);
        }
    }

    /**
     * Builds an artifact from the mask logits plane at {@code offset} of a {@code [K, H, W]} (or {@code [H, W]})
     * array: the mask is {@code logit > 0} and the score is {@link #maskScore(float[], int, BinaryMask)}.
     */
    public static Artifact fromLogits(int index, String phrase, String explanation, float[] logits, int offset,
            int height, int width) {
        BinaryMask mask = BinaryMask.fromLogits(logits, offset, height, width);
        return new Artifact(index, phrase, explanation, mask, maskScore(logits, offset, mask));
    }

    /**
     * The documented mask score: the mean of {@code sigmoid(logit)} over the pixels set in {@code mask}
     * (computed in double); when the mask is empty, the largest {@code sigmoid(logit)} of the plane (how close
     * the decoder came to predicting something). NaN logits count as probability 0.
     *
     * @param logits the mask logits; the {@code mask.height() x mask.width()} plane starts at {@code offset}
     */
    public static float maskScore(float[] logits, int offset, BinaryMask mask) {
        int n = mask.pixelCount();
        if (offset < 0 || logits.length - offset < n) {
            throw new IllegalArgumentException("logits hold " + logits.length + " values, need " + n + " from offset "
                    + offset + " for a " + mask.width() + "x" + mask.height() + " mask");
        }
        if (mask.isEmpty()) {
            double max = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, sigmoid(logits[offset + i]));
            }
            return (float) max;
        }
        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (mask.bit(i)) {
                sum += sigmoid(logits[offset + i]);
                count++;
            }
        }
        return (float) (sum / count);
    }

    private static double sigmoid(float logit) {
        if (Float.isNaN(logit)) {
            return 0;
        }
        return 1.0 / (1.0 + Math.exp(-(double) logit));
    }

    /** Whether the artifact has a non-empty mask. */
    public boolean hasMask() {
        return !mask.isEmpty();
    }

    /** The mask's bounding box, empty for an empty mask. */
    public Optional<BoundingBox> bbox() {
        return mask.bbox();
    }

    /** The share of the image the mask covers. */
    public double areaFraction() {
        return mask.areaFraction();
    }

    /**
     * One readable line, numbered as on the overlay, e.g.
     * {@code #1 "the hand": six fingers [area 3.2%, box 10,12 30x28, score 0.87]}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("#").append(index + 1).append(" \"").append(phrase).append('"');
        if (!explanation.isEmpty()) {
            sb.append(": ").append(explanation);
        }
        sb.append(String.format(Locale.ROOT, " [area %.1f%%", 100 * areaFraction()));
        bbox().ifPresent(b -> sb.append(", box ").append(b.x()).append(',').append(b.y()).append(' ')
                .append(b.width()).append('x').append(b.height()));
        return sb.append(String.format(Locale.ROOT, ", score %.2f]", score)).toString();
    }
}
