package ai.legion.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A LegionTransformer saved alone or inside a pipeline loads back with the same uid and parameters. */
class LegionTransformerPersistenceTest {

    @TempDir
    static Path tmp;

    static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkSession.builder().master("local[1]").appName("legion-transformer-persistence")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static LegionTransformer configured() {
        return new LegionTransformer().setModelPath("hdfs:///models/legion-7b").setClipPath("/opt/clip")
                .setSamConfig("vit_h").setInputCol("content").setOutputPrefix("legion_").setBatchSize(3)
                .setMaxNewTokens(77).setThreads(5).setConcurrency(2).setGpu(true).setMaxMemory(12L << 30);
    }

    private static void assertSameParameters(LegionTransformer want, LegionTransformer got) {
        assertEquals(want.uid(), got.uid());
        assertEquals(want.extractParamMap().toString(), got.extractParamMap().toString());
        assertEquals(want.loader(), got.loader());
    }

    @Test
    void savedAloneLoadsTheSameUidAndParameters() throws Exception {
        LegionTransformer t = configured();
        String path = tmp.resolve("alone").toString();
        t.write().save(path);
        assertSameParameters(t, LegionTransformer.load(path));
        // defaults survive as defaults: a transformer with only its model path set
        LegionTransformer bare = new LegionTransformer().setModelPath("/m");
        bare.write().save(tmp.resolve("bare").toString());
        assertSameParameters(bare, LegionTransformer.load(tmp.resolve("bare").toString()));
    }

    @Test
    void savedAsAPipelineStageLoadsBack() throws Exception {
        LegionTransformer t = configured();
        SQLTransformer select = new SQLTransformer().setStatement("SELECT path, content FROM __THIS__");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {select, t});
        String path = tmp.resolve("pipeline").toString();
        pipeline.write().save(path);
        PipelineStage[] stages = Pipeline.load(path).getStages();
        assertSameParameters(t, assertInstanceOf(LegionTransformer.class, stages[1]));

        // a fitted pipeline (no estimator: fitting needs no data beyond a schema) saved and loaded
        PipelineModel model = pipeline.fit(
                spark.emptyDataFrame().selectExpr("'' AS path", "CAST('' AS BINARY) AS content"));
        model.write().save(tmp.resolve("model").toString());
        Transformer[] loaded = PipelineModel.load(tmp.resolve("model").toString()).stages();
        assertSameParameters(t, assertInstanceOf(LegionTransformer.class, loaded[1]));
    }
}
