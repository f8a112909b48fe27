package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.legion.core.config.LoraConfig;
import ai.legion.train.optim.LossScaler;
import ai.legion.train.optim.TrainableParameter;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.dataset.Stage1Dataset;
import ai.legion.data.sample.Stage1SampleBuilder;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.models.LegionModel;
import ai.legion.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short stage-1 run on a tiny model created from scratch and a few scars-sim images: the loss falls,
 * and a run resumed from a checkpoint repeats the uninterrupted run's losses exactly.
 */
class Stage1TrainerTest {

    @TempDir
    static Path tmp;

    static List<ArtifactRecord> records;

    @BeforeAll
    static void data() throws Exception {
        records = simRecords(tmp.resolve("sim"));
    }

    /** Eight 64-px scars-sim training records generated under {@code root}. */
    static List<ArtifactRecord> simRecords(Path root) throws Exception {
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(5).trainCount(8).testCount(2)
                .detectTrainCount(0).detectTestCount(0).imageSize(64).threads(1).build(), root, true);
        List<ArtifactRecord> out = new ArrayList<>();
        try (SynthScarsReader r = SynthScarsReader.open(root, "train")) {
            r.forEach(out::add);
        }
        return out;
    }

    static LegionModel model(long seed) throws Exception {
        Path tiny = Fixtures.path("parity/legion_tiny");
        return LegionModel.create(LegionConfig.read(tiny.resolve("config.json")),
                ClipVisionConfig.read(tiny.resolve("clip/config.json")),
                SamConfig.read(Fixtures.path("parity/sam/config.json")), tiny, true, Device.cpu(), 0.02f, seed);
    }

    static Stage1Dataset dataset(LegionModel m) {
        return dataset(m, records);
    }

    static Stage1Dataset dataset(LegionModel m, List<ArtifactRecord> records) {
        Stage1SampleBuilder sb = new Stage1SampleBuilder(m.tokenizer(),
                new ClipImageProcessor(ClipImageProcessorConfig.square(m.clipConfig().imageSize())),
                SamImageProcessor.of(m.samConfig()), new ImageLoader(), Stage1SampleBuilder.trainingMasks(), null,
                m.numImageTokens());
        return Stage1Dataset.builder().records(records).sampleBuilder(sb).setSampling(4, false).build();
    }

    static Stage1Trainer.Builder trainer(LegionModel m, long steps) {
        return Stage1Trainer.builder().model(m).train(dataset(m)).trainable(Trainables.ALL).batchSize(4).lr(1e-2)
                .warmup(2).maxSteps(steps).seed(11).prefetchThreads(1);
    }

    @Test
    void lossFallsWhenOverfittingAFewImages() throws Exception {
        try (LegionModel m = model(1)) {
            List<StepMetrics> h = trainer(m, 30).build().fit();
            assertEquals(30, h.size());
            double first = (h.get(0).loss() + h.get(1).loss()) / 2;
            double last = (h.get(28).loss() + h.get(29).loss()) / 2;
            assertTrue(last < 0.6 * first, "loss " + first + " -> " + last);
            assertTrue(h.get(29).ce() < h.get(0).ce(), "token loss falls");
            assertTrue(h.stream().allMatch(s -> Double.isFinite(s.gradNorm())));
        }
    }

    @Test
    void resumingFromACheckpointRepeatsTheUninterruptedLosses() throws Exception {
        List<StepMetrics> full;
        try (LegionModel m = model(2)) {
            full = trainer(m, 6).build().fit();
        }
        Path ckpt = tmp.resolve("ckpt");
        Path metrics = tmp.resolve("metrics/stage1.jsonl");
        try (LegionModel m = model(2)) {
            List<StepMetrics> firstHalf = trainer(m, 6).checkpointDir(ckpt).checkpointEvery(3).maxSteps(6)
                    .metricsFile(metrics).build().fit().subList(0, 3);
            for (int i = 0; i < 3; i++) {
                assertEquals(full.get(i).loss(), firstHalf.get(i).loss(), "step " + i);
            }
        }
        // a fresh process would start here: a new model, the same configuration, resume from step 3 (twice: the
        // run was killed after writing the metrics of steps 4..6 and a torn line, and again after that)
        for (int resume = 0; resume < 2; resume++) {
            java.nio.file.Files.writeString(ckpt.resolve("latest"), "step-00000003");
            java.nio.file.Files.writeString(metrics, "{\"step\":7,\"epo", java.nio.file.StandardOpenOption.APPEND);
            try (LegionModel m = model(2)) {
                Stage1Trainer t = trainer(m, 6).checkpointDir(ckpt).metricsFile(metrics).build().resume();
                assertEquals(3, t.step());
                List<StepMetrics> rest = t.fit();
                assertEquals(3, rest.size());
                for (int i = 0; i < 3; i++) {
                    assertEquals(full.get(3 + i).loss(), rest.get(i).loss(), "step " + (4 + i) + " after resume");
                    assertEquals(full.get(3 + i).gradNorm(), rest.get(i).gradNorm(), "grad norm " + (4 + i));
                }
            }
            List<String> lines = java.nio.file.Files.readAllLines(metrics);
            assertEquals(6, lines.size(), "one line per step after " + (resume + 1) + " resumes: " + lines);
            for (int i = 0; i < 6; i++) {
                com.fasterxml.jackson.databind.JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(lines.get(i));
                assertEquals(i + 1, line.get("step").asLong(), lines.get(i));
                assertEquals(full.get(i).loss(), line.get("loss").asDouble(), "logged loss of step " + (i + 1));
            }
        }
    }

    @Test
    void stepsDoNotAccumulateNativeArrays() throws Exception {
        try (LegionModel m = model(4)) {
            List<Integer> live = new ArrayList<>();
            trainer(m, 6).prefetchThreads(0).listener(new TrainListener() {
                @Override
                public void onStep(StepMetrics s) {
                    live.add(((ai.djl.ndarray.BaseNDManager) m.manager()).getManagedArrays().size());
                }
            }).build().fit();
            assertEquals(live.get(1), live.get(5), "arrays alive under the model's manager after steps 2..6: " + live);
        }
    }

    @Test
    void float16TrainablesLearnWithFloat32MasterWeights() throws Exception {
        Path saved = tmp.resolve("fp32-model");
        try (LegionModel m = model(6)) {
            m.save(saved, LegionModel.SavePrecision.FLOAT32);
        }
        try (LegionModel m = LegionModel.loader().model(saved).precision(ai.legion.models.Precision.FLOAT16).load()) {
            String frozenKey = "model.layers.0.mlp.down_proj.weight";
            float[] frozenBefore = floats(m, frozenKey);
            Stage1Trainer t = Stage1Trainer.builder().model(m).train(dataset(m)).trainable(Trainables.LEGION_STAGE1)
                    .lora(LoraConfig.legionDefault(LoraConfig.LLAMA_DEFAULT_TARGETS)).batchSize(4).lr(1e-2).warmup(2)
                    .maxSteps(16).seed(11).prefetchThreads(1).lossScaler(LossScaler.dynamic(1024, 1, 5)).build();
            List<StepMetrics> h = t.fit();
            assertEquals(16, h.size());
            double first = (h.get(0).loss() + h.get(1).loss()) / 2;
            double last = (h.get(14).loss() + h.get(15).loss()) / 2;
            assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);
            // three doublings after 5 good steps each, unless an overflow halved the scale on the way
            assertEquals(1024 * Math.pow(2, 3 - t.skippedSteps()), t.lossScaler().scale(), 1e-9,
                    "skipped " + t.skippedSteps());
            for (TrainableParameter p : t.trainables()) {
                NDArray w = p.parameter().getArray();
                assertEquals(DataType.FLOAT16, w.getDataType(), p.key());
                NDArray master = t.optimizer().master(p.key());
                assertEquals(DataType.FLOAT32, master.getDataType(), p.key());
                assertArrayEquals(master.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false).toFloatArray(),
                        w.toType(DataType.FLOAT32, false).toFloatArray(), p.key() + ": the parameter is its master rounded");
            }
            assertArrayEquals(frozenBefore, floats(m, frozenKey), "frozen weights do not move");
        }
    }

    private static float[] floats(LegionModel m, String key) {
        return m.weightMap(true).parameter(key).getArray().toType(DataType.FLOAT32, false).toFloatArray();
    }

    @Test
    void aDivergingRunStopsWithTheStepAndBatch() throws Exception {
        try (LegionModel m = model(3)) {
            Stage1Trainer t = trainer(m, 3).lr(1e30).warmup(0).build();
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::fit);
            assertTrue(e.getMessage().contains("optimizer step"), e.getMessage());
            assertTrue(!e.batchIndices().isEmpty());
        }
    }
}
