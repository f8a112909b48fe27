package ai.legion.models.loading;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.ShardIndex;
import ai.legion.models.LegionInput;
import ai.legion.models.LegionModel;
import ai.legion.models.LegionOutput;
import ai.legion.models.testing.Parity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint maker writes a folder the loader takes strictly, in the release layout: a model of the
 * fixture's sizes (one LLM layer) with a small maximum shard size, so that the sharding and the index are
 * exercised; the real presets are checked by their plan alone (sizes against the released GLaMM shards).
 */
class CheckpointMakerTest {

    private static final long MAX_SHARD = 1_000_000;

    @TempDir
    Path tmp;

    private static CheckpointMaker.Spec tiny() throws Exception {
        LegionConfig cfg = LegionConfig.read(Parity.folder("legion_tiny").resolve("config.json"));
        ClipConfig clip = ClipConfig.read(Parity.folder("legion_tiny/clip").resolve("config.json"));
        SamConfig sam = SamConfig.read(Parity.folder("sam").resolve("config.json"));
        return new CheckpointMaker.Spec("tiny", cfg, clip, sam, true, true).withLlmLayers(1);
    }

    private static CheckpointMaker maker(long seed) throws Exception {
        return new CheckpointMaker(tiny()).tokenizer(Parity.folder("legion_tiny")).seed(seed)
                .maxShardBytes(MAX_SHARD);
    }

    @Test
    void writesShardsAndAnIndexThatTheLoaderTakesStrictlyAndThatRunFinite() throws Exception {
        Path out = tmp.resolve("model");
        CheckpointMaker maker = maker(7);
        List<CheckpointMaker.FilePlan> plan = maker.plan();
        List<CheckpointMaker.Progress> seen = new ArrayList<>();
        CheckpointMaker.Summary sum = maker.progress(seen::add).write(out);

        List<CheckpointMaker.FilePlan> shards = plan.subList(0, plan.size() - 1);
        assertTrue(shards.size() >= 3, "shards: " + shards.size());
        for (String f : List.of("config.json", "generation_config.json", "added_tokens.json", "tokenizer.json",
                "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "sam_config.json",
                CheckpointMaker.INDEX_NAME, "clip/config.json", "clip/preprocessor_config.json",
                "clip/pytorch_model.bin")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
            assertEquals(Files.size(out.resolve(f)), sum.files().get(f), f);
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(out), left.toList(), "no temporary folder left");
        }
        long total = plan.stream().mapToLong(CheckpointMaker.FilePlan::bytes).sum();
        assertEquals(total, seen.get(seen.size() - 1).bytesDone());
        assertEquals(total, seen.get(seen.size() - 1).bytesTotal());

        // the index maps every key to the shard that holds it; shards respect the maximum
        ShardIndex index = ShardIndex.read(out.resolve(CheckpointMaker.INDEX_NAME));
        long indexed = 0;
        int keys = 0;
        for (int i = 0; i < shards.size(); i++) {
            CheckpointMaker.FilePlan f = shards.get(i);
            assertEquals(String.format("pytorch_model-%05d-of-%05d.bin", i + 1, shards.size()), f.path());
            assertTrue(f.bytes() <= MAX_SHARD || f.tensors().size() == 1, f.path() + ": " + f.bytes());
            try (Checkpoint c = Checkpoints.open(out.resolve(f.path()))) {
                assertEquals(f.tensors().stream().map(t -> t.info().name()).toList(), List.copyOf(c.keys()));
                for (CheckpointMaker.Tensor t : f.tensors()) {
                    assertEquals(f.path(), index.weightMap().get(t.info().name()), t.info().name());
                    assertEquals(t.info(), c.info(t.info().name()));
                }
            }
            indexed += f.bytes();
            keys += f.tensors().size();
        }
        assertEquals(keys, index.weightMap().size());
        assertEquals(indexed, ((Number) index.metadata().get("total_size")).longValue());
        assertEquals(List.copyOf(new java.util.TreeSet<>(index.weightMap().keySet())),
                List.copyOf(index.weightMap().keySet()), "HF writes the index with sorted keys");

        try (Checkpoint all = Checkpoints.open(out)) {
            assertEquals(DType.BF16, all.info("model.embed_tokens.weight").dtype());
            assertEquals(DType.BF16, all.info("model.region_encoder.roi_align.flatten_linear.weight").dtype());
            assertEquals(DType.F32, all.info("model.layers.0.self_attn.rotary_emb.inv_freq").dtype());
            assertEquals(DType.F32, all.info("model.grounding_encoder.image_encoder.pos_embed").dtype());
            assertEquals(DType.F32, all.info("model.text_hidden_fcs.0.0.weight").dtype());
        }

        try (LegionModel model = LegionModel.loader().model(out).load(); NDManager m = NDManager.newBaseManager()) {
            assertTrue(model.loadReport().isComplete(), model.loadReport().toString());
            assertEquals(1 + 43, model.loadReport().ignored().size(), "inv_freq and the region encoder");
            assertTrue(model.loadReport().ignored().stream().allMatch(LegionModel.IGNORABLE_KEYS));
            assertEquals(1, model.config().llama().numHiddenLayers());
            assertTrue(model.hasDetectionHead());
            assertEquals(tiny().sam(), model.samConfig());

            NDArray embed = model.weightMap(false).parameter("model.embed_tokens.weight").getArray();
            double mean = embed.mean().getFloat();
            double std = embed.sub(mean).square().mean().sqrt().getFloat();
            assertTrue(Math.abs(mean) < 1e-4, "mean " + mean);
            assertEquals(0.02, std, 0.0002, "N(0, 0.02²) weights");
            NDArray norm = model.weightMap(false).parameter("model.layers.0.input_layernorm.weight").getArray();
            assertEquals(1f, norm.min().getFloat());
            assertEquals(1f, norm.max().getFloat());
            NDArray bias = model.weightMap(false).parameter("model.mm_projector.0.bias").getArray();
            assertEquals(0f, bias.abs().max().getFloat());

            ParameterStore ps = new ParameterStore(m, false);
            int s = model.clipConfig().imageSize();
            int g = model.samConfig().imageEncoder().imgSize();
            long[] ids = model.tokenizer().encodeWithImage("A <image> picture of <p> a hand </p> [SEG] here.");
            LegionOutput o = model.forward(ps, new LegionInput(m.randomNormal(new Shape(1, 3, s, s)),
                    m.randomNormal(new Shape(1, 3, g, g)), List.of(ids), List.of(new int[] {g, g}),
                    List.of(new int[] {40, 60})), false);
            for (NDArray a : List.of(o.logits(), o.clsLogits(), o.lastHidden(), o.masks().get(0))) {
                assertFalse(a.isNaN().any().getBoolean() || a.isInfinite().any().getBoolean(), a.getShape().toString());
            }
            assertArrayEquals(new long[] {1, 40, 60}, o.masks().get(0).getShape().getShape());
            assertTrue(o.logits().abs().max().getFloat() > 0);
        }
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedOthers() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        maker(3).write(a);
        maker(3).write(b);
        maker(4).write(c);
        List<CheckpointMaker.FilePlan> plan = maker(3).plan();
        for (CheckpointMaker.FilePlan f : plan) {
            assertEquals(-1, Files.mismatch(a.resolve(f.path()), b.resolve(f.path())), f.path());
        }
        assertNotEquals(-1, Files.mismatch(a.resolve(plan.get(0).path()), c.resolve(plan.get(0).path())));
        assertEquals(-1, Files.mismatch(a.resolve("config.json"), c.resolve("config.json")));
    }

    @Test
    void anExistingFolderIsKeptUnlessReplacedAndAFailedWriteLeavesNothing() throws Exception {
        Path out = tmp.resolve("model");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        CheckpointException e = assertThrows(CheckpointException.class, () -> maker(1).write(out));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));

        Path bad = tmp.resolve("bad");
        CheckpointException noTokenizer = assertThrows(CheckpointException.class,
                () -> new CheckpointMaker(tiny()).tokenizer(tmp.resolve("missing")).write(bad));
        assertTrue(noTokenizer.getMessage().contains("tokenizer"), noTokenizer.getMessage());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(out), left.toList(), "a failed write leaves no folder");
        }

        maker(1).replace(true).write(out);
        assertFalse(Files.exists(out.resolve("keep.txt")));
        assertTrue(Files.isRegularFile(out.resolve(CheckpointMaker.INDEX_NAME)));
    }

    @Test
    void theRealPresetsSplitLikeTheReleasedGlammShards() {
        List<CheckpointMaker.FilePlan> plan = new CheckpointMaker(CheckpointMaker.preset("legion-7b")).plan();
        assertEquals(List.of("pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                "clip/pytorch_model.bin"), plan.stream().map(CheckpointMaker.FilePlan::path).toList());
        // MBZUAI/GLaMM-GranD-Pretrained ships 9.98 GB + 6.78 GB; openai/clip-vit-large-patch14-336 1.71 GB
        assertEquals(9_976_608_768L, plan.get(0).bytes());
        assertEquals(6_780_481_220L, plan.get(1).bytes());
        assertEquals(1_711_782_004L, plan.get(2).bytes());
        assertEquals(972, plan.get(0).tensors().size() + plan.get(1).tensors().size());
        assertEquals("model.layers.24.self_attn.q_proj.weight", plan.get(1).tensors().get(0).info().name());

        // transformers 4.28's registration order inside a decoder layer, then the top-level modules
        List<String> layer = plan.get(0).tensors().stream().map(t -> t.info().name())
                .filter(k -> k.startsWith("model.layers.3.")).map(k -> k.substring("model.layers.3.".length()))
                .toList();
        assertEquals(List.of("self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                "self_attn.o_proj.weight", "self_attn.rotary_emb.inv_freq", "mlp.gate_proj.weight",
                "mlp.down_proj.weight", "mlp.up_proj.weight", "input_layernorm.weight",
                "post_attention_layernorm.weight"), layer);
        List<String> modules = new ArrayList<>();
        for (CheckpointMaker.Tensor t : plan.get(1).tensors()) {
            String[] p = t.info().name().split("\\.");
            String module = p[0].equals("model") ? p[0] + "." + p[1] : p[0];
            if (modules.isEmpty() || !modules.get(modules.size() - 1).equals(module)) {
                modules.add(module);
            }
        }
        assertEquals(List.of("model.layers", "model.norm", "model.mm_projector", "model.region_encoder",
                "model.grounding_encoder", "model.text_hidden_fcs", "lm_head", "prediction_head"), modules);
        List<String> clip = plan.get(2).tensors().stream().map(t -> t.info().name()).limit(4).toList();
        assertEquals(List.of("logit_scale", "text_model.embeddings.position_ids",
                "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight"),
                clip);

        List<CheckpointMaker.FilePlan> two = new CheckpointMaker(CheckpointMaker.preset("legion-7b-2l")).plan();
        assertEquals(List.of("pytorch_model.bin", "clip/pytorch_model.bin"),
                two.stream().map(CheckpointMaker.FilePlan::path).toList());
        assertEquals(2, CheckpointMaker.preset("legion-7b-2l").config().llama().numHiddenLayers());
        assertThrows(IllegalArgumentException.class, () -> CheckpointMaker.preset("legion-13b"));

        CheckpointMaker.Spec stage1 = CheckpointMaker.preset("legion-7b-2l").withDetectionHead(false);
        assertEquals(List.of("LegionForCausalLM"), stage1.config().architectures());
        assertEquals(List.of(LegionConfig.DETECTION_ARCHITECTURE),
                CheckpointMaker.preset("legion-7b").config().architectures());
        assertTrue(new CheckpointMaker(stage1).plan().get(0).tensors().stream()
                .noneMatch(t -> t.info().name().startsWith("prediction_head.")));
    }

    @Test
    void shardingStartsANewShardOnlyWhenTheNextTensorWouldPassTheMaximum() {
        List<CheckpointMaker.Tensor> ts = new ArrayList<>();
        for (long n : new long[] {3, 3, 4, 12, 1, 2}) {
            ts.add(new CheckpointMaker.Tensor(new ai.legion.core.io.TensorInfo("t" + ts.size(), DType.F32,
                    new long[] {n}), CheckpointMaker.FillKind.CONSTANT, 0));
        }
        List<List<String>> shards = CheckpointMaker.shard(ts, 40).stream()
                .map(s -> s.stream().map(t -> t.info().name()).toList()).toList();
        // 12 + 12 + 16 bytes fill 40 exactly; 48 bytes exceed the maximum and get a shard of their own
        assertEquals(List.of(List.of("t0", "t1", "t2"), List.of("t3"), List.of("t4", "t5")), shards);
    }
}
