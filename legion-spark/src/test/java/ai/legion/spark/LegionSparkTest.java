package ai.legion.spark;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.CocoRle;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.eval.grounding.GroundingScorer;
import ai.legion.eval.runner.EvalData;
import ai.legion.eval.runner.EvalInput;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.Evaluation;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.Prediction;
import ai.legion.eval.runner.PredictionSource;
import ai.legion.eval.runner.Task;
import ai.legion.models.inference.BatchItem;
import ai.legion.models.inference.LegionAnalyzer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LEGION on Spark in local mode with the committed demo model over scars-sim images made here: the per-image
 * analysis equals the single-JVM analyzer's, the metrics equal the evaluation runner's, bad images become error
 * rows, and a task that fails on its first attempt leaves complete, duplicate-free Parquet output.
 *
 * <p>{@code -Dlegion.spark.images=N} sets the scars-sim test images (default 24, CI's reduced set; the issue's
 * 200-image run is {@code -Dlegion.spark.images=200}); the detection split adds 8 real and 8 fake images.
 */
class LegionSparkTest {

    private static final int IMAGES = Integer.getInteger("legion.spark.images", 24);
    private static final int DETECT = 8;
    private static final int BATCH = 4;

    @TempDir
    static Path tmp;

    static Path sim;
    static Path model;
    static SparkSession spark;
    static LegionAnalyzer single;
    static AnalyzerLoader loader;

    @BeforeAll
    static void setUp() throws Exception {
        sim = tmp.resolve("sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(11).trainCount(0).testCount(IMAGES)
                .detectTrainCount(0).detectTestCount(DETECT).threads(1).build(), sim, true);
        model = Path.of(System.getProperty("legion.examples", "../examples")).resolve("demo-model")
                .toAbsolutePath().normalize();
        // local[2, 4]: two task slots, and a failed task is tried up to 4 times (plain local[N] never retries)
        spark = SparkSession.builder().master("local[2,4]").appName("legion-spark-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        single = LegionAnalyzer.builder().model(model).batchSize(BATCH).build();
        loader = AnalyzerLoader.of(model.toString()).withBatchSize(BATCH);
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
        if (single != null) {
            single.close();
        }
        AnalyzerLoader.closeAll();
    }

    static List<Path> pngs(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    /** Every scars-sim test and detection image, partitioned as the CLI does. */
    static Dataset<Row> images() {
        return LegionSpark.images(spark, sim.toString(), 3);
    }

    /** The Spark analysis of {@link #images()}, computed once. */
    static Dataset<Row> analyzed;
    /** The single-JVM analyzer's reports of the same images, batched as the Spark tasks batch them. */
    static Map<String, ArtifactReport> reference;

    static synchronized Dataset<Row> analyzed() {
        if (analyzed == null) {
            analyzed = LegionSpark.analyze(images(), "image", loader).cache();
        }
        return analyzed;
    }

    /**
     * The reference: {@code analyzeAll} over each partition's images in the task's order. Batched libtorch kernels
     * round differently for another batch composition (p_fake moves by ~1e-5 relative), so identical bits need
     * identical batches; the partitioning is deterministic, so the reference can form them.
     */
    static synchronized Map<String, ArtifactReport> reference() {
        if (reference == null) {
            reference = referenceOf(images());
        }
        return reference;
    }

    static Map<String, ArtifactReport> referenceOf(Dataset<Row> images) {
        Map<String, ArtifactReport> out = new HashMap<>();
        for (List<Row> part : images.javaRDD().glom().collect()) {
            List<Path> files = part.stream().map(r -> Path.of(r.getString(0))).toList();
            List<BatchItem> items = single.analyzeAll(files);
            for (int i = 0; i < files.size(); i++) {
                assertNull(items.get(i).error());
                out.put(files.get(i).toString(), items.get(i).report());
            }
        }
        return out;
    }

    @Test
    void perImageResultsEqualTheSingleJvmAnalyzer() throws Exception {
        List<Path> files = new ArrayList<>(pngs(sim.resolve("test")));
        files.addAll(pngs(sim.resolve("detect")));
        Map<String, Row> byImage = new HashMap<>();
        for (Row r : analyzed().collectAsList()) {
            assertNull(byImage.put(r.getString(r.fieldIndex("image")), r), "an image appears twice");
        }
        assertEquals(files.size(), byImage.size());
        assertEquals(IMAGES + 2 * DETECT, files.size());
        int withArtifacts = 0;
        for (Path file : files) {
            ArtifactReport want = reference().get(file.toString());
            Row got = byImage.get(file.toString());
            assertNotNull(got, file.toString());
            withArtifacts += assertSameAnalysis(want, got) ? 1 : 0;
        }
        assertTrue(withArtifacts > files.size() / 2, "the demo model finds artifacts in most images: " + withArtifacts);
        assertTrue(loader.loadMillis() > 0, "the executor (this JVM in local mode) loaded the model once");
    }

    /** Asserts that a row holds exactly the report; returns whether it has artifacts. */
    static boolean assertSameAnalysis(ArtifactReport want, Row got) {
        assertNull(got.getString(got.fieldIndex("error")));
        assertEquals(want.verdict().orElseThrow().label().name().toLowerCase(Locale.ROOT),
                got.getString(got.fieldIndex("verdict")));
        assertEquals(want.verdict().orElseThrow().pFake(), got.getDouble(got.fieldIndex("p_fake")), 0.0);
        assertEquals(want.explanationText(), got.getString(got.fieldIndex("explanation")));
        assertEquals(want.union(), CocoRle.fromCompressedString(got.getString(got.fieldIndex("mask")),
                want.imageHeight(), want.imageWidth()).decode());
        assertEquals(want.imageWidth(), got.getInt(got.fieldIndex("width")));
        assertEquals(want.imageHeight(), got.getInt(got.fieldIndex("height")));
        assertEquals(want.generatedTokens(), got.getInt(got.fieldIndex("tokens")));
        List<Row> arts = got.getList(got.fieldIndex("artifacts"));
        assertEquals(want.artifacts().size(), arts.size());
        for (int k = 0; k < arts.size(); k++) {
            Artifact a = want.artifacts().get(k);
            Row b = arts.get(k);
            assertEquals(a.index(), b.getInt(0));
            assertEquals(a.phrase(), b.getString(1));
            assertEquals(a.explanation(), b.getString(2));
            assertEquals(a.score(), b.getFloat(3), 0f);
            assertEquals(a.mask(), CocoRle.fromCompressedString(b.getString(4), want.imageHeight(),
                    want.imageWidth()).decode());
            assertEquals(a.bbox().map(x -> List.of(x.x(), x.y(), x.width(), x.height())).orElse(null),
                    b.isNullAt(5) ? null : b.getList(5));
            assertEquals(a.mask().area(), b.getLong(6));
        }
        return !arts.isEmpty();
    }

    @Test
    void binaryFileInputEqualsTheSingleJvmAnalyzer() throws Exception {
        // one partition in path order, so that the reference can form the same batches
        Dataset<Row> bytes = spark.read().format("binaryFile").load(sim.resolve("detect/test/0_real").toString())
                .repartition(1).sortWithinPartitions(col("path"));
        List<Row> got = new LegionTransformer().setLoader(loader).setInputCol("content").transform(bytes)
                .drop("content").collectAsList();
        assertEquals(DETECT, got.size());
        List<Path> files = got.stream().map(r -> ModelFiles.localPath(r.getString(r.fieldIndex("path")))).toList();
        assertEquals(pngs(sim.resolve("detect/test/0_real")), files);
        List<BatchItem> want = single.analyzeAll(files);
        for (int i = 0; i < files.size(); i++) {
            assertSameAnalysis(want.get(i).report(), got.get(i));
        }
    }

    @Test
    void unreadableImagesBecomeErrorRowsAndTheJobSucceeds() throws Exception {
        Path corrupt = tmp.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5});
        Path good = pngs(sim.resolve("test")).get(0);
        List<Row> rows = List.of(rowOf(good.toString()), rowOf(corrupt.toString()),
                rowOf(tmp.resolve("missing.png").toString()), rowOf(null));
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("image", DataTypes.StringType, true)});
        List<Row> out = LegionSpark.analyze(spark.createDataFrame(rows, schema), "image", loader).collectAsList();
        assertEquals(4, out.size());
        assertNull(out.get(0).getString(out.get(0).fieldIndex("error")));
        assertNotNull(out.get(0).getString(out.get(0).fieldIndex("verdict")));
        for (int i = 1; i < 4; i++) {
            Row r = out.get(i);
            String error = r.getString(r.fieldIndex("error"));
            assertNotNull(error, "row " + i);
            assertTrue(error.startsWith("cannot read the image"), error);
            assertTrue(r.isNullAt(r.fieldIndex("verdict")) && r.isNullAt(r.fieldIndex("mask")), "row " + i);
        }
        assertTrue(out.get(1).getString(out.get(1).fieldIndex("error")).contains(corrupt.toString()));
    }

    static Row rowOf(String s) {
        return org.apache.spark.sql.RowFactory.create(s);
    }

    /** Fails the first attempt of every task once it has passed {@code after} rows on. */
    static final class FailFirstAttempt implements FilterFunction<Row> {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger FAILURES = new AtomicInteger();
        private final int after;
        private transient int seen;

        FailFirstAttempt(int after) {
            this.after = after;
        }

        @Override
        public boolean call(Row row) {
            if (TaskContext.get().attemptNumber() == 0 && ++seen > after) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure of task " + TaskContext.get().partitionId());
            }
            return true;
        }
    }

    @Test
    void aTaskFailingOnItsFirstAttemptLeavesCompleteDuplicateFreeOutput() throws Exception {
        Path out = tmp.resolve("retried.parquet");
        FailFirstAttempt.FAILURES.set(0);
        Dataset<Row> images = LegionSpark.images(spark, sim.resolve("detect").toString(), 3);
        long partitionsOfTwoOrMore = images.javaRDD().glom().collect().stream().filter(p -> p.size() >= 2).count();
        assertTrue(partitionsOfTwoOrMore >= 2, "the images spread over the partitions");
        // uncached: the failing attempts analyze, and hand the writer a row, before they fail
        Dataset<Row> rows = LegionSpark.analyze(images, "image", loader).filter(new FailFirstAttempt(1));
        LegionSpark.write(rows, out.toString());
        assertEquals(partitionsOfTwoOrMore, FailFirstAttempt.FAILURES.get(), "the first attempts failed");
        Dataset<Row> written = spark.read().parquet(out.toString());
        assertEquals(2 * DETECT, written.count());
        assertEquals(2 * DETECT, written.select(col("image")).distinct().count());
        Map<String, ArtifactReport> want = referenceOf(images);
        for (Row r : written.collectAsList()) {
            assertSameAnalysis(want.get(r.getString(r.fieldIndex("image"))), r);
        }
        try (Stream<Path> s = Files.list(out)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().allMatch(n -> n.equals("_SUCCESS") || n.equals("._SUCCESS.crc")
                    || n.matches("\\.?part-.*\\.parquet(\\.crc)?")), "only committed files: " + names);
        }
    }

    @Test
    void localizationExplanationAndDetectionMetricsEqualTheEvalRunner() throws Exception {
        Path predictions = tmp.resolve("predictions.parquet");
        LegionSpark.write(analyzed(), predictions.toString());
        Dataset<Row> stored = spark.read().parquet(predictions.toString());
        checkAgainstRunner(stored, EnumSet.of(Task.LOCALIZATION, Task.EXPLANATION, Task.DETECTION),
                EvalData.open(sim, Task.LOCALIZATION, EvalData.Options.defaults().withSplit("test")));
        checkAgainstRunner(stored, EnumSet.of(Task.DETECTION),
                EvalData.open(sim, Task.DETECTION, EvalData.Options.defaults().withSplit("test")));
    }

    private static void checkAgainstRunner(Dataset<Row> predictions, Set<Task> tasks, EvalData data) throws Exception {
        // the runner legion eval runs, fed the single-JVM analyzer's reports as AnalyzerPredictions feeds them
        EvalResult runner = Evaluation.of(tasks).predictions(new ReferencePredictions(reference())).data(data)
                .progress(false).run();
        SparkEvaluation.Settings settings = new SparkEvaluation.Settings(tasks, 0.5, true, "demo-model");
        List<ArtifactRecord> records = data.records(0);
        Dataset<Row> results = SparkEvaluation.score(predictions, GroundTruth.of(spark, records), settings,
                SparkEvaluation.grounding(data, records)).cache();
        EvalSummary want = runner.summary();
        EvalSummary got = SparkEvaluation.summary(results, settings);
        assertEquals(want.images(), got.images());
        assertEquals(0, got.failed());
        assertEquals(want.localization(), got.localization());
        assertEquals(want.emptyMask(), got.emptyMask());
        assertEquals(want.explanation(), got.explanation());
        assertEquals(want.detection(), got.detection());
        assertEquals(want.grounding(), got.grounding());
        List<ImageResult> perImage = SparkEvaluation.imageResults(results, settings);
        assertSameResults(runner.results(), perImage);
        SparkEvaluation.Summary agg = SparkEvaluation.aggregate(results, 0.5);
        assertEquals(want.images(), agg.images());
        assertEquals(0, agg.failed());
        if (tasks.contains(Task.LOCALIZATION)) {
            assertEquals(want.localization().all().count(), agg.localized());
            assertSame(want.localization().all().miou(), agg.miou());
            assertSame(want.localization().all().f1(), agg.f1());
            assertSame(want.localization().all().iou(), agg.iou());
            assertSame(want.localization().all().ciou(), agg.ciou());
            assertSame(want.explanation().rougeL(), agg.rougeL());
        }
        assertSame(want.detection().pooled().accuracy(), agg.accuracy());
        assertSame(want.detection().meanAccuracy(), agg.meanAccuracy());
        assertEquals(want.detection().pooled().averagePrecision(), agg.averagePrecision(), 0.0);
        assertEquals(want.detection().pooled().count(), agg.detected());
    }

    private static void assertSameResults(List<ImageResult> want, List<ImageResult> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            ImageResult a = want.get(i);
            ImageResult b = got.get(i);
            assertEquals(a.id(), b.id());
            assertEquals(a.localization(), b.localization(), a.id());
            assertEquals(a.explanation(), b.explanation(), a.id());
            assertEquals(a.detection(), b.detection(), a.id());
            assertEquals(a.grounding(), b.grounding(), a.id());
        }
    }

    @Test
    void groundTruthRowsKeepTheSceneFacts() throws Exception {
        List<ArtifactRecord> records = new ArrayList<>(EvalData.open(sim, Task.LOCALIZATION,
                EvalData.Options.defaults().withSplit("test")).records(0));
        ArtifactRecord first = records.get(0);
        // a record of a dataset without scene facts (every reader but scars-sim's) keeps none
        records.add(new ArtifactRecord("plain", first.dataset(), first.image(), first.authenticity(), first.caption(),
                first.refs(), first.attributes()));
        List<Row> rows = GroundTruth.of(spark, records).orderBy(col("ord")).collectAsList();
        assertEquals(records.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            ArtifactRecord want = records.get(i);
            ArtifactRecord got = GroundTruth.record(rows.get(i));
            assertEquals(want.id(), got.id());
            assertEquals(want.caption(), got.caption());
            assertEquals(want.attributes(), got.attributes());
            assertEquals(want.refs().stream().map(r -> r.phrase() + " / " + r.explanation()).toList(),
                    got.refs().stream().map(r -> r.phrase() + " / " + r.explanation()).toList());
            assertEquals(want.facts(), got.facts(), want.id());
        }
        assertNotNull(first.facts(), "scars-sim records carry scene facts");
        assertTrue(first.facts().objects().size() >= 2 && !first.facts().refs().isEmpty(), first.facts().toString());
        assertNull(GroundTruth.record(rows.get(rows.size() - 1)).facts());
        // a table written before the facts column existed still reads, without facts
        Row old = GroundTruth.of(spark, records.subList(0, 1)).drop("facts").collectAsList().get(0);
        assertNull(GroundTruth.record(old).facts());
        assertEquals(first.refs().size(), GroundTruth.record(old).refs().size());
    }

    @Test
    void chunkedGroundingEqualsTheRunnerWithTheWholeFilesScorerWhateverTheLimit() throws Exception {
        EvalData data = EvalData.open(sim, Task.LOCALIZATION, EvalData.Options.defaults().withSplit("test"));
        int limit = IMAGES / 2;
        Set<Task> tasks = EnumSet.of(Task.EXPLANATION);
        EvalResult runner = Evaluation.of(tasks).predictions(new ReferencePredictions(reference())).data(data)
                .limit(limit).progress(false).run();
        List<ArtifactRecord> records = data.records(limit);
        GroundingScorer scorer = SparkEvaluation.grounding(data, records);
        // the whole file's vocabulary, not the limited records': a chunk must not build its own
        assertEquals(GroundingScorer.of(data.records(0)).orElseThrow().vocabulary(), scorer.vocabulary());
        assertTrue(scorer.vocabulary().size() > GroundingScorer.of(records.subList(0, 1)).orElseThrow().vocabulary()
                .size(), scorer.vocabulary().toString());
        SparkEvaluation.Settings settings = new SparkEvaluation.Settings(tasks, 0.5, true, "demo-model");
        // several partitions of a few records, so that every runner call holds only part of the records
        Dataset<Row> truth = GroundTruth.of(spark, records).repartition(4);
        Dataset<Row> results = SparkEvaluation.score(analyzed(), truth, settings, scorer).cache();
        assertTrue(results.javaRDD().getNumPartitions() >= 2, "scored in several partitions");
        EvalSummary want = runner.summary();
        EvalSummary got = SparkEvaluation.summary(results, settings);
        assertNotNull(want.grounding());
        assertEquals(limit, want.grounding().images());
        assertTrue(want.grounding().artifacts() > 0 && Double.isFinite(want.grounding().objectAccuracy()),
                "the analyzer's artifacts are matched: " + want.grounding());
        assertEquals(want.grounding(), got.grounding());
        assertEquals(want.explanation(), got.explanation());
        assertSameResults(runner.results(), SparkEvaluation.imageResults(results, settings));
    }

    /** The single-JVM reports as a prediction source, as {@code AnalyzerPredictions} turns reports into predictions. */
    record ReferencePredictions(Map<String, ArtifactReport> byImage) implements PredictionSource {
        @Override
        public String name() {
            return "demo-model";
        }

        @Override
        public boolean usesPixels() {
            return true;
        }

        @Override
        public List<Prediction> predict(List<EvalInput> inputs, Set<Task> tasks) {
            return inputs.stream().map(in -> Prediction.of(byImage.get(in.record().image().toString()))).toList();
        }
    }

    /**
     * Equal to the reports' printed precision (4 decimals of a fraction, 2 of a percentage) and to 1e-12: Spark
     * sums partitions in another order than the runner's loop, which can move the last bits of a mean.
     */
    private static void assertSame(double want, double got) {
        assertEquals(String.format(Locale.ROOT, "%.6f", want), String.format(Locale.ROOT, "%.6f", got));
        assertEquals(want, got, 1e-12);
    }
}
