package ai.legion.spark;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.SceneFacts;
import ai.legion.eval.runner.EvalData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Dataset records ({@link ArtifactRecord}: SynthScars/scars-sim, LOKI, RichHF-18K, UniversalFakeDetect, as read by
 * legion-data's readers through {@link EvalData}) as a DataFrame, one row per record, and back: every field the
 * evaluation runner reads survives the round trip, so executors score a row exactly as {@code legion eval} scores
 * the record.
 *
 * <p>Columns: {@code ord} (the record's position in the reader's order, which {@code legion eval} reports in),
 * {@code id}, {@code dataset}, {@code image} (local path), {@code authenticity} ({@code REAL}/{@code FAKE}/
 * {@code UNKNOWN}), {@code caption}, {@code refs} (phrase, explanation and region: kind, polygons, box, heatmap file
 * and threshold), {@code attributes} (the reader's extra labels), {@code facts} (the scene's objects: type, colour,
 * name; per ref its object, object name, kind and category; null for datasets without scene facts, every one but
 * scars-sim).
 */
public final class GroundTruth {

    private static final StructType REGION = new StructType(new StructField[] {
        DataTypes.createStructField("kind", DataTypes.StringType, false),
        DataTypes.createStructField("polygons", DataTypes.createArrayType(
                DataTypes.createArrayType(DataTypes.DoubleType, false), false), true),
        DataTypes.createStructField("box", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
        DataTypes.createStructField("heatmap", DataTypes.StringType, true),
        DataTypes.createStructField("threshold", DataTypes.IntegerType, true)});

    private static final StructType REF = new StructType(new StructField[] {
        DataTypes.createStructField("phrase", DataTypes.StringType, false),
        DataTypes.createStructField("explanation", DataTypes.StringType, false),
        DataTypes.createStructField("region", REGION, false)});

    private static final StructType OBJECT = new StructType(new StructField[] {
        DataTypes.createStructField("type", DataTypes.StringType, false),
        DataTypes.createStructField("colour", DataTypes.StringType, false),
        DataTypes.createStructField("name", DataTypes.StringType, false)});

    private static final StructType REF_FACTS = new StructType(new StructField[] {
        DataTypes.createStructField("object", DataTypes.StringType, false),
        DataTypes.createStructField("object_name", DataTypes.StringType, false),
        DataTypes.createStructField("kind", DataTypes.StringType, false),
        DataTypes.createStructField("category", DataTypes.StringType, false)});

    private static final StructType FACTS = new StructType(new StructField[] {
        DataTypes.createStructField("objects", DataTypes.createArrayType(OBJECT, false), false),
        DataTypes.createStructField("refs", DataTypes.createArrayType(REF_FACTS, false), false)});

    /** The schema of a ground-truth DataFrame. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("ord", DataTypes.LongType, false),
        DataTypes.createStructField("id", DataTypes.StringType, false),
        DataTypes.createStructField("dataset", DataTypes.StringType, false),
        DataTypes.createStructField("image", DataTypes.StringType, false),
        DataTypes.createStructField("authenticity", DataTypes.StringType, false),
        DataTypes.createStructField("caption", DataTypes.StringType, false),
        DataTypes.createStructField("refs", DataTypes.createArrayType(REF, false), false),
        DataTypes.createStructField("attributes", DataTypes.createMapType(DataTypes.StringType,
                DataTypes.StringType, false), false),
        DataTypes.createStructField("facts", FACTS, true)});

    private GroundTruth() {
    }

    /**
     * The first {@code limit} records of a dataset ({@code <= 0}: all) as a DataFrame.
     *
     * @throws DatasetException when the dataset cannot be read or holds no record
     */
    public static Dataset<Row> of(SparkSession spark, EvalData data, int limit) throws DatasetException {
        return of(spark, data.records(limit));
    }

    /** Records, in order, as a DataFrame. */
    public static Dataset<Row> of(SparkSession spark, List<ArtifactRecord> records) {
        List<Row> rows = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            rows.add(row(i, records.get(i)));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    /** One record as a row of {@link #SCHEMA}. */
    static Row row(long ord, ArtifactRecord r) {
        Row[] refs = new Row[r.refs().size()];
        for (int k = 0; k < refs.length; k++) {
            Ref ref = r.refs().get(k);
            refs[k] = RowFactory.create(ref.phrase(), ref.explanation(), region(ref.region()));
        }
        return RowFactory.create(ord, r.id(), r.dataset(), r.image().toString(), r.authenticity().name(),
                r.caption(), refs, scala.jdk.javaapi.CollectionConverters.asScala(r.attributes()), facts(r.facts()));
    }

    private static Row facts(SceneFacts f) {
        if (f == null) {
            return null;
        }
        Row[] objects = f.objects().stream().map(o -> RowFactory.create(o.type(), o.colour(), o.name()))
                .toArray(Row[]::new);
        Row[] refs = f.refs().stream().map(x -> RowFactory.create(x.object(), x.objectName(), x.kind(), x.category()))
                .toArray(Row[]::new);
        return RowFactory.create(objects, refs);
    }

    private static Row region(Region region) {
        if (region instanceof Region.Polygons p) {
            Double[][] polys = new Double[p.polygons().size()][];
            for (int i = 0; i < polys.length; i++) {
                polys[i] = boxed(p.polygons().get(i));
            }
            return RowFactory.create("polygons", polys, null, null, null);
        }
        if (region instanceof Region.Box b) {
            return RowFactory.create("box", null, boxed(new double[] {b.x(), b.y(), b.width(), b.height()}), null,
                    null);
        }
        if (region instanceof Region.Heatmap h) {
            return RowFactory.create("heatmap", null, null, h.file().toString(), h.threshold());
        }
        return RowFactory.create("none", null, null, null, null);
    }

    /**
     * The record of a row that has the columns of {@link #SCHEMA} (any order, other columns ignored; a row
     * without the {@code facts} column, as tables written before it existed, has no scene facts).
     *
     * @throws IllegalArgumentException naming the record when a region kind is unknown
     */
    public static ArtifactRecord record(Row row) {
        List<Row> refRows = row.getList(row.fieldIndex("refs"));
        List<Ref> refs = new ArrayList<>(refRows.size());
        String id = row.getString(row.fieldIndex("id"));
        for (Row ref : refRows) {
            refs.add(new Ref(ref.getString(0), ref.getString(1), region(ref.getStruct(2), id)));
        }
        Map<String, String> attributes = new LinkedHashMap<>(row.getJavaMap(row.fieldIndex("attributes")));
        return new ArtifactRecord(id, row.getString(row.fieldIndex("dataset")),
                Path.of(row.getString(row.fieldIndex("image"))),
                Authenticity.valueOf(row.getString(row.fieldIndex("authenticity"))),
                row.getString(row.fieldIndex("caption")), refs, attributes, facts(row));
    }

    private static SceneFacts facts(Row row) {
        int i = row.schema() == null ? -1 : row.schema().getFieldIndex("facts").getOrElse(() -> -1);
        if (i < 0 || row.isNullAt(i)) {
            return null;
        }
        Row f = row.getStruct(i);
        List<SceneFacts.SceneObject> objects = new ArrayList<>();
        for (Row o : f.<Row>getList(0)) {
            objects.add(new SceneFacts.SceneObject(o.getString(0), o.getString(1), o.getString(2)));
        }
        List<SceneFacts.RefFacts> refs = new ArrayList<>();
        for (Row x : f.<Row>getList(1)) {
            refs.add(new SceneFacts.RefFacts(x.getString(0), x.getString(1), x.getString(2), x.getString(3)));
        }
        return new SceneFacts(objects, refs);
    }

    private static Region region(Row r, String id) {
        String kind = r.getString(0);
        return switch (kind) {
            case "polygons" -> {
                List<double[]> polys = new ArrayList<>();
                for (Object p : r.getList(1)) {
                    polys.add(unboxed(scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) p)));
                }
                yield new Region.Polygons(polys);
            }
            case "box" -> {
                double[] b = unboxed(r.getList(2));
                yield new Region.Box(b[0], b[1], b[2], b[3]);
            }
            case "heatmap" -> new Region.Heatmap(Path.of(r.getString(3)), r.getInt(4));
            case "none" -> new Region.None();
            default -> throw new IllegalArgumentException("record " + id + ": unknown region kind '" + kind
                    + "' (expected polygons, box, heatmap or none)");
        };
    }

    private static Double[] boxed(double[] a) {
        Double[] out = new Double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private static double[] unboxed(List<?> a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) a.get(i)).doubleValue();
        }
        return out;
    }
}
