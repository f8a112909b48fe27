package ai.legion.eval.probe;

import ai.legion.core.io.CheckpointException;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.synthscars.SynthScarsReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * A linear probe of a vision tower: from the image tokens LEGION feeds its LLM, predict which object types a
 * scars-sim scene contains. The LLM can only name what its input carries, so a tower whose probe is barely above
 * answering the majority will not teach stage 1 to name objects, whatever the run costs.
 *
 * <p>Method: the first {@code train} records of the training split and the first {@code test} of the test split
 * (file order, so a run is deterministic); targets 1/0 per object type (the annotations' {@code objects}, every
 * type seen in either split, sorted); per feature kind a {@link KernelRidge} regression, one output per type,
 * answering "present" when the score exceeds 0.5. Lambda is picked per kind from a fixed grid of factors of the
 * mean squared norm of the centred training features (so the grid does not depend on the features' scale): each
 * is fitted on the training images but the last {@code heldOut} fraction and scored on those; the factor with the
 * best mean accuracy wins (ties: the larger), and the final fit uses every training image. Nothing is random.
 *
 * <pre>{@code
 * ProbeResult r = VisionProbe.builder().clip(Path.of("examples/demo-model/clip"))
 *         .data(Path.of("target/scars-sim")).train(2000).test(200).build().run();
 * System.out.print(r.table());
 * }</pre>
 */
public final class VisionProbe {

    /** The default lambda factors. */
    public static final List<Double> DEFAULT_GRID = List.of(1e-3, 1e-2, 1e-1, 1.0, 10.0);

    private final Path clip;
    private final FeatureExtractor extractor;
    private final Path data;
    private final String trainSplit;
    private final String testSplit;
    private final int train;
    private final int test;
    private final double heldOut;
    private final List<Double> grid;

    private VisionProbe(Builder b) {
        this.clip = b.clip;
        this.extractor = b.extractor;
        this.data = Objects.requireNonNull(b.data, "data: the scars-sim dataset folder");
        if ((b.clip == null) == (b.extractor == null)) {
            throw new IllegalArgumentException("give either a CLIP folder (clip) or a feature extractor (features)");
        }
        if (b.train < 3 || b.test < 1) {
            // the lambda fit needs two images besides the held-out one
            throw new IllegalArgumentException("need at least 3 training and 1 test image, got train " + b.train
                    + ", test " + b.test);
        }
        if (!(b.heldOut > 0 && b.heldOut < 1)) {
            throw new IllegalArgumentException("heldOut must be a fraction in (0, 1), got " + b.heldOut);
        }
        if (b.grid.isEmpty() || b.grid.stream().anyMatch(g -> !(g > 0) || g.isInfinite())) {
            throw new IllegalArgumentException("the lambda grid needs positive values, got " + b.grid);
        }
        this.trainSplit = b.trainSplit;
        this.testSplit = b.testSplit;
        this.train = b.train;
        this.test = b.test;
        this.heldOut = b.heldOut;
        this.grid = List.copyOf(b.grid);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the records, extracts their features, fits and scores the probe.
     *
     * @throws DatasetException when a split cannot be read, holds too few records, or its records carry no
     *     {@code objects} (not a scars-sim dataset)
     * @throws CheckpointException when the CLIP folder cannot be loaded
     * @throws IOException when an image cannot be read
     */
    public ProbeResult run() throws DatasetException, CheckpointException, IOException {
        List<ArtifactRecord> trainRecords = records(trainSplit, train);
        List<ArtifactRecord> testRecords = records(testSplit, test);
        List<ArtifactRecord> all = new ArrayList<>(trainRecords);
        all.addAll(testRecords);
        List<float[][]> features;
        List<String> kindNames;
        if (extractor != null) {
            kindNames = extractor.kinds();
            features = extractor.extract(all);
        } else {
            try (ClipPatchFeatures clipFeatures = ClipPatchFeatures.load(clip)) {
                kindNames = clipFeatures.kinds();
                features = clipFeatures.extract(all);
            }
        }
        if (features.size() != kindNames.size()) {
            throw new IllegalStateException("the feature extractor returned " + features.size() + " kinds for "
                    + kindNames);
        }
        TreeSet<String> typeSet = new TreeSet<>();
        for (ArtifactRecord r : all) {
            typeSet.addAll(r.sceneFacts().orElseThrow().types());
        }
        List<String> types = List.copyOf(typeSet);
        double[][] y = targets(all, types);
        int n = trainRecords.size();
        int held = Math.max(1, Math.min(n - 1, (int) Math.round(heldOut * n)));
        int[] trainRows = IntStream.range(0, n).toArray();
        int[] fitRows = IntStream.range(0, n - held).toArray();
        int[] heldRows = IntStream.range(n - held, n).toArray();
        int[] testRows = IntStream.range(n, all.size()).toArray();

        List<Double> freq = new ArrayList<>();
        List<Boolean> majority = new ArrayList<>();
        List<Double> majorityAcc = new ArrayList<>();
        for (int t = 0; t < types.size(); t++) {
            double present = 0;
            for (int i : trainRows) {
                present += y[i][t];
            }
            boolean answer = present > n - present;
            double right = 0;
            for (int i : testRows) {
                right += (y[i][t] > 0.5) == answer ? 1 : 0;
            }
            freq.add(present / n);
            majority.add(answer);
            majorityAcc.add(right / testRows.length);
        }

        List<ProbeResult.Kind> kinds = new ArrayList<>();
        for (int k = 0; k < kindNames.size(); k++) {
            float[][] x = features.get(k);
            if (x.length != all.size()) {
                throw new IllegalStateException("the feature extractor returned " + x.length + " rows of "
                        + kindNames.get(k) + " for " + all.size() + " records");
            }
            kinds.add(fitKind(kindNames.get(k), x, y, fitRows, heldRows, trainRows, testRows));
        }
        String source = clip != null ? clip.toString() : extractor.getClass().getName();
        return new ProbeResult(source, data.toString(), n, held, testRows.length, types, freq, majority, majorityAcc,
                mean(majorityAcc), kinds);
    }

    private ProbeResult.Kind fitKind(String name, float[][] x, double[][] y, int[] fitRows, int[] heldRows,
            int[] trainRows, int[] testRows) {
        double[][] gram = KernelRidge.gram(x);
        double fitScale = scale(gram, fitRows, name);
        Map<String, Double> heldAcc = new LinkedHashMap<>();
        double bestFactor = Double.NaN;
        double bestAcc = -1;
        for (double g : grid) {
            KernelRidge m = KernelRidge.fit(gram, fitRows, rows(y, fitRows), g * fitScale);
            double acc = mean(accuracy(m.predict(heldRows), y, heldRows));
            heldAcc.put(String.format(Locale.ROOT, "%s", g), acc);
            // the grid ascends, so >= keeps the larger factor on a tie
            if (acc >= bestAcc) {
                bestAcc = acc;
                bestFactor = g;
            }
        }
        double lambda = bestFactor * scale(gram, trainRows, name);
        KernelRidge m = KernelRidge.fit(gram, trainRows, rows(y, trainRows), lambda);
        List<Double> acc = accuracy(m.predict(testRows), y, testRows);
        return new ProbeResult.Kind(name, x[0].length, bestFactor, lambda, heldAcc, acc, mean(acc));
    }

    private static double scale(double[][] gram, int[] rows, String name) {
        double s = KernelRidge.centredTrace(gram, rows);
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("the " + name + " features do not vary over the training images "
                    + "(mean centred squared norm " + s + "): nothing to fit");
        }
        return s;
    }

    private static double[][] targets(List<ArtifactRecord> records, List<String> types) {
        double[][] y = new double[records.size()][types.size()];
        for (int i = 0; i < records.size(); i++) {
            List<String> present = records.get(i).sceneFacts().orElseThrow().types();
            for (int t = 0; t < types.size(); t++) {
                y[i][t] = present.contains(types.get(t)) ? 1 : 0;
            }
        }
        return y;
    }

    private static double[][] rows(double[][] y, int[] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = y[rows[i]];
        }
        return out;
    }

    /** Per type, the fraction of rows whose answer (score above 0.5) matches the target. */
    static List<Double> accuracy(double[][] scores, double[][] y, int[] rows) {
        int types = y[0].length;
        List<Double> out = new ArrayList<>(types);
        for (int t = 0; t < types; t++) {
            double right = 0;
            for (int r = 0; r < rows.length; r++) {
                right += (scores[r][t] > 0.5) == (y[rows[r]][t] > 0.5) ? 1 : 0;
            }
            out.add(right / rows.length);
        }
        return out;
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private List<ArtifactRecord> records(String split, int count) throws DatasetException {
        List<ArtifactRecord> out;
        Path file;
        try (SynthScarsReader r = SynthScarsReader.open(data, split)) {
            file = r.annotationFile();
            out = r.stream().limit(count).toList();
        }
        if (out.size() < count) {
            throw new DatasetException(file, "split " + split + " has " + out.size() + " records, the probe asks for "
                    + count);
        }
        for (ArtifactRecord rec : out) {
            if (rec.sceneFacts().isEmpty()) {
                throw new DatasetException(file, "record " + rec.id() + " has no \"" + SynthScarsReader.FACT_OBJECTS
                        + "\": the probe needs a dataset that lists each scene's objects (legion data sim writes one)");
            }
        }
        return out;
    }

    /** Settings of a {@link VisionProbe}. */
    public static final class Builder {
        private Path clip;
        private FeatureExtractor extractor;
        private Path data;
        private String trainSplit = "train";
        private String testSplit = "test";
        private int train = 2000;
        private int test = 200;
        private double heldOut = 0.2;
        private List<Double> grid = DEFAULT_GRID;

        private Builder() {}

        /** The CLIP folder whose vision tower is probed (the {@code clip/} folder stage 1 takes). */
        public Builder clip(Path dir) {
            this.clip = dir;
            return this;
        }

        /** Features from another extractor instead of a CLIP folder (not closed by the probe). */
        public Builder features(FeatureExtractor extractor) {
            this.extractor = extractor;
            return this;
        }

        /** The scars-sim dataset folder ({@code legion data sim --out DIR}). */
        public Builder data(Path dir) {
            this.data = dir;
            return this;
        }

        /** The split the probe is fitted on (default {@code train}). */
        public Builder trainSplit(String split) {
            this.trainSplit = Objects.requireNonNull(split, "trainSplit");
            return this;
        }

        /** The split the probe is scored on (default {@code test}). */
        public Builder testSplit(String split) {
            this.testSplit = Objects.requireNonNull(split, "testSplit");
            return this;
        }

        /** Training images, the first of the split (default 2000). */
        public Builder train(int count) {
            this.train = count;
            return this;
        }

        /** Test images, the first of the split (default 200). */
        public Builder test(int count) {
            this.test = count;
            return this;
        }

        /** The fraction of the training images held out to pick lambda (the last ones; default 0.2). */
        public Builder heldOut(double fraction) {
            this.heldOut = fraction;
            return this;
        }

        /** The lambda factors tried, ascending (default {@link #DEFAULT_GRID}). */
        public Builder lambdaGrid(List<Double> factors) {
            this.grid = factors.stream().sorted().toList();
            return this;
        }

        /** The probe. */
        public VisionProbe build() {
            return new VisionProbe(this);
        }
    }
}
