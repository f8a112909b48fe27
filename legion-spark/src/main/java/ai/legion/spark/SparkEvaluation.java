package ai.legion.spark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.CocoRle;
import ai.legion.core.text.RougeL;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.eval.grounding.GroundingScorer;
import ai.legion.eval.grounding.ImageGrounding;
import ai.legion.eval.metrics.DetectionMetrics;
import ai.legion.eval.metrics.MaskCounts;
import ai.legion.eval.runner.EvalData;
import ai.legion.eval.runner.EvalInput;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.Evaluation;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.Prediction;
import ai.legion.eval.runner.PredictionSource;
import ai.legion.eval.runner.ResultsFile;
import ai.legion.eval.runner.Task;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The paper's metrics over a DataFrame of predictions ({@link LegionTransformer}'s output) joined to ground truth
 * ({@link GroundTruth}), giving the numbers {@code legion eval} gives on the same data.
 *
 * <p>Two steps. {@link #score} scores each image on the executors with the evaluation runner itself
 * ({@link Evaluation} over the partition's records, fed the stored predictions), so every per-image number
 * (ground-truth rasterization, nearest-neighbour resize, mask counts, ROUGE-L, the detection label and generator,
 * and on data with scene facts the grounding scores, with one scorer built from the whole annotation file)
 * comes from the code {@code legion eval} runs. {@link #aggregate} then reduces the per-image rows with Spark
 * aggregations: means of per-image mIoU, F1, IoU and ROUGE-L (upstream's {@code total / len(dataloader)}), cIoU from
 * summed counts, accuracy at the threshold per generator and pooled; AP needs the ranking of all scores, so it is
 * computed from the collected (score, label) pairs with legion-eval's {@link DetectionMetrics}. {@link #summary}
 * collects the per-image rows in dataset order and builds the runner's own {@link EvalSummary} (per-group tables,
 * baselines) for the report.
 */
public final class SparkEvaluation {

    /**
     * The per-image result columns of {@link #score}; {@code grounding} is the results file's {@code grounding}
     * object as JSON ({@link ResultsFile#groundingToJson}, schema in docs/EVAL.md), null on data without scene
     * facts.
     */
    public static final StructType RESULTS = new StructType(new StructField[] {
        DataTypes.createStructField("ord", DataTypes.LongType, false),
        DataTypes.createStructField("id", DataTypes.StringType, false),
        DataTypes.createStructField("image", DataTypes.StringType, false),
        DataTypes.createStructField("dataset", DataTypes.StringType, false),
        DataTypes.createStructField("error", DataTypes.StringType, true),
        DataTypes.createStructField("width", DataTypes.IntegerType, false),
        DataTypes.createStructField("height", DataTypes.IntegerType, false),
        DataTypes.createStructField("groups", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType,
                false), false),
        DataTypes.createStructField("intersection", DataTypes.LongType, true),
        DataTypes.createStructField("union", DataTypes.LongType, true),
        DataTypes.createStructField("prediction_area", DataTypes.LongType, true),
        DataTypes.createStructField("ground_truth_area", DataTypes.LongType, true),
        DataTypes.createStructField("pixels", DataTypes.LongType, true),
        DataTypes.createStructField("prediction_rle", DataTypes.StringType, true),
        DataTypes.createStructField("ground_truth_rle", DataTypes.StringType, true),
        DataTypes.createStructField("miou", DataTypes.DoubleType, true),
        DataTypes.createStructField("f1", DataTypes.DoubleType, true),
        DataTypes.createStructField("iou", DataTypes.DoubleType, true),
        DataTypes.createStructField("prediction_text", DataTypes.StringType, true),
        DataTypes.createStructField("reference_text", DataTypes.StringType, true),
        DataTypes.createStructField("rouge_precision", DataTypes.DoubleType, true),
        DataTypes.createStructField("rouge_recall", DataTypes.DoubleType, true),
        DataTypes.createStructField("rouge_l", DataTypes.DoubleType, true),
        DataTypes.createStructField("p_fake", DataTypes.DoubleType, true),
        DataTypes.createStructField("fake", DataTypes.BooleanType, true),
        DataTypes.createStructField("generator", DataTypes.StringType, true),
        DataTypes.createStructField("correct", DataTypes.DoubleType, true),
        DataTypes.createStructField("tokens", DataTypes.IntegerType, false),
        DataTypes.createStructField("grounding", DataTypes.StringType, true)});

    /**
     * What to evaluate.
     *
     * @param tasks the tasks (an image lacking a part a task needs is a failed image, as in {@code legion eval})
     * @param threshold {@code p(fake)} above which an image counts as fake
     * @param stemmer whether ROUGE-L stems (rouge-score's {@code use_stemmer}, the default of {@code legion eval})
     * @param source the name recorded as the prediction source (the model folder name)
     */
    public record Settings(Set<Task> tasks, double threshold, boolean stemmer, String source) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Copies the task set. */
        public Settings {
            tasks = EnumSet.copyOf(tasks);
        }

        /** The ROUGE-L scorer. */
        public RougeL rouge() {
            return new RougeL(stemmer);
        }
    }

    /**
     * Headline metrics computed by Spark aggregations; NaN where no image counts.
     *
     * @param images images considered
     * @param failed images that could not be scored
     * @param localized images with a localization score
     * @param miou mean per-image LEGION mIoU
     * @param f1 mean per-image pixel F1
     * @param iou mean per-image foreground IoU
     * @param ciou {@code ΣI / (ΣU + 1e-10)}
     * @param explained images with an explanation score
     * @param rougeL mean ROUGE-L F-measure
     * @param detected images with a detection score and a label
     * @param accuracy pooled accuracy at the threshold
     * @param meanAccuracy unweighted mean of the generators' accuracies
     * @param averagePrecision pooled AP (fake positive)
     */
    public record Summary(long images, long failed, long localized, double miou, double f1, double iou, double ciou,
            long explained, double rougeL, long detected, double accuracy, double meanAccuracy,
            double averagePrecision) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private SparkEvaluation() {
    }

    /**
     * The grounding scorer {@code legion eval} scores {@code selected} with: built from every record of
     * {@code data} (the whole annotation file, whatever limit selected them), or null when none of {@code selected}
     * carries scene facts.
     *
     * @param selected the records evaluated, read from {@code data}
     * @throws DatasetException when the dataset cannot be read again
     */
    public static GroundingScorer grounding(EvalData data, List<ArtifactRecord> selected) throws DatasetException {
        if (selected.stream().noneMatch(r -> r.facts() != null)) {
            return null;
        }
        return GroundingScorer.of(data.records(0)).orElse(null);
    }

    /**
     * Scores each ground-truth record against its prediction (joined on the image path; a record without a
     * prediction is a failed image).
     *
     * @param predictions rows with an {@code image} column and the {@link AnalysisColumns} (unprefixed;
     *     {@code verdict} is not read, and without {@code artifacts} the predictions count as text only, as stored
     *     texts do in {@code legion eval})
     * @param groundTruth rows of {@link GroundTruth#SCHEMA}
     * @param grounding the scorer every chunk scores grounding with ({@link #grounding(EvalData, List)}; null:
     *     none); a chunk never builds one from its own records, which would give other vocabulary and kind templates
     * @return one row of {@link #RESULTS} per record
     */
    public static Dataset<Row> score(Dataset<Row> predictions, Dataset<Row> groundTruth, Settings settings,
            GroundingScorer grounding) {
        List<String> have = List.of(predictions.columns());
        for (String c : List.of("image", "mask", "explanation", "p_fake", "width", "height", "tokens", "error")) {
            if (!have.contains(c)) {
                throw new IllegalArgumentException("the predictions have no column '" + c + "' (expected the output "
                        + "of legion spark analyze: image, mask, explanation, p_fake, width, height, tokens, error)");
            }
        }
        Dataset<Row> p = predictions.select(col("image").as("_p_image"), col("mask").as("_p_mask"),
                col("explanation").as("_p_explanation"), col("p_fake").as("_p_fake"), col("width").as("_p_width"),
                col("height").as("_p_height"), col("tokens").as("_p_tokens"), col("error").as("_p_error"),
                have.contains("artifacts") ? col("artifacts").as("_p_artifacts")
                        : lit(null).cast(DataTypes.createArrayType(AnalysisColumns.ARTIFACT, false)).as("_p_artifacts"))
                .dropDuplicates("_p_image");
        Dataset<Row> joined = groundTruth.join(p, groundTruth.col("image").equalTo(p.col("_p_image")), "left_outer");
        return joined.mapPartitions(new ScorePartition(settings, grounding), Encoders.row(RESULTS));
    }

    /** Spark aggregations of per-image rows ({@link #score}'s output). */
    public static Summary aggregate(Dataset<Row> results, double threshold) {
        Column ok = col("error").isNull();
        Row r = results.agg(count(lit(1)), sum(when(ok, 0).otherwise(1)),
                count(when(ok, col("miou"))), avg(when(ok, col("miou"))), avg(when(ok, col("f1"))),
                avg(when(ok, col("iou"))), sum(when(ok, col("intersection"))), sum(when(ok, col("union"))),
                count(when(ok, col("rouge_l"))), avg(when(ok, col("rouge_l"))),
                count(when(ok.and(col("fake").isNotNull()), col("correct"))),
                avg(when(ok.and(col("fake").isNotNull()), col("correct")))).first();
        Dataset<Row> labelled = results.filter(ok.and(col("p_fake").isNotNull()).and(col("fake").isNotNull()));
        Row mean = labelled.groupBy(col("generator")).agg(avg(col("correct")).as("acc")).agg(avg(col("acc"))).first();
        List<Row> pairs = labelled.select(col("p_fake"), col("fake")).collectAsList();
        double[] scores = new double[pairs.size()];
        boolean[] fake = new boolean[pairs.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = pairs.get(i).getDouble(0);
            fake[i] = pairs.get(i).getBoolean(1);
        }
        double ap = scores.length == 0 ? Double.NaN : DetectionMetrics.averagePrecision(scores, fake);
        double ciou = r.isNullAt(6) ? Double.NaN : r.getLong(6) / (r.getLong(7) + 1e-10);
        return new Summary(r.getLong(0), r.getLong(1), r.getLong(2), nan(r, 3), nan(r, 4), nan(r, 5), ciou,
                r.getLong(8), nan(r, 9), r.getLong(10), nan(r, 11), nan(mean, 0), ap);
    }

    /**
     * The runner's summary of per-image rows, collected in dataset order: the same object {@code legion eval}
     * reports from, for the report writer.
     */
    public static EvalSummary summary(Dataset<Row> results, Settings settings) {
        return EvalSummary.of(imageResults(results, settings), settings.tasks(), settings.threshold(),
                settings.rouge());
    }

    /** Per-image rows as the runner's results, in dataset order. */
    public static List<ImageResult> imageResults(Dataset<Row> results, Settings settings) {
        List<ImageResult> out = new ArrayList<>();
        for (Row r : results.orderBy(col("ord")).collectAsList()) {
            out.add(imageResult(r, settings.source()));
        }
        return out;
    }

    private static double nan(Row r, int i) {
        return r.isNullAt(i) ? Double.NaN : ((Number) r.get(i)).doubleValue();
    }

    static ImageResult imageResult(Row r, String source) {
        ImageResult.Localization loc = null;
        if (!r.isNullAt(r.fieldIndex("intersection"))) {
            loc = new ImageResult.Localization(new MaskCounts(r.getLong(r.fieldIndex("intersection")),
                    r.getLong(r.fieldIndex("union")), r.getLong(r.fieldIndex("prediction_area")),
                    r.getLong(r.fieldIndex("ground_truth_area")), r.getLong(r.fieldIndex("pixels"))),
                    r.getString(r.fieldIndex("prediction_rle")), r.getString(r.fieldIndex("ground_truth_rle")));
        }
        ImageResult.Explanation exp = null;
        if (!r.isNullAt(r.fieldIndex("rouge_l"))) {
            exp = new ImageResult.Explanation(r.getString(r.fieldIndex("prediction_text")),
                    r.getString(r.fieldIndex("reference_text")), new RougeL.Score(
                    r.getDouble(r.fieldIndex("rouge_precision")), r.getDouble(r.fieldIndex("rouge_recall")),
                    r.getDouble(r.fieldIndex("rouge_l"))), null);
        }
        ImageResult.Detection det = null;
        if (!r.isNullAt(r.fieldIndex("p_fake"))) {
            int f = r.fieldIndex("fake");
            det = new ImageResult.Detection(r.getDouble(r.fieldIndex("p_fake")), r.isNullAt(f) ? null : r.getBoolean(f),
                    r.getString(r.fieldIndex("generator")));
        }
        return new ImageResult(r.getString(r.fieldIndex("id")), r.getString(r.fieldIndex("image")),
                r.getString(r.fieldIndex("dataset")), source, Evaluation.CLEAN,
                r.getJavaMap(r.fieldIndex("groups")), r.getString(r.fieldIndex("error")),
                r.getInt(r.fieldIndex("width")), r.getInt(r.fieldIndex("height")), loc, exp, det,
                r.getInt(r.fieldIndex("tokens")), 0, grounding(r));
    }

    private static ImageGrounding grounding(Row r) {
        int g = r.fieldIndex("grounding");
        if (r.isNullAt(g)) {
            return null;
        }
        try {
            return ResultsFile.groundingFromJson(r.getString(g));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("result " + r.getString(r.fieldIndex("id")) + ": bad grounding column: "
                    + e.getMessage(), e);
        }
    }

    /** Records per runner call: bounds the decoded masks held at once. */
    private static final int CHUNK = 64;

    /** Scores a partition in chunks with the evaluation runner. */
    private static final class ScorePartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        private final Settings settings;
        private final GroundingScorer grounding;

        ScorePartition(Settings settings, GroundingScorer grounding) {
            this.settings = settings;
            this.grounding = grounding;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            RougeL rouge = settings.rouge();
            return new Iterator<>() {
                private Iterator<Row> ready = java.util.Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    while (!ready.hasNext() && input.hasNext()) {
                        List<Row> chunk = new ArrayList<>(CHUNK);
                        while (chunk.size() < CHUNK && input.hasNext()) {
                            chunk.add(input.next());
                        }
                        ready = scoreChunk(chunk, rouge).iterator();
                    }
                    return ready.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return ready.next();
                }
            };
        }

        private List<Row> scoreChunk(List<Row> rows, RougeL rouge) {
            List<ArtifactRecord> records = new ArrayList<>(rows.size());
            Map<String, Prediction> predictions = new HashMap<>();
            Map<String, Long> ords = new HashMap<>();
            for (Row row : rows) {
                ArtifactRecord rec = GroundTruth.record(row);
                records.add(rec);
                predictions.put(rec.id(), prediction(row));
                ords.put(rec.id(), row.getLong(row.fieldIndex("ord")));
            }
            EvalResult result;
            try (StoredPredictions source = new StoredPredictions(settings.source(), predictions)) {
                result = Evaluation.of(settings.tasks()).predictions(source).data(records).rouge(rouge)
                        .grounding(grounding).threshold(settings.threshold()).progress(false).run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ai.legion.data.DatasetException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            List<Row> out = new ArrayList<>(rows.size());
            for (ImageResult r : result.results()) {
                out.add(row(ords.get(r.id()), r, settings.threshold()));
            }
            return out;
        }

        private static Prediction prediction(Row row) {
            int p = row.fieldIndex("_p_image");
            if (row.isNullAt(p)) {
                return Prediction.failed("no prediction for this image");
            }
            int e = row.fieldIndex("_p_error");
            if (!row.isNullAt(e)) {
                return Prediction.failed(row.getString(e));
            }
            int h = row.getInt(row.fieldIndex("_p_height"));
            int w = row.getInt(row.fieldIndex("_p_width"));
            int f = row.fieldIndex("_p_fake");
            return new Prediction(CocoRle.fromCompressedString(row.getString(row.fieldIndex("_p_mask")), h, w).decode(),
                    row.getString(row.fieldIndex("_p_explanation")), row.isNullAt(f) ? null : row.getDouble(f),
                    row.getInt(row.fieldIndex("_p_tokens")), 0, null, artifacts(row, h, w));
        }

        /** The {@link AnalysisColumns#ARTIFACT} structs as the analyzer's artifacts, or null when not stored. */
        private static List<Artifact> artifacts(Row row, int h, int w) {
            int a = row.fieldIndex("_p_artifacts");
            if (row.isNullAt(a)) {
                return null;
            }
            List<Artifact> out = new ArrayList<>();
            for (Row x : row.<Row>getList(a)) {
                out.add(new Artifact(x.getInt(0), x.getString(1), x.getString(2),
                        CocoRle.fromCompressedString(x.getString(4), h, w).decode(), x.getFloat(3)));
            }
            return out;
        }
    }

    /** One runner result as a row of {@link #RESULTS}. */
    private static Row row(long ord, ImageResult r, double threshold) {
        ImageResult.Localization l = r.localization();
        MaskCounts c = l == null ? null : l.counts();
        ImageResult.Explanation e = r.explanation();
        ImageResult.Detection d = r.detection();
        Double correct = null;
        if (d != null && d.fake() != null) {
            // the per-image term of legion-eval's accuracy, so the Spark mean is the runner's accuracy
            correct = DetectionMetrics.accuracy(new double[] {d.fakeProbability()}, new boolean[] {d.fake()},
                    threshold);
        }
        return RowFactory.create(ord, r.id(), r.image(), r.dataset(), r.error(), r.width(), r.height(),
                scala.jdk.javaapi.CollectionConverters.asScala(r.groups()),
                c == null ? null : c.intersection(), c == null ? null : c.union(),
                c == null ? null : c.predictionArea(), c == null ? null : c.groundTruthArea(),
                c == null ? null : c.pixels(), l == null ? null : l.predictionRle(),
                l == null ? null : l.groundTruthRle(),
                l == null ? null : l.miou(), l == null ? null : l.f1(), l == null ? null : l.iou(),
                e == null ? null : e.prediction(), e == null ? null : e.reference(),
                e == null ? null : e.rougeL().precision(), e == null ? null : e.rougeL().recall(),
                e == null ? null : e.rougeL().fmeasure(), d == null ? null : d.fakeProbability(),
                d == null ? null : d.fake(), d == null ? null : d.generator(),
                correct, r.generatedTokens(),
                r.grounding() == null ? null : ResultsFile.groundingToJson(r.grounding()));
    }

    /** Stored predictions of one chunk, keyed by record id, for the runner. */
    private record StoredPredictions(String name, Map<String, Prediction> byId) implements PredictionSource {
        @Override
        public boolean usesPixels() {
            return false;
        }

        @Override
        public int batchSize() {
            return CHUNK;
        }

        @Override
        public List<Prediction> predict(List<EvalInput> inputs, Set<Task> tasks) {
            List<Prediction> out = new ArrayList<>(inputs.size());
            for (EvalInput in : inputs) {
                out.add(byId.get(in.record().id()));
            }
            return out;
        }
    }
}
