package ai.legion.eval.runner;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.CocoRle;
import ai.legion.core.text.RougeL;
import ai.legion.eval.grounding.ImageGrounding;
import ai.legion.eval.metrics.LocalizationMetrics;
import ai.legion.eval.metrics.MaskCounts;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one image in an evaluation run: one line of the results file ({@link ResultsFile}, schema in
 * docs/EVAL.md). Parts that a run did not score are {@code null}.
 *
 * @param id the record id (the resume key)
 * @param image the image file
 * @param dataset the reader's dataset name
 * @param source the prediction source's name
 * @param perturbation the perturbation's spec token ({@code clean} when none)
 * @param groups group keys of the image (content type, artifact type) for per-group tables
 * @param error why the image could not be scored, or {@code null}
 * @param width image width (0 when it could not be read)
 * @param height image height
 * @param localization mask scores, or {@code null}
 * @param explanation text scores, or {@code null}
 * @param detection the detection score, or {@code null}
 * @param generatedTokens tokens the model generated (0 when unknown)
 * @param millis time the source spent on the image (0 when unknown)
 * @param grounding object/kind/hallucination scores when the record carries scene facts (scars-sim), or
 *     {@code null}
 */
public record ImageResult(String id, String image, String dataset, String source, String perturbation,
        Map<String, String> groups, String error, int width, int height, Localization localization,
        Explanation explanation, Detection detection, int generatedTokens, double millis, ImageGrounding grounding) {

    /** Copies the groups. */
    public ImageResult {
        Objects.requireNonNull(id, "id");
        groups = groups == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    /** A result without grounding scores. */
    public ImageResult(String id, String image, String dataset, String source, String perturbation,
            Map<String, String> groups, String error, int width, int height, Localization localization,
            Explanation explanation, Detection detection, int generatedTokens, double millis) {
        this(id, image, dataset, source, perturbation, groups, error, width, height, localization, explanation,
                detection, generatedTokens, millis, null);
    }

    /** Whether the image was scored. */
    public boolean ok() {
        return error == null;
    }

    /**
     * Localization of one image: pixel counts, and both masks (at the ground truth's size) as COCO RLE
     * compressed strings so that reports can draw them without rerunning anything.
     *
     * @param counts the pixel counts every metric derives from
     * @param predictionRle the scored prediction, resized to the ground truth
     * @param groundTruthRle the ground truth
     */
    public record Localization(MaskCounts counts, String predictionRle, String groundTruthRle) {

        /** From the two masks (the prediction resized to the ground truth first). */
        public static Localization of(BinaryMask prediction, BinaryMask groundTruth) {
            BinaryMask p = ai.legion.eval.metrics.MaskResize.toSizeOf(prediction, groundTruth);
            return new Localization(MaskCounts.of(p, groundTruth), CocoRle.encode(p).toCompressedString(),
                    CocoRle.encode(groundTruth).toCompressedString());
        }

        /** LEGION's per-image mIoU (background and foreground). */
        public double miou() {
            return LocalizationMetrics.miou(counts);
        }

        /** Pixel F1 of the foreground. */
        public double f1() {
            return LocalizationMetrics.f1(counts);
        }

        /** Foreground {@code I/U} (0 for empty unions). */
        public double iou() {
            return LocalizationMetrics.iou(counts);
        }

        /** The predicted mask ({@code height x width}). */
        public BinaryMask prediction(int height, int width) {
            return CocoRle.fromCompressedString(predictionRle, height, width).decode();
        }

        /** The ground-truth mask ({@code height x width}). */
        public BinaryMask groundTruth(int height, int width) {
            return CocoRle.fromCompressedString(groundTruthRle, height, width).decode();
        }
    }

    /**
     * Explanation of one image.
     *
     * @param prediction the predicted text (whitespace collapsed)
     * @param reference the reference text (whitespace collapsed, see {@link ReferenceText})
     * @param rougeL ROUGE-L precision, recall and F-measure
     * @param css the CSS ×100 when a sentence encoder was given, else {@code null}
     */
    public record Explanation(String prediction, String reference, RougeL.Score rougeL, Double css) {

        /** The same with a CSS value. */
        public Explanation withCss(Double value) {
            return new Explanation(prediction, reference, rougeL, value);
        }
    }

    /**
     * Detection of one image.
     *
     * @param fakeProbability {@code p(fake)}
     * @param fake the label ({@code null} when the dataset does not say)
     * @param generator the generator or category the image belongs to (per-generator accuracy)
     */
    public record Detection(double fakeProbability, Boolean fake, String generator) {}

    /** The same result with another explanation part. */
    public ImageResult withExplanation(Explanation e) {
        return new ImageResult(id, image, dataset, source, perturbation, groups, error, width, height, localization, e,
                detection, generatedTokens, millis, grounding);
    }
}
