package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipConfig;
import ai.legion.core.config.ClipTextConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.ArtifactRecord;
import ai.legion.models.LegionModel;
import ai.legion.models.clip.ClipTextTransformer;
import ai.legion.models.nn.WeightMap;
import ai.legion.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vision pretraining on a tiny CLIP (the fixture's upstream {@code CLIPConfig}, text vocabulary widened to the
 * LEGION tokenizer): the loss is HF's {@code clip_loss}, training lowers it, a resumed run repeats the
 * uninterrupted one exactly, the text tower is causal and pools at the end token, and the written folder is the
 * frozen tower of a model created for stage 1.
 */
class ClipPretrainerTest {

    @TempDir
    static Path tmp;

    static List<ClipPretrainer.Pair> pairs;
    static LegionTokenizer tokenizer;
    static ClipConfig config;

    @BeforeAll
    static void setUp() throws Exception {
        List<ArtifactRecord> records = Stage1TrainerTest.simRecords(tmp.resolve("sim"));
        pairs = new ArrayList<>();
        for (ArtifactRecord r : records) {
            pairs.add(new ClipPretrainer.Pair(r.image(), r.caption()));
        }
        Path tiny = Fixtures.path("parity/legion_tiny");
        tokenizer = LegionTokenizer.load(tiny);
        ClipConfig upstream = ClipConfig.read(tiny.resolve("clip/config.json"));
        ClipTextConfig t = upstream.textConfig();
        config = ClipConfig.of(new ClipTextConfig(tokenizer.vocabSize(), t.hiddenSize(), t.intermediateSize(),
                t.numHiddenLayers(), t.numAttentionHeads(), t.maxPositionEmbeddings(), t.hiddenAct(), t.layerNormEps(),
                t.projectionDim(), tokenizer.padId(), tokenizer.bosId(), tokenizer.eosId()), upstream.visionConfig(),
                upstream.projectionDim());
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    static ClipPretrainer.Builder trainer() {
        return ClipPretrainer.builder().config(config).tokenizer(tokenizer).train(pairs).batchSize(4).lr(2e-3)
                .warmup(2).weightDecay(0.0).seed(3).prefetchThreads(1);
    }

    @Test
    void lossIsTheMeanOfBothCrossEntropies() {
        assertLossMatchesTheDefinition(5, 5, 1);
    }

    /** NegCLIP: K extra text rows compete in each image's softmax over texts and are nobody's target. */
    @Test
    void hardNegativesJoinOnlyTheImageToTextCrossEntropy() {
        assertLossMatchesTheDefinition(7, 4, 2);
    }

    /** A listener that throws {@code e} when step {@code step} is reported, as a kill would end the run there. */
    private static TrainListener killAt(long step, RuntimeException e) {
        return new TrainListener() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() == step) {
                    throw e;
                }
            }
        };
    }

    /** Random logits {@code [texts, n]}: the loss against the cross-entropies written out. */
    private static void assertLossMatchesTheDefinition(int texts, int n, long seed) {
        Random rnd = new Random(seed);
        float[] logits = new float[texts * n];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rnd.nextGaussian() * 3);
        }
        double expected = 0;
        for (int i = 0; i < n; i++) {
            double row = 0; // caption i over the n images
            for (int j = 0; j < n; j++) {
                row += Math.exp(logits[i * n + j]);
            }
            double col = 0; // image i over all texts, hard negatives included
            for (int t = 0; t < texts; t++) {
                col += Math.exp(logits[t * n + i]);
            }
            expected += (Math.log(row) - logits[i * n + i]) + (Math.log(col) - logits[i * n + i]);
        }
        expected /= 2 * n;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            double got = ClipPretrainer.contrastiveLoss(m.create(logits, new Shape(texts, n))).getFloat();
            assertEquals(expected, got, 1e-5);
        }
    }

    @Test
    void hardNegativesTrainResumeExactlyAndAreScoredOnHeldOutPairs() throws Exception {
        HardNegatives swaps = new HardNegatives(List.of(List.of("ball", "box", "house", "tree", "person", "car",
                "sign")));
        List<StepMetrics> full;
        ClipPretrainer.Validation v;
        try (ClipPretrainer t = trainer().hardNegatives(swaps).validate(pairs).maxSteps(8).build()) {
            full = t.fit();
            v = t.validate();
        }
        assertTrue(v.hardNegative() >= 0 && v.hardNegative() <= 1, "hard-negative accuracy " + v.hardNegative());
        try (ClipPretrainer t = trainer().validate(pairs).maxSteps(1).build()) {
            assertTrue(Double.isNaN(t.validate().hardNegative()), "no hard negatives, no figure");
        }
        Path dir = tmp.resolve("hard");
        RuntimeException killed = new RuntimeException("killed after the checkpoint of step 4");
        try (ClipPretrainer t = trainer().hardNegatives(swaps).maxSteps(8).checkpointDir(dir).checkpointEvery(4)
                .listener(killAt(5, killed)).build()) {
            assertEquals(killed, assertThrows(RuntimeException.class, t::fit));
        }
        // the negatives are drawn per (seed, epoch, pair): the resumed run draws those of the uninterrupted one
        try (ClipPretrainer t = trainer().hardNegatives(swaps).maxSteps(8).checkpointDir(dir).build().resume()) {
            assertEquals(4, t.step());
            List<StepMetrics> rest = t.fit();
            for (int i = 0; i < rest.size(); i++) {
                assertEquals(full.get(4 + i).loss(), rest.get(i).loss(), 0.0, "step " + rest.get(i).step());
            }
        }
    }

    @Test
    void trainingLowersTheLossAndResumeRepeatsIt() throws Exception {
        List<StepMetrics> full;
        double before;
        double after;
        try (ClipPretrainer t = trainer().validate(pairs).maxSteps(24).build()) {
            before = t.validate().loss();
            full = t.fit();
            after = t.validate().loss();
        }
        assertEquals(24, full.size());
        assertEquals(Math.log(4), before, 0.1, "a fresh model ranks a batch of 4 at random");
        assertTrue(after < before - 0.3, "held-in loss " + before + " -> " + after);

        Path half = tmp.resolve("half");
        Path metrics = tmp.resolve("half-metrics.jsonl");
        RuntimeException killed = new RuntimeException("killed at step 12, after the checkpoint of step 10");
        try (ClipPretrainer t = trainer().maxSteps(24).checkpointDir(half).checkpointEvery(5).metricsFile(metrics)
                .listener(killAt(12, killed)).build()) {
            assertEquals(killed, assertThrows(RuntimeException.class, t::fit));
        }
        try (ClipPretrainer t = trainer().maxSteps(24).checkpointDir(half).metricsFile(metrics).build().resume()) {
            assertEquals(10, t.step());
            List<StepMetrics> rest = t.fit();
            assertEquals(14, rest.size());
            assertEquals(24, t.step());
            // steps 11 and 12 of the killed run are written once, by the resumed run
            List<String> lines = java.nio.file.Files.readAllLines(metrics);
            assertEquals(24, lines.size());
            for (int i = 0; i < 24; i++) {
                assertTrue(lines.get(i).startsWith("{\"step\":" + (i + 1) + ","), lines.get(i));
            }
            for (int i = 0; i < rest.size(); i++) {
                assertEquals(full.get(10 + i).loss(), rest.get(i).loss(), "step " + (11 + i) + " after resume");
                assertEquals(full.get(10 + i).gradNorm(), rest.get(i).gradNorm(), "grad norm " + (11 + i));
            }
        }
    }

    @Test
    void textTowerIsCausalAndPoolsAtTheFirstEndToken() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ClipTextTransformer text = new ClipTextTransformer(config.textConfig());
            WeightMap w = new WeightMap();
            text.mapWeights("", w);
            w.initialize(m, 0.5f, 7);
            ParameterStore ps = new ParameterStore(m, false);
            int eos = config.textConfig().eosTokenId();
            int t = Math.min(6, config.textConfig().maxPositionEmbeddings());
            long[] a = new long[t];
            for (int i = 0; i < t; i++) {
                a[i] = 10 + i;
            }
            a[3] = eos;
            long[] afterEnd = a.clone();
            afterEnd[t - 1] = 42; // after the end token: invisible to it
            long[] beforeEnd = a.clone();
            beforeEnd[1] = 42;
            long[] secondEnd = a.clone();
            secondEnd[t - 1] = eos; // the first end token is the one pooled
            NDArray out = text.pooled(ps, m.create(concat(a, afterEnd, beforeEnd, secondEnd), new Shape(4, t)), false);
            float[] rows = out.toFloatArray();
            int c = config.textConfig().hiddenSize();
            float[] r0 = row(rows, 0, c);
            assertArrayEquals(r0, row(rows, 1, c), 1e-6f);
            assertArrayEquals(r0, row(rows, 3, c), 1e-6f);
            float diff = 0;
            float[] r2 = row(rows, 2, c);
            for (int i = 0; i < c; i++) {
                diff = Math.max(diff, Math.abs(r0[i] - r2[i]));
            }
            assertTrue(diff > 1e-3, "a token before the end changes the pooled feature (max diff " + diff + ")");
            long[] noEnd = new long[t];
            java.util.Arrays.fill(noEnd, 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> text.pooled(ps, m.create(noEnd, new Shape(1, t)), false));
            assertTrue(e.getMessage().contains("end-of-text id " + eos), e.getMessage());
        }
    }

    /** The supervised term: tags from the scene facts, a falling tag loss, and no head in the written folder. */
    @Test
    void tagTermLearnsTheScenesTagsAndStaysOutOfTheFolder() throws Exception {
        List<ClipPretrainer.Pair> tagged = labelled(Stage1TrainerTest.simRecords(tmp.resolve("sim")), "");
        assertTrue(tagged.get(0).labels().keySet().stream().anyMatch(t -> t.startsWith("object:")),
                tagged.get(0).labels().toString());
        assertTrue(tagged.get(0).labels().keySet().stream().anyMatch(t -> t.startsWith("kind:")),
                tagged.get(0).labels().toString());
        Path out = tmp.resolve("clip-tagged");
        List<StepMetrics> h;
        ClipPretrainer.Validation v;
        double before;
        try (ClipPretrainer t = trainer().train(tagged).validate(tagged).tagWeight(1.0).maxSteps(30).build()) {
            assertTrue(t.tags().containsAll(tagged.get(0).labels().keySet()), t.tags().toString());
            before = t.validate().tagAccuracy();
            h = t.fit();
            v = t.validate();
            t.save(out);
        }
        double first = (h.get(0).bce() + h.get(1).bce() + h.get(2).bce()) / 3;
        double last = (h.get(27).bce() + h.get(28).bce() + h.get(29).bce()) / 3;
        assertTrue(first > 0.5 && last < first - 0.1, "tag loss " + first + " -> " + last);
        for (StepMetrics m : h) {
            assertEquals(m.ce() + m.bce(), m.loss(), 1e-4, "loss = contrastive + 1.0 x tags at step " + m.step());
        }
        assertTrue(v.tagAccuracy() > before + 0.1, "held-in tag accuracy " + before + " -> " + v.tagAccuracy());
        String header = new String(java.nio.file.Files.readAllBytes(out.resolve("model.safetensors")),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(!header.contains("tag_head") && header.contains("vision_model."), "the folder is CLIP's keys only");
        assertThrows(IllegalArgumentException.class, () -> trainer().tagWeight(1.0).build(),
                "pairs without tags cannot feed the tag term");
    }

    /**
     * The tag term alone (contrastive weight 0, object tags only, as the demo tower trains): the loss is the tag
     * loss, the text tower is never run and stays as initialized, and the vision tower learns the objects.
     */
    @Test
    void objectTagsAloneTrainTheVisionTowerOnly() throws Exception {
        List<ClipPretrainer.Pair> objects = labelled(Stage1TrainerTest.simRecords(tmp.resolve("sim-objects")),
                "object:");
        List<StepMetrics> h;
        double before;
        double after;
        try (ClipPretrainer t = trainer().train(objects).validate(objects).tagWeight(1.0).contrastiveWeight(0)
                .maxSteps(30).build()) {
            assertTrue(!t.tags().isEmpty() && t.tags().stream().allMatch(x -> x.startsWith("object:")),
                    t.tags().toString());
            float[] text = t.model().textModel().getParameters().get(0).getValue().getArray().toFloatArray();
            float[] vision = t.model().visionModel().getParameters().get(0).getValue().getArray().toFloatArray();
            before = t.validate().tagAccuracy();
            h = t.fit();
            after = t.validate().tagAccuracy();
            assertArrayEquals(text, t.model().textModel().getParameters().get(0).getValue().getArray()
                    .toFloatArray(), "the text tower is not trained at contrastive weight 0");
            assertFalse(java.util.Arrays.equals(vision, t.model().visionModel().getParameters().get(0).getValue()
                    .getArray().toFloatArray()), "the vision tower is trained");
        }
        for (StepMetrics m : h) {
            assertEquals(0.0, m.ce(), "no contrastive term at step " + m.step());
            assertEquals(m.bce(), m.loss(), 1e-6, "loss = 1.0 x tags at step " + m.step());
        }
        double first = (h.get(0).bce() + h.get(1).bce() + h.get(2).bce()) / 3;
        double last = (h.get(27).bce() + h.get(28).bce() + h.get(29).bce()) / 3;
        assertTrue(first > 0.5 && last < first - 0.1, "tag loss " + first + " -> " + last);
        assertTrue(after > before + 0.1, "held-in object accuracy " + before + " -> " + after);
        assertThrows(IllegalArgumentException.class, () -> trainer().train(objects).contrastiveWeight(0).build(),
                "no term would train");
    }

    /**
     * Region labels go through the processor's geometry: a rectangle drawn on the original pixels of one patch of
     * the processed input (a square image resized, and a wide one resized and centre-cropped) labels that patch
     * present and the patches two or more columns away absent; a tag no region carries is absent everywhere; a pair
     * whose regions are unknown is unscored.
     */
    @Test
    void regionLabelsFollowTheProcessorsResizeAndCrop() throws Exception {
        int s = config.visionConfig().imageSize();
        int p = config.visionConfig().patchSize();
        int g = s / p;
        int row = g / 2;
        int col = g - 1;
        List<ClipPretrainer.Pair> pairs = new ArrayList<>();
        for (int[] hw : new int[][] {{64, 64}, {64, 96}}) {
            int h = hw[0];
            int w = hw[1];
            double scale = (double) s / Math.min(h, w);
            int resizedW = w > h ? (int) ((double) s * w / h) : s; // the processor's shortest-edge rule
            int left = (resizedW - s) / 2;
            int x0 = (int) Math.ceil((col * p + left) / scale);
            int x1 = (int) Math.floor(((col + 1) * p + left) / scale);
            int y0 = (int) Math.ceil(row * p / scale);
            int y1 = (int) Math.floor((row + 1) * p / scale);
            Path image = tmp.resolve("region-" + h + "x" + w + ".png");
            javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(w, h,
                    java.awt.image.BufferedImage.TYPE_INT_RGB), "png", image.toFile());
            ClipPretrainer.RegionMask rect = (mh, mw) -> {
                boolean[] on = new boolean[mh * mw];
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        on[y * mw + x] = true;
                    }
                }
                return ai.legion.core.report.BinaryMask.fromBooleans(on, mh, mw);
            };
            pairs.add(new ClipPretrainer.Pair(image, "a", java.util.Map.of()).withRegions(List.of(
                    new ClipPretrainer.Region(rect, java.util.Set.of("kind:smear")),
                    new ClipPretrainer.Region((mh, mw) -> ai.legion.core.report.BinaryMask.empty(mh, mw),
                            java.util.Set.of("kind:melted")))));
        }
        pairs.add(new ClipPretrainer.Pair(pairs.get(0).image(), "a"));
        pairs.add(new ClipPretrainer.Pair(pairs.get(1).image(), "a"));
        try (ClipPretrainer t = trainer().train(pairs).regionWeight(1.0).contrastiveWeight(0).build()) {
            assertEquals(List.of("kind:melted", "kind:smear"), t.regionTags());
            float[] y = t.regionTargets(0, 1, 2); // [3, P, R]
            int r = 2;
            for (int i = 0; i < 2; i++) {
                for (int q = 0; q < g * g; q++) {
                    float smear = y[(i * g * g + q) * r + 1];
                    if (q == row * g + col) {
                        assertEquals(1f, smear, "pair " + i + ": the drawn patch");
                    } else if (q % g <= col - 2) {
                        assertEquals(0f, smear, "pair " + i + ": patch " + q + " is far from the region");
                    } else {
                        assertTrue(smear != 1f, "pair " + i + ": patch " + q + " is not the drawn one");
                    }
                    assertEquals(0f, y[(i * g * g + q) * r], "pair " + i + ": an empty region labels nothing present");
                    assertEquals(-1f, y[(2 * g * g + q) * r + 1], "regions unknown: unscored");
                }
            }
        }
    }

    /**
     * The region term alone: its first loss is the balanced binary cross-entropy written out (per tag, present
     * patches weigh 1/2 and absent ones 1/2, then the mean over the labelled tags), and training raises the
     * balanced patch accuracy on the training scenes.
     */
    @Test
    void regionTermIsBalancedPerTagAndLearnsWhereArtifactsAre() throws Exception {
        List<ClipPretrainer.Pair> scenes = new ArrayList<>();
        for (ArtifactRecord rec : Stage1TrainerTest.simRecords(tmp.resolve("sim-regions"))) {
            scenes.add(new ClipPretrainer.Pair(rec.image(), rec.caption()).withRegions(TrainRunner.regions(rec,
                    List.of("artifact", "category:"))));
        }
        int n = scenes.size();
        List<StepMetrics> h;
        double expected = 0;
        double before;
        double after;
        try (ClipPretrainer t = trainer().train(scenes).validate(scenes).batchSize(n).lr(5e-3).regionWeight(1.0)
                .contrastiveWeight(0).maxSteps(40).build()) {
            List<String> tags = t.regionTags();
            assertTrue(tags.contains("artifact") && tags.stream().allMatch(x -> x.equals("artifact")
                    || x.startsWith("category:")), tags.toString());
            long[] all = java.util.stream.LongStream.range(0, n).toArray();
            float[] x = t.regionLogits(all);
            float[] y = t.regionTargets(all);
            int labelledTags = 0;
            for (int k = 0; k < tags.size(); k++) {
                double[] sum = new double[2];
                int[] count = new int[2];
                for (int e = k; e < y.length; e += tags.size()) {
                    if (y[e] >= 0) {
                        double prob = 1 / (1 + Math.exp(-x[e]));
                        int c = (int) y[e];
                        sum[c] -= c == 1 ? Math.log(prob) : Math.log(1 - prob);
                        count[c]++;
                    }
                }
                if (count[0] + count[1] > 0) {
                    expected += count[0] > 0 && count[1] > 0 ? (sum[0] / count[0] + sum[1] / count[1]) / 2
                            : (sum[0] + sum[1]) / (count[0] + count[1]);
                    labelledTags++;
                }
            }
            expected /= labelledTags;
            before = t.validate().regionAccuracy();
            h = t.fit();
            after = t.validate().regionAccuracy();
        }
        assertEquals(expected, h.get(0).region(), 1e-4, "the first step's region loss");
        for (StepMetrics m : h) {
            assertEquals(m.region(), m.loss(), 1e-6, "loss = 1.0 x regions at step " + m.step());
        }
        assertTrue(after > before + 0.1 && after > 0.7, "balanced patch accuracy " + before + " -> " + after);
    }

    /** Records labelled on every scene-fact tag starting with {@code prefix} that any of them has. */
    private static List<ClipPretrainer.Pair> labelled(List<ArtifactRecord> records, String prefix) {
        java.util.TreeSet<String> vocabulary = new java.util.TreeSet<>();
        records.forEach(r -> TrainRunner.tags(r.sceneFacts().orElseThrow()).stream().filter(t -> t.startsWith(prefix))
                .forEach(vocabulary::add));
        List<ClipPretrainer.Pair> out = new ArrayList<>();
        for (ArtifactRecord r : records) {
            out.add(ClipPretrainer.Pair.tagged(r.image(), r.caption(), TrainRunner.tags(r.sceneFacts().orElseThrow()),
                    vocabulary));
        }
        return out;
    }

    /**
     * Pairs labelled on different tags (scenes on their objects, detection images on {@code fake} only): the first
     * step's tag loss is the binary cross-entropy over the labelled (pair, tag) entries alone, a mean per tag and
     * then over the tags and both readings.
     */
    @Test
    void tagLossScoresOnlyTheLabelledEntries() throws Exception {
        List<ClipPretrainer.Pair> mixed = new ArrayList<>(labelled(Stage1TrainerTest.simRecords(tmp.resolve("sim-mix")),
                "object:").subList(0, 3));
        mixed.add(new ClipPretrainer.Pair(mixed.get(0).image(), "", java.util.Map.of("fake", true)));
        mixed.add(new ClipPretrainer.Pair(mixed.get(1).image(), "", java.util.Map.of("fake", false)));
        int n = mixed.size();
        double expected = 0;
        int entries = 0;
        int labelledTags = 0;
        List<StepMetrics> h;
        try (ClipPretrainer t = trainer().train(mixed).batchSize(n).tagWeight(1.0).contrastiveWeight(0).maxSteps(1)
                .build()) {
            List<String> tags = t.tags();
            assertTrue(tags.contains("fake") && tags.stream().anyMatch(x -> x.startsWith("object:")), tags.toString());
            float[] x = t.tagLogits(java.util.stream.LongStream.range(0, n).toArray()); // [2, n, T]
            for (int r = 0; r < 2; r++) {
                for (int k = 0; k < tags.size(); k++) {
                    double sum = 0; // per tag: the mean over the pairs labelling it
                    int count = 0;
                    for (int i = 0; i < n; i++) {
                        Boolean y = mixed.get(i).labels().get(tags.get(k));
                        if (y != null) {
                            double p = 1 / (1 + Math.exp(-x[(r * n + i) * tags.size() + k]));
                            sum -= y ? Math.log(p) : Math.log(1 - p);
                            count++;
                        }
                    }
                    if (count > 0) {
                        expected += sum / count;
                        entries += count;
                        labelledTags++;
                    }
                }
            }
            h = t.fit();
        }
        assertEquals(2 * (3 * (tagsOf(mixed) - 1) + 2), entries, "3 scenes x the object tags + 2 x fake, twice");
        assertEquals(2 * tagsOf(mixed), labelledTags, "every tag is labelled by some pair, both readings");
        assertEquals(expected / labelledTags, h.get(0).bce(), 1e-5);
    }

    private static int tagsOf(List<ClipPretrainer.Pair> pairs) {
        java.util.Set<String> all = new java.util.TreeSet<>();
        pairs.forEach(p -> all.addAll(p.labels().keySet()));
        return all.size();
    }

    @Test
    void theWrittenFolderIsStageOnesFrozenTower() throws Exception {
        Path out = tmp.resolve("clip-out");
        float[] trained;
        try (ClipPretrainer t = trainer().maxSteps(3).build()) {
            t.fit();
            t.save(out);
            trained = t.model().visionModel().embeddings().getParameters().get("position_embedding.weight")
                    .getArray().toFloatArray();
        }
        assertEquals(ClipConfig.MODEL_TYPE, ClipConfig.read(out.resolve("config.json")).modelType());
        Path tiny = Fixtures.path("parity/legion_tiny");
        try (LegionModel m = LegionModel.create(LegionConfig.read(tiny.resolve("config.json")),
                ClipConfig.read(out.resolve("config.json")).visionConfig(), SamConfig.read(
                        Fixtures.path("parity/sam/config.json")), tiny, true, Device.cpu(), 0.02f, 1)) {
            WeightMap.LoadReport r = m.loadVisionTower(out);
            assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty(), r.toString());
            float[] loaded = m.weightMap(true).parameter(LegionModel.TOWER_PREFIX
                    + "embeddings.position_embedding.weight").getArray().toFloatArray();
            assertArrayEquals(trained, loaded);
        }
    }

    private static long[] concat(long[]... rows) {
        long[] out = new long[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    private static float[] row(float[] all, int r, int c) {
        return java.util.Arrays.copyOfRange(all, r * c, (r + 1) * c);
    }
}
