package ai.legion.spark;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BoundingBox;
import ai.legion.core.report.CocoRle;
import ai.legion.core.report.Verdict;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns the analysis appends, with an optional name prefix. Masks are COCO RLE compressed strings (the
 * {@code counts} of pycocotools' {@code encode}, column-major) at the image's size, so that a Parquet row holds a
 * mask in a few hundred bytes and {@code CocoRle.fromCompressedString(s, height, width)} restores it.
 *
 * <ul>
 *   <li>{@code verdict}: {@code fake} / {@code real} (null without a detection head or on error);</li>
 *   <li>{@code p_fake}: the detection head's {@code p(fake)};</li>
 *   <li>{@code explanation}: the cleaned answer text (upstream {@code infer.py}'s {@code explanation.json});</li>
 *   <li>{@code artifacts}: array of {@code (index, phrase, explanation, score, mask, bbox [x, y, w, h], area)};</li>
 *   <li>{@code mask}: the union of every predicted mask (upstream's {@code mask.png}), the one evaluation scores;</li>
 *   <li>{@code width}, {@code height}: the image size; {@code tokens}: tokens generated;</li>
 *   <li>{@code error}: why the row has no analysis (unreadable image, failed analysis), else null.</li>
 * </ul>
 *
 * <p>No timing column: the rows are a function of the image and the model only, so a retried task writes the
 * same bytes.
 */
public final class AnalysisColumns implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The artifact struct. */
    public static final StructType ARTIFACT = new StructType(new StructField[] {
        DataTypes.createStructField("index", DataTypes.IntegerType, false),
        DataTypes.createStructField("phrase", DataTypes.StringType, false),
        DataTypes.createStructField("explanation", DataTypes.StringType, false),
        DataTypes.createStructField("score", DataTypes.FloatType, false),
        DataTypes.createStructField("mask", DataTypes.StringType, false),
        DataTypes.createStructField("bbox", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
        DataTypes.createStructField("area", DataTypes.LongType, false)});

    private static final String[] NAMES = {"verdict", "p_fake", "explanation", "artifacts", "mask", "width", "height",
        "tokens", "error"};

    private final String prefix;

    /** Columns named {@code prefix + name}. */
    public AnalysisColumns(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
    }

    /** The column name of {@code name} (one of the names above). */
    public String name(String name) {
        return prefix + name;
    }

    /** The appended fields, in order. */
    public StructField[] fields() {
        return new StructField[] {
            DataTypes.createStructField(name("verdict"), DataTypes.StringType, true),
            DataTypes.createStructField(name("p_fake"), DataTypes.DoubleType, true),
            DataTypes.createStructField(name("explanation"), DataTypes.StringType, true),
            DataTypes.createStructField(name("artifacts"), DataTypes.createArrayType(ARTIFACT, false), true),
            DataTypes.createStructField(name("mask"), DataTypes.StringType, true),
            DataTypes.createStructField(name("width"), DataTypes.IntegerType, true),
            DataTypes.createStructField(name("height"), DataTypes.IntegerType, true),
            DataTypes.createStructField(name("tokens"), DataTypes.IntegerType, true),
            DataTypes.createStructField(name("error"), DataTypes.StringType, true)};
    }

    /**
     * {@code input} with the analysis columns appended.
     *
     * @throws IllegalArgumentException if a column of that name already exists
     */
    public StructType appendTo(StructType input) {
        StructType out = input;
        for (StructField f : fields()) {
            if (List.of(input.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("the input already has a column " + f.name() + ": choose another "
                        + "output prefix");
            }
            out = out.add(f);
        }
        return out;
    }

    /** The values of a report, in {@link #fields()} order. */
    static Object[] values(ArtifactReport r) {
        List<Row> artifacts = new ArrayList<>(r.artifacts().size());
        for (Artifact a : r.artifacts()) {
            int[] box = a.bbox().map(BoundingBox::toArray).orElse(null);
            artifacts.add(RowFactory.create(a.index(), a.phrase(), a.explanation(), a.score(),
                    CocoRle.encode(a.mask()).toCompressedString(), box == null ? null : boxed(box),
                    (long) a.mask().area()));
        }
        Verdict v = r.verdict().orElse(null);
        return new Object[] {
            v == null ? null : v.label().name().toLowerCase(Locale.ROOT),
            v == null ? null : v.pFake(),
            r.explanationText(),
            artifacts.toArray(new Row[0]),
            CocoRle.encode(r.union()).toCompressedString(),
            r.imageWidth(),
            r.imageHeight(),
            r.generatedTokens(),
            null};
    }

    /** The values of a row that could not be analyzed. */
    static Object[] failed(String error) {
        Object[] v = new Object[NAMES.length];
        v[NAMES.length - 1] = error;
        return v;
    }

    /** Boxed, because Spark's row encoder takes object arrays (or Scala sequences) for array columns. */
    private static Integer[] boxed(int[] a) {
        Integer[] out = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
