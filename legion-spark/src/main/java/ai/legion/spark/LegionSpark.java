package ai.legion.spark;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * LEGION on Spark as plain DataFrame functions: list images, analyze them, write the analysis to Parquet.
 *
 * <pre>{@code
 * Dataset<Row> images = LegionSpark.images(spark, "/data/crawl", 64);
 * Dataset<Row> analyzed = LegionSpark.analyze(images, "image", AnalyzerLoader.of("/models/legion"));
 * LegionSpark.write(analyzed, "/out/analysis.parquet");
 * }</pre>
 */
public final class LegionSpark {

    /** The image files {@link #images} lists (the formats {@code ImageLoader} decodes). */
    public static final String IMAGE_GLOB = "*.{png,PNG,jpg,JPG,jpeg,JPEG,webp,WEBP,bmp,BMP,tif,TIF,tiff,TIFF,gif,GIF}";

    private static final UserDefinedFunction LOCAL_PATH = functions.udf(
            (UDF1<String, String>) s -> s == null ? null : ModelFiles.isRemote(s) ? s : ModelFiles.localPath(s)
                    .toString(), DataTypes.StringType);

    private LegionSpark() {
    }

    /**
     * The image files under {@code dir} (recursively; a local folder or a Hadoop URI) as one {@code image} column of
     * paths (local paths for local files, URIs otherwise), hash-partitioned by path into {@code partitions} and
     * sorted within each. The bytes are read by the task that analyzes them, not shuffled.
     */
    public static Dataset<Row> images(SparkSession spark, String dir, int partitions) {
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .option("pathGlobFilter", IMAGE_GLOB).load(dir).select(col("path"));
        return partitionByImage(files.select(LOCAL_PATH.apply(col("path")).as("image")), partitions);
    }

    /**
     * Rows of a Parquet file with an {@code image} column of paths (other columns are kept), partitioned as
     * {@link #images} does.
     *
     * @throws IllegalArgumentException if there is no {@code image} column
     */
    public static Dataset<Row> imageTable(SparkSession spark, String parquet, int partitions) {
        Dataset<Row> rows = spark.read().parquet(parquet);
        if (!List.of(rows.columns()).contains("image")) {
            throw new IllegalArgumentException(parquet + ": no 'image' column of image paths (columns: "
                    + String.join(", ", rows.columns()) + ")");
        }
        return partitionByImage(rows, partitions);
    }

    /**
     * Rows with an {@code image} column, hash-partitioned by image path and sorted by it within each partition: a
     * task gets the same rows in the same order on every attempt (a shuffle's fetch order is not fixed), so it forms
     * the same batches, and batched kernels give the same bits.
     */
    public static Dataset<Row> partitionByImage(Dataset<Row> rows, int partitions) {
        return rows.repartition(partitions, col("image")).sortWithinPartitions(col("image"));
    }

    /** The plain-function form of {@link LegionTransformer}: {@code input} with the analysis of {@code inputCol}. */
    public static Dataset<Row> analyze(Dataset<Row> input, String inputCol, AnalyzerLoader loader) {
        return new LegionTransformer().setLoader(loader).setInputCol(inputCol).transform(input);
    }

    /**
     * Writes rows to Parquet, replacing {@code out}. Only Spark's commit protocol writes there: each task attempt
     * writes into its own temporary folder and only the committed attempt of each task is moved into place, so a
     * retried or speculative task leaves no duplicate rows. Binary image content is not written.
     */
    public static void write(Dataset<Row> rows, String out) {
        Dataset<Row> slim = List.of(rows.columns()).contains("content") ? rows.drop("content") : rows;
        slim.write().mode(SaveMode.Overwrite).parquet(out);
    }
}
