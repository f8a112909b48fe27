package ai.legion.data.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the procedural SynthScars-style generator ({@link ScarsSimGenerator}).
 *
 * <p>Every field except {@link #threads()} determines the output: the same config gives the same
 * files byte for byte, whatever the thread count. Use {@link #defaults()} or {@link #builder()}.
 *
 * @param seed master seed; image {@code i} of each stream is seeded from {@code (seed, stream, i)}
 *     (default 0)
 * @param trainCount SynthScars-layout train images, all fake with 1+ refs (default 1000)
 * @param testCount SynthScars-layout test images (default 200)
 * @param detectTrainCount detection train images per class ({@code 0_real} and {@code 1_fake} each);
 *     the fakes are the SynthScars train images first, then extra fakes (default 500)
 * @param detectTestCount detection test images per class, fakes taken from the test split first
 *     (default 200)
 * @param imageSize square image side in pixels, at least 32 (default 128)
 * @param minObjects fewest objects per scene, 1..maxObjects (default 1)
 * @param maxObjects most objects per scene, 1..4 (the layout holds two rows of two; default 4)
 * @param minArtifacts fewest artifacts per fake image, at least 1 (default 1)
 * @param maxArtifacts most artifacts per fake image (default 3)
 * @param artifactContrast 0..2: opacity of colour blotches, amplitude of noise patches, length of
 *     smears, displacement of melted areas and opacity of wrong reflections; 1 = default strength
 * @param noiseLevel standard deviation (0..255 levels) of the sensor noise added to every image,
 *     real and fake alike (default 2)
 * @param artifactAreaMin smallest area of one artifact region as a fraction of the image: pixel
 *     effects are drawn at a size drawn from {@code [min, max]}, part-level regions are enlarged
 *     around their centre up to {@code min} (default 0.035)
 * @param artifactAreaMax largest area of a pixel-effect region (default 0.10)
 * @param fingerprintStrength amplitude (0..255 levels) of the periodic generator fingerprint added to
 *     every fake image, {@code A·cos(2πx/P)·cos(2πy/P)}; 0 disables it, and then every fake image
 *     gets at least one distortion artifact instead (default 6)
 * @param fingerprintPeriod period {@code P} of the fingerprint in pixels, at least 2 (default 8, so
 *     it survives a 2× downscale and aligns with 8- and 16-pixel ViT patches)
 * @param structureWeight relative frequency of structure artifacts (default 0.45)
 * @param distortionWeight relative frequency of distortion artifacts (default 0.35)
 * @param physicsWeight relative frequency of physics artifacts (default 0.20)
 * @param templateVariants how many wording variants of each explanation (1..3) and summary (1..2)
 *     are used (default 3)
 * @param threads worker threads; does not change the output (default: available processors, at
 *     most 8)
 */
public record SimConfig(
        long seed,
        int trainCount,
        int testCount,
        int detectTrainCount,
        int detectTestCount,
        int imageSize,
        int minObjects,
        int maxObjects,
        int minArtifacts,
        int maxArtifacts,
        double artifactContrast,
        double noiseLevel,
        double artifactAreaMin,
        double artifactAreaMax,
        double fingerprintStrength,
        int fingerprintPeriod,
        double structureWeight,
        double distortionWeight,
        double physicsWeight,
        int templateVariants,
        int threads) {

    /** Validates every field; the message lists all problems by field name. */
    public SimConfig {
        List<String> bad = new ArrayList<>();
        check(bad, trainCount >= 0, "trainCount must be >= 0, got " + trainCount);
        check(bad, testCount >= 0, "testCount must be >= 0, got " + testCount);
        check(bad, detectTrainCount >= 0, "detectTrainCount must be >= 0, got " + detectTrainCount);
        check(bad, detectTestCount >= 0, "detectTestCount must be >= 0, got " + detectTestCount);
        check(bad, imageSize >= 32 && imageSize <= 4096, "imageSize must be in [32, 4096], got " + imageSize);
        check(bad, minObjects >= 1 && minObjects <= maxObjects,
                "minObjects must be in [1, maxObjects], got " + minObjects + " (maxObjects " + maxObjects + ")");
        check(bad, maxObjects >= 1 && maxObjects <= 4, "maxObjects must be in [1, 4], got " + maxObjects);
        check(bad, minArtifacts >= 1 && minArtifacts <= maxArtifacts,
                "minArtifacts must be in [1, maxArtifacts], got " + minArtifacts + " (maxArtifacts " + maxArtifacts + ")");
        check(bad, maxArtifacts >= 1 && maxArtifacts <= 6, "maxArtifacts must be in [1, 6], got " + maxArtifacts);
        check(bad, artifactContrast >= 0 && artifactContrast <= 2, "artifactContrast must be in [0, 2], got " + artifactContrast);
        check(bad, noiseLevel >= 0 && noiseLevel <= 64, "noiseLevel must be in [0, 64], got " + noiseLevel);
        check(bad, artifactAreaMin > 0 && artifactAreaMin <= artifactAreaMax,
                "artifactAreaMin must be in (0, artifactAreaMax], got " + artifactAreaMin);
        check(bad, artifactAreaMax > 0 && artifactAreaMax <= 0.5, "artifactAreaMax must be in (0, 0.5], got " + artifactAreaMax);
        check(bad, fingerprintStrength >= 0 && fingerprintStrength <= 64,
                "fingerprintStrength must be in [0, 64], got " + fingerprintStrength);
        check(bad, fingerprintPeriod >= 2 && fingerprintPeriod <= 64, "fingerprintPeriod must be in [2, 64], got " + fingerprintPeriod);
        check(bad, structureWeight >= 0 && distortionWeight >= 0 && physicsWeight >= 0
                        && structureWeight + distortionWeight + physicsWeight > 0,
                "category weights must be >= 0 with a positive sum, got " + structureWeight + "/" + distortionWeight
                        + "/" + physicsWeight);
        check(bad, templateVariants >= 1 && templateVariants <= 3, "templateVariants must be in [1, 3], got " + templateVariants);
        check(bad, threads >= 1 && threads <= 256, "threads must be in [1, 256], got " + threads);
        check(bad, !Double.isNaN(artifactContrast + noiseLevel + artifactAreaMin + artifactAreaMax + fingerprintStrength
                + structureWeight + distortionWeight + physicsWeight), "no field may be NaN");
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid SimConfig: " + String.join("; ", bad));
        }
    }

    private static void check(List<String> bad, boolean ok, String message) {
        if (!ok) {
            bad.add(message);
        }
    }

    /** The documented defaults. */
    public static SimConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed;
        b.trainCount = trainCount;
        b.testCount = testCount;
        b.detectTrainCount = detectTrainCount;
        b.detectTestCount = detectTestCount;
        b.imageSize = imageSize;
        b.minObjects = minObjects;
        b.maxObjects = maxObjects;
        b.minArtifacts = minArtifacts;
        b.maxArtifacts = maxArtifacts;
        b.artifactContrast = artifactContrast;
        b.noiseLevel = noiseLevel;
        b.artifactAreaMin = artifactAreaMin;
        b.artifactAreaMax = artifactAreaMax;
        b.fingerprintStrength = fingerprintStrength;
        b.fingerprintPeriod = fingerprintPeriod;
        b.structureWeight = structureWeight;
        b.distortionWeight = distortionWeight;
        b.physicsWeight = physicsWeight;
        b.templateVariants = templateVariants;
        b.threads = threads;
        return b;
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private long seed = 0;
        private int trainCount = 1000;
        private int testCount = 200;
        private int detectTrainCount = 500;
        private int detectTestCount = 200;
        private int imageSize = 128;
        private int minObjects = 1;
        private int maxObjects = 4;
        private int minArtifacts = 1;
        private int maxArtifacts = 3;
        private double artifactContrast = 1.0;
        private double noiseLevel = 2.0;
        private double artifactAreaMin = 0.035;
        private double artifactAreaMax = 0.10;
        private double fingerprintStrength = 6.0;
        private int fingerprintPeriod = 8;
        private double structureWeight = 0.45;
        private double distortionWeight = 0.35;
        private double physicsWeight = 0.20;
        private int templateVariants = 3;
        private int threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));

        private Builder() {
        }

        /** @see SimConfig#seed() */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** @see SimConfig#trainCount() */
        public Builder trainCount(int v) {
            trainCount = v;
            return this;
        }

        /** @see SimConfig#testCount() */
        public Builder testCount(int v) {
            testCount = v;
            return this;
        }

        /** @see SimConfig#detectTrainCount() */
        public Builder detectTrainCount(int v) {
            detectTrainCount = v;
            return this;
        }

        /** @see SimConfig#detectTestCount() */
        public Builder detectTestCount(int v) {
            detectTestCount = v;
            return this;
        }

        /** @see SimConfig#imageSize() */
        public Builder imageSize(int v) {
            imageSize = v;
            return this;
        }

        /** Sets {@link SimConfig#minObjects()} and {@link SimConfig#maxObjects()}. */
        public Builder objects(int min, int max) {
            minObjects = min;
            maxObjects = max;
            return this;
        }

        /** Sets {@link SimConfig#minArtifacts()} and {@link SimConfig#maxArtifacts()}. */
        public Builder artifacts(int min, int max) {
            minArtifacts = min;
            maxArtifacts = max;
            return this;
        }

        /** @see SimConfig#artifactContrast() */
        public Builder artifactContrast(double v) {
            artifactContrast = v;
            return this;
        }

        /** @see SimConfig#noiseLevel() */
        public Builder noiseLevel(double v) {
            noiseLevel = v;
            return this;
        }

        /** Sets {@link SimConfig#artifactAreaMin()} and {@link SimConfig#artifactAreaMax()}. */
        public Builder artifactArea(double min, double max) {
            artifactAreaMin = min;
            artifactAreaMax = max;
            return this;
        }

        /** @see SimConfig#fingerprintStrength() */
        public Builder fingerprintStrength(double v) {
            fingerprintStrength = v;
            return this;
        }

        /** @see SimConfig#fingerprintPeriod() */
        public Builder fingerprintPeriod(int v) {
            fingerprintPeriod = v;
            return this;
        }

        /** Sets the relative frequencies of structure, distortion and physics artifacts. */
        public Builder categoryWeights(double structure, double distortion, double physics) {
            structureWeight = structure;
            distortionWeight = distortion;
            physicsWeight = physics;
            return this;
        }

        /** @see SimConfig#templateVariants() */
        public Builder templateVariants(int v) {
            templateVariants = v;
            return this;
        }

        /** @see SimConfig#threads() */
        public Builder threads(int v) {
            threads = v;
            return this;
        }

        /** Validates and builds. */
        public SimConfig build() {
            return new SimConfig(seed, trainCount, testCount, detectTrainCount, detectTestCount, imageSize, minObjects,
                    maxObjects, minArtifacts, maxArtifacts, artifactContrast, noiseLevel, artifactAreaMin,
                    artifactAreaMax, fingerprintStrength, fingerprintPeriod, structureWeight, distortionWeight,
                    physicsWeight, templateVariants, threads);
        }
    }
}
