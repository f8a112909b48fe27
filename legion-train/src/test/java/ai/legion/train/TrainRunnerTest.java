package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.djl.ndarray.NDManager;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.models.LegionModel;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON-config path of {@code legion train}: validation of the config and stage 1 end to end with export. */
class TrainRunnerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A stage-1 config creating a model with the parity fixture's sizes, training two steps. */
    private ObjectNode stage1Config() throws IOException {
        Path tiny = Fixtures.path("parity/legion_tiny");
        ObjectNode create = JSON.createObjectNode();
        create.put("tokenizer", tiny.toString());
        create.set("legion_config", JSON.readTree(tiny.resolve("config.json").toFile()));
        create.set("clip_config", JSON.readTree(tiny.resolve("clip/config.json").toFile()));
        create.set("sam_config", JSON.readTree(Fixtures.path("parity/sam/config.json").toFile()));
        ObjectNode c = JSON.createObjectNode();
        c.put("data", "sim");
        c.set("create", create);
        c.put("trainable", "legion_stage1");
        c.put("max_steps", 2);
        c.put("batch_size", 2);
        c.put("lr", 1e-2);
        c.put("warmup", 1);
        c.put("checkpoint_dir", "ckpt");
        c.put("checkpoint_every", 2);
        c.put("output", "model");
        c.put("metrics_file", "logs/not-yet/metrics.jsonl");
        c.put("save_precision", "float32");
        c.put("prefetch_threads", 1);
        return c;
    }

    private TrainRunner runner(ObjectNode config) throws IOException {
        Path file = tmp.resolve("config.json");
        JSON.writeValue(file.toFile(), config);
        return new TrainRunner(TrainConfig.read(file), file);
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() throws Exception {
        ObjectNode c = stage1Config();
        c.put("learning_rate", 1e-3);
        Path file = tmp.resolve("typo.json");
        JSON.writeValue(file.toFile(), c);
        IOException e = assertThrows(IOException.class, () -> TrainConfig.read(file));
        assertTrue(e.getMessage().contains("unknown key 'learning_rate'"), e.getMessage());

        ObjectNode bad = stage1Config();
        bad.put("device", "tpu");
        IOException d = assertThrows(IOException.class, () -> runner(bad));
        assertTrue(d.getMessage().contains("'device' is \"tpu\""), d.getMessage());

        ObjectNode half = stage1Config();
        half.put("precision", "float16");
        IllegalArgumentException h = assertThrows(IllegalArgumentException.class, () -> runner(half).model());
        assertTrue(h.getMessage().contains("float16"), h.getMessage());

        assertEquals("gpu(2)", TrainRunner.device("gpu:2", () -> 3).toString());

        ObjectNode frozen = stage1Config();
        frozen.put("trainable", "all");
        frozen.putArray("frozen").add("^model\\.vision_tower\\.").add("prediction_head");
        var trainable = runner(frozen).trainable();
        assertTrue(trainable.test("model.layers.0.self_attn.q_proj.weight"));
        assertTrue(trainable.test("model.mm_projector.0.weight"));
        assertTrue(!trainable.test("model.vision_tower.vision_tower.vision_model.embeddings.patch_embedding.weight"));
        assertTrue(!trainable.test("prediction_head.0.weight"));
        ObjectNode badRegex = stage1Config();
        badRegex.putArray("frozen").add("model.(");
        IOException r = assertThrows(IOException.class, () -> runner(badRegex));
        assertTrue(r.getMessage().contains("'frozen' is \"model.(\""), r.getMessage());

        ObjectNode oneWord = stage1Config();
        oneWord.putArray("hard_negatives").addArray().add("car");
        IOException w = assertThrows(IOException.class, () -> runner(oneWord));
        assertTrue(w.getMessage().contains("'hard_negatives'") && w.getMessage().contains("two distinct words"),
                w.getMessage());
        ObjectNode notHere = stage1Config();
        notHere.putArray("hard_negatives").addArray().add("car").add("tree");
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> runner(notHere).stage1(null,
                false));
        assertTrue(n.getMessage().contains("'hard_negatives' applies to vision pretraining"), n.getMessage());
        ObjectNode tagsHere = stage1Config();
        tagsHere.putArray("tags").add("object:");
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> runner(tagsHere).stage1(null,
                false));
        assertTrue(t.getMessage().contains("'tags' applies to vision pretraining"), t.getMessage());

        ObjectNode nothing = stage1Config();
        nothing.put("contrastive_weight", 0.0);
        IOException z = assertThrows(IOException.class, () -> runner(nothing));
        assertTrue(z.getMessage().contains("'contrastive_weight'")
                && z.getMessage().contains("tag_weight or region_weight > 0"), z.getMessage());
        ObjectNode emptyTags = stage1Config();
        emptyTags.putArray("tags");
        IOException et = assertThrows(IOException.class, () -> runner(emptyTags));
        assertTrue(et.getMessage().contains("'tags'") && et.getMessage().contains("tag prefixes"), et.getMessage());
        ObjectNode regionsHere = stage1Config();
        regionsHere.put("region_weight", 1.0);
        IllegalArgumentException rh = assertThrows(IllegalArgumentException.class, () -> runner(regionsHere).stage1(
                null, false));
        assertTrue(rh.getMessage().contains("'region_weight' applies to vision pretraining"), rh.getMessage());
        ObjectNode regionTagsAlone = stage1Config();
        regionTagsAlone.putArray("region_tags").add("kind:");
        IOException rt = assertThrows(IOException.class, () -> runner(regionTagsAlone));
        assertTrue(rt.getMessage().contains("'region_tags'") && rt.getMessage().contains("region_weight > 0"),
                rt.getMessage());
    }

    /** {@code train clip} writes a CLIP folder; stage 1 takes it as {@code create.clip} (not with clip_config). */
    @Test
    void clipStageWritesTheTowerStageOneStartsFrom() throws Exception {
        Stage1TrainerTest.simRecords(tmp.resolve("sim"));
        Path tiny = Fixtures.path("parity/legion_tiny");
        ObjectNode clipConfig = (ObjectNode) JSON.readTree(tiny.resolve("clip/config.json").toFile());
        try (var tok = ai.legion.core.tokenizer.LegionTokenizer.load(tiny)) {
            ((ObjectNode) clipConfig.get("text_config")).put("vocab_size", tok.vocabSize());
        }
        ObjectNode create = JSON.createObjectNode();
        create.put("tokenizer", tiny.toString());
        create.set("clip_config", clipConfig);
        ObjectNode c = JSON.createObjectNode();
        c.put("data", "sim");
        c.set("create", create);
        c.put("max_steps", 2);
        c.put("batch_size", 4);
        c.put("warmup", 1);
        c.put("output", "clip-out");
        List<StepMetrics> h = runner(c).clip(null, false);
        assertEquals(2, h.size());
        assertTrue(Files.isRegularFile(tmp.resolve("clip-out/model.safetensors")));

        ObjectNode stage1 = stage1Config();
        ((ObjectNode) stage1.get("create")).remove("clip_config");
        ((ObjectNode) stage1.get("create")).put("clip", "clip-out");
        try (LegionModel m = runner(stage1).model()) {
            String key = LegionModel.TOWER_PREFIX + "embeddings.class_embedding";
            try (Checkpoint ckpt = Checkpoints.open(tmp.resolve("clip-out"))) {
                assertArrayEquals(NDArrayLoader.load(ckpt, "vision_model.embeddings.class_embedding", m.manager(),
                        NDArrayLoader.FloatPolicy.FLOAT32).toFloatArray(),
                        m.weightMap(true).parameter(key).getArray().toFloatArray());
            }
        }
        ((ObjectNode) stage1.get("create")).set("clip_config", clipConfig.get("vision_config"));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> runner(stage1).model());
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
    }

    /**
     * The demo tower's recipe: the object tags of the scenes, the tag {@code fake} of a detection folder and the
     * artifact kinds of the scenes' regions, without the contrastive term; held-out accuracy is reported per tag and
     * per region tag, the kinds left out by {@code tags} are not tags, and no retrieval figure comes from the
     * untrained text tower.
     */
    @Test
    void clipStageTrainsObjectTagsAndFakeFromTheDetectionFolder() throws Exception {
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(5).trainCount(8).testCount(4)
                .detectTrainCount(4).detectTestCount(2).imageSize(64).threads(1).build(), tmp.resolve("sim"), true);
        Path tiny = Fixtures.path("parity/legion_tiny");
        ObjectNode clipConfig = (ObjectNode) JSON.readTree(tiny.resolve("clip/config.json").toFile());
        try (var tok = ai.legion.core.tokenizer.LegionTokenizer.load(tiny)) {
            ((ObjectNode) clipConfig.get("text_config")).put("vocab_size", tok.vocabSize());
        }
        ObjectNode c = JSON.createObjectNode();
        c.put("data", "sim");
        c.putObject("create").put("tokenizer", tiny.toString()).set("clip_config", clipConfig);
        c.putArray("tags").add("object:");
        c.put("tag_weight", 1.0);
        c.put("contrastive_weight", 0.0);
        c.put("detect_data", "sim/detect");
        c.put("region_weight", 1.0);
        c.putArray("region_tags").add("kind:");
        c.put("max_steps", 3);
        c.put("batch_size", 4);
        c.put("warmup", 1);
        Map<String, Double> val = new LinkedHashMap<>();
        List<StepMetrics> h = runner(c).clip(new TrainListener() {
            @Override
            public void onValidation(long step, Map<String, Double> metrics) {
                val.putAll(metrics);
            }
        }, false);
        assertEquals(3, h.size());
        assertTrue(h.stream().allMatch(m -> m.ce() == 0 && m.bce() > 0 && m.region() > 0
                && Math.abs(m.loss() - m.bce() - m.region()) < 1e-5), h.toString());
        assertTrue(val.containsKey("val/tag/fake") && val.keySet().stream().anyMatch(k -> k.startsWith(
                "val/tag/object:")) && val.keySet().stream().noneMatch(k -> k.startsWith("val/tag/kind:")),
                val.toString());
        assertTrue(val.containsKey("val/region_accuracy") && val.keySet().stream().filter(k -> k.startsWith(
                "val/region/")).allMatch(k -> k.startsWith("val/region/kind:")) && !val.containsKey("val/loss"),
                val.toString());

        c.put("contrastive_weight", 1.0);
        IOException captions = assertThrows(IOException.class, () -> runner(c));
        assertTrue(captions.getMessage().contains("'detect_data'") && captions.getMessage().contains("no captions"),
                captions.getMessage());
    }

    /** With LoRA, the written folder holds the merged base weights only, so the analyzer loads it strictly. */
    @Test
    void loraRunsExportMergedBaseWeights() throws Exception {
        Stage1TrainerTest.simRecords(tmp.resolve("sim"));
        ObjectNode c = stage1Config();
        c.putObject("lora").put("r", 4);
        runner(c).stage1(null, false);
        try (LegionModel m = LegionModel.loader().model(tmp.resolve("model")).strict(true).load()) {
            assertTrue(m.weightMap(false).entries().keySet().stream().noneMatch(k -> k.contains("lora_")));
        }
    }

    /** Every bad value fails when the config is read, before any data or weights, naming its key. */
    @Test
    void everyBadValueIsRefusedNamingItsKey() throws Exception {
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("checkpoint_every", -5);
        bad.put("save_precision", "bfloat8");
        bad.put("batch_size", 0);
        bad.put("max_steps", -1);
        bad.put("epochs", 0);
        bad.put("lr", -1e-4);
        bad.put("accumulate", -2);
        bad.put("validate_every", -1);
        bad.put("device", "gpu99");
        bad.put("precision", "int8");
        bad.put("trainable", "everything");
        for (Map.Entry<String, Object> e : bad.entrySet()) {
            ObjectNode c = stage1Config();
            c.set(e.getKey(), JSON.valueToTree(e.getValue()));
            Path file = tmp.resolve("bad-" + e.getKey() + ".json");
            JSON.writeValue(file.toFile(), c);
            IOException x = assertThrows(IOException.class, () -> TrainConfig.read(file), e.getKey());
            assertTrue(x.getMessage().contains("config key '" + e.getKey() + "' is " + e.getValue())
                    || x.getMessage().contains("config key '" + e.getKey() + "' is \"" + e.getValue() + "\""),
                    x.getMessage());
            assertTrue(x.getMessage().contains(file.toString()), x.getMessage());
        }
        ObjectNode typed = stage1Config();
        typed.put("batch_size", "eight");
        Path file = tmp.resolve("typed.json");
        JSON.writeValue(file.toFile(), typed);
        IOException x = assertThrows(IOException.class, () -> TrainConfig.read(file));
        assertTrue(x.getMessage().contains("key 'batch_size'"), x.getMessage());

        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> TrainRunner.device("gpu:3", () -> 0));
        assertTrue(none.getMessage().contains("'device'") && none.getMessage().contains("0 GPU(s)"), none.getMessage());
        IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
                () -> TrainRunner.device("cuda:2", () -> 2));
        assertTrue(beyond.getMessage().contains("2 GPU(s)") && beyond.getMessage().contains("0..1"), beyond.getMessage());
        assertEquals("gpu(1)", TrainRunner.device("gpu:1", () -> 2).toString());
        // the real engine on this machine: no GPU, so any gpu index is refused with the key
        ObjectNode gpu = stage1Config();
        gpu.put("device", "gpu:999");
        IllegalArgumentException real = assertThrows(IllegalArgumentException.class, () -> runner(gpu).device());
        assertTrue(real.getMessage().contains("'device'") && real.getMessage().contains("GPU(s)"), real.getMessage());
    }

    @Test
    void stage1StopsResumesExportsAndTheCheckpointExportsTheSameModel() throws Exception {
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(3).trainCount(4).testCount(1)
                .detectTrainCount(0).detectTestCount(0).imageSize(64).threads(1).build(), tmp.resolve("sim"), true);
        ObjectNode first = stage1Config();
        first.put("stop_at_step", 1);
        assertEquals(1, runner(first).stage1(null, false).size());
        assertTrue(Files.notExists(tmp.resolve("model")), "a run stopped early exports nothing");

        TrainRunner runner = runner(stage1Config()); // resumes at step 1 (another config may change loss weights)
        List<StepMetrics> history = runner.stage1(null, false);
        assertEquals(1, history.size());
        assertEquals(2, history.get(0).step());
        assertTrue(Files.isRegularFile(tmp.resolve("model/config.json")), "exported model folder");
        assertEquals(2, Files.readAllLines(tmp.resolve("logs/not-yet/metrics.jsonl")).size(), "one JSON line per step");

        Path again = runner.export(null, tmp.resolve("exported"));
        try (Checkpoint a = Checkpoints.open(tmp.resolve("model")); Checkpoint b = Checkpoints.open(again);
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(new TreeSet<>(a.keys()), new TreeSet<>(b.keys()));
            assertTrue(a.keys().size() > 100, "a whole model: " + a.keys().size() + " tensors");
            for (String key : a.keys()) {
                float[] x = NDArrayLoader.load(a, key, m, NDArrayLoader.FloatPolicy.FLOAT32).toFloatArray();
                float[] y = NDArrayLoader.load(b, key, m, NDArrayLoader.FloatPolicy.FLOAT32).toFloatArray();
                assertArrayEquals(x, y, 0f, key);
            }
        }
    }
}
