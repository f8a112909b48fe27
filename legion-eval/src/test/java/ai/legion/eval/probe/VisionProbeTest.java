package ai.legion.eval.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.ClipVisionConfig;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisionProbeTest {

    private static final int TRAIN = 40;
    private static final int TEST = 20;
    private static final List<String> NOUNS = List.of("ball", "box", "car", "house", "person", "sign", "tree");

    @TempDir
    static Path dir;

    private static Path sim;

    @BeforeAll
    static void generate() throws Exception {
        sim = dir.resolve("sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(11).trainCount(TRAIN).testCount(TEST)
                .detectTrainCount(0).detectTestCount(0).imageSize(64).threads(1).build(), sim, true);
    }

    /** Hand-solved: x = (0,0),(1,0),(0,1),(1,1), lambda 1, so Xc^T Xc + I = 2 I and w = Xc^T y / 2. */
    @Test
    void ridgeMatchesTheHandSolution() {
        float[][] x = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {2, 3}};
        double[][] y = {{1, 0}, {2, 0}, {3, 0}, {5, 1}};
        KernelRidge m = KernelRidge.fit(KernelRidge.gram(x), new int[] {0, 1, 2, 3}, y, 1.0);
        double[][] p = m.predict(new int[] {4, 0});
        // column 0: ybar 11/4, Xc^T y = (1.5, 2.5), w = (0.75, 1.25); column 1: ybar 1/4, w = (0.25, 0.25)
        assertEquals(2.75 + 1.5 * 0.75 + 2.5 * 1.25, p[0][0], 1e-12);
        assertEquals(7.0, p[0][0], 1e-12);
        assertEquals(1.25, p[0][1], 1e-12);
        assertEquals(1.75, p[1][0], 1e-12);
        assertEquals(0.0, p[1][1], 1e-12);
        // mean of the centred diagonal: every centred row has squared norm 0.5
        assertEquals(0.5, KernelRidge.centredTrace(KernelRidge.gram(x), new int[] {0, 1, 2, 3}), 1e-12);
    }

    /** The dual over the Gram matrix equals the primal normal equations with an unpenalized intercept. */
    @Test
    void ridgeMatchesThePrimalSolve() {
        Random rnd = new Random(5);
        int n = 30;
        int d = 6;
        float[][] x = new float[n + 4][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) rnd.nextGaussian();
            }
        }
        double[][] y = new double[n][2];
        for (double[] row : y) {
            row[0] = rnd.nextInt(2);
            row[1] = rnd.nextGaussian();
        }
        int[] fit = IntStream.range(0, n).toArray();
        double lambda = 0.7;
        double[][] p = KernelRidge.fit(KernelRidge.gram(x), fit, y, lambda).predict(new int[] {n, n + 1, n + 2, n + 3});

        double[] mu = new double[d];
        double[] ybar = new double[2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mu[j] += x[i][j] / (double) n;
            }
            ybar[0] += y[i][0] / n;
            ybar[1] += y[i][1] / n;
        }
        RealMatrix xc = new Array2DRowRealMatrix(n, d);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                xc.setEntry(i, j, x[i][j] - mu[j]);
            }
        }
        RealMatrix yc = new Array2DRowRealMatrix(n, 2);
        for (int i = 0; i < n; i++) {
            yc.setEntry(i, 0, y[i][0] - ybar[0]);
            yc.setEntry(i, 1, y[i][1] - ybar[1]);
        }
        RealMatrix a = xc.transpose().multiply(xc).add(MatrixUtils.createRealIdentityMatrix(d).scalarMultiply(lambda));
        RealMatrix w = new LUDecomposition(a).getSolver().solve(xc.transpose().multiply(yc));
        for (int r = 0; r < 4; r++) {
            for (int k = 0; k < 2; k++) {
                double expected = ybar[k];
                for (int j = 0; j < d; j++) {
                    expected += (x[n + r][j] - mu[j]) * w.getEntry(j, k);
                }
                assertEquals(expected, p[r][k], 1e-9, "row " + r + " output " + k);
            }
        }
    }

    /** Counts from the annotation files, read here without the project's reader. */
    private static List<List<String>> objectsFromJson(String split, int count) throws Exception {
        JsonNode root = new ObjectMapper().readTree(sim.resolve(split).resolve("annotations").resolve(split + ".json")
                .toFile());
        List<List<String>> out = new ArrayList<>();
        Iterator<JsonNode> it = root.elements();
        while (it.hasNext() && out.size() < count) {
            JsonNode rec = it.next().elements().next();
            List<String> types = new ArrayList<>();
            rec.path("objects").forEach(o -> types.add(o.path("type").asText()));
            out.add(types);
        }
        return out;
    }

    @Test
    void labelsAsFeaturesGiveAPerfectProbeAndTheBaselineIsCountedFromTheAnnotations() throws Exception {
        FeatureExtractor labels = new FeatureExtractor() {
            @Override
            public List<String> kinds() {
                return List.of("labels");
            }

            @Override
            public List<float[][]> extract(List<ArtifactRecord> records) {
                float[][] x = new float[records.size()][NOUNS.size()];
                for (int i = 0; i < records.size(); i++) {
                    List<String> present = records.get(i).sceneFacts().orElseThrow().types();
                    for (int t = 0; t < NOUNS.size(); t++) {
                        x[i][t] = present.contains(NOUNS.get(t)) ? 1 : 0;
                    }
                }
                return List.<float[][]>of(x);
            }
        };
        ProbeResult r = VisionProbe.builder().features(labels).data(sim).train(TRAIN).test(TEST).build().run();

        List<List<String>> train = objectsFromJson("train", TRAIN);
        List<List<String>> test = objectsFromJson("test", TEST);
        TreeSet<String> types = new TreeSet<>();
        train.forEach(types::addAll);
        test.forEach(types::addAll);
        assertEquals(List.copyOf(types), r.types());
        double sum = 0;
        for (int t = 0; t < r.types().size(); t++) {
            String type = r.types().get(t);
            long present = train.stream().filter(o -> o.contains(type)).count();
            boolean majority = present > TRAIN - present;
            long right = test.stream().filter(o -> o.contains(type) == majority).count();
            assertEquals(present / (double) TRAIN, r.trainFrequency().get(t), 1e-12, type);
            assertEquals(majority, r.majorityAnswer().get(t), type);
            assertEquals(right / (double) TEST, r.majorityAccuracy().get(t), 1e-12, type);
            sum += right / (double) TEST;
        }
        assertEquals(sum / r.types().size(), r.majorityMean(), 1e-12);
        assertTrue(r.majorityMean() < 1.0, "a baseline that is already perfect tests nothing: " + r.majorityMean());
        assertEquals(TRAIN, r.trainImages());
        assertEquals(8, r.heldOutImages());
        assertEquals(TEST, r.testImages());

        ProbeResult.Kind k = r.kind("labels");
        assertEquals(NOUNS.size(), k.width());
        for (double a : k.accuracy()) {
            assertEquals(1.0, a);
        }
        assertEquals(1.0, k.meanAccuracy());
        assertEquals(1.0, k.heldOutAccuracy().get(String.valueOf(k.lambdaFactor())));
        assertEquals(VisionProbe.DEFAULT_GRID.size(), k.heldOutAccuracy().size());
    }

    @Test
    void clipTowerGivesPatchTokensOfLayerMinusTwoAndAJsonFile() throws Exception {
        Path clip = Fixtures.path("parity/legion_tiny/clip");
        ClipVisionConfig cfg = ClipVisionConfig.read(clip.resolve("config.json"));
        int c = cfg.hiddenSize();
        int tokens = (cfg.imageSize() / cfg.patchSize()) * (cfg.imageSize() / cfg.patchSize());
        ProbeResult r = VisionProbe.builder().clip(clip).data(sim).train(TRAIN).test(TEST).build().run();
        assertEquals(List.of(ClipPatchFeatures.MEAN, ClipPatchFeatures.PATCHES),
                r.kinds().stream().map(ProbeResult.Kind::name).toList());
        assertEquals(c, r.kind(ClipPatchFeatures.MEAN).width());
        assertEquals(tokens * c, r.kind(ClipPatchFeatures.PATCHES).width());
        for (ProbeResult.Kind k : r.kinds()) {
            for (double a : k.accuracy()) {
                double right = a * TEST;
                assertEquals(Math.rint(right), right, 1e-9, k.name() + ": accuracy " + a + " of " + TEST + " images");
            }
            assertTrue(VisionProbe.DEFAULT_GRID.contains(k.lambdaFactor()), k.toString());
        }

        // the mean kind is the average of the patch tokens of the same run
        try (ClipPatchFeatures f = ClipPatchFeatures.load(clip);
                SynthScarsReader reader = SynthScarsReader.open(sim, "test")) {
            List<float[][]> x = f.extract(reader.stream().limit(3).toList());
            for (int i = 0; i < 3; i++) {
                float[] mean = new float[c];
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < c; j++) {
                        mean[j] += x.get(1)[i][t * c + j] / tokens;
                    }
                }
                assertArrayEquals(mean, x.get(0)[i], 1e-4f, "image " + i);
            }
        }

        Path out = dir.resolve("probe.json");
        r.write(out);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertEquals(r.majorityMean(), json.path("majorityMean").asDouble(), 0);
        assertEquals(r.kind(ClipPatchFeatures.PATCHES).meanAccuracy(),
                json.path("kinds").get(1).path("meanAccuracy").asDouble(), 0);
        assertTrue(r.table().contains("mean"), r.table());
    }

    @Test
    void datasetWithoutObjectsOrTooFewRecordsIsNamed() throws Exception {
        DatasetException few = assertThrows(DatasetException.class, () -> VisionProbe.builder()
                .clip(Fixtures.path("parity/legion_tiny/clip")).data(sim).train(TRAIN + 1).test(TEST).build().run());
        assertTrue(few.getMessage().contains("has " + TRAIN + " records"), few.getMessage());

        // SynthScars' own schema: no "objects"
        Path bare = dir.resolve("bare");
        for (String name : List.of("train", "test")) {
            Path split = bare.resolve(name);
            Files.createDirectories(split.resolve("annotations"));
            Files.createDirectories(split.resolve("images"));
            List<String> records = new ArrayList<>();
            for (String id : List.of("a", "b", "c")) {
                Files.copy(sim.resolve("train/images/train_000000.png"), split.resolve("images/" + id + ".png"));
                records.add("{\"" + id + "\": {\"caption\": \"x\", \"img_file_name\": \"" + id
                        + ".png\", \"refs\": []}}");
            }
            Files.writeString(split.resolve("annotations/" + name + ".json"), "[" + String.join(", ", records) + "]");
        }
        DatasetException none = assertThrows(DatasetException.class, () -> VisionProbe.builder()
                .clip(Fixtures.path("parity/legion_tiny/clip")).data(bare).train(3).test(1).build().run());
        assertTrue(none.getMessage().contains("record a has no \"objects\""), none.getMessage());
    }
}
