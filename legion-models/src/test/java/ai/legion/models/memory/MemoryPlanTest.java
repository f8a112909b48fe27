package ai.legion.models.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.Presets;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.TensorInfo;
import ai.legion.models.LegionModel;
import ai.legion.models.loading.LegionLoader;
import ai.legion.models.memory.MemoryPlan.Stage;
import ai.legion.models.memory.MemoryPlan.Unit;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The plan: sizes parsed, units found in every stack, the budget always respected, LLM layers kept before CLIP's and
 * SAM's, streamed layers spread; on the tiny fixture and, from the configs alone, on the real LEGION-7B sizes.
 */
class MemoryPlanTest {

    @Test
    void sizesParse() {
        assertEquals(16L << 30, MemoryBudget.parse("16g"));
        assertEquals(800L << 20, MemoryBudget.parse(" 800M "));
        assertEquals(3L << 29, MemoryBudget.parse("1.5GiB"));
        assertEquals(1L << 40, MemoryBudget.parse("1t"));
        assertEquals(42, MemoryBudget.parse("42"));
        for (String bad : new String[] {"16x", "", " ", "m", "-5m", "0", "0.4", "1.5", "1,5g", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(bad));
            assertTrue(e.getMessage().contains("is not a memory size"), e.getMessage());
        }
        assertEquals("16.0 GiB", MemoryBudget.format(16L << 30));
        assertEquals("812 MiB", MemoryBudget.format(812L << 20));
        assertEquals("1.50 KiB (1536 bytes)", MemoryBudget.exact(1536));
        assertTrue(MemoryBudget.machineDefault(Device.cpu()) > 0);
    }

    @Test
    void streamedPositionsAreSpreadEvenly() {
        assertEquals(Set.of(0, 1, 2, 3), MemoryPlan.spread(4, 4));
        assertEquals(Set.of(), MemoryPlan.spread(5, 0));
        assertEquals(Set.of(16), MemoryPlan.spread(32, 1));
        Set<Integer> s = MemoryPlan.spread(32, 19);
        assertEquals(19, s.size());
        Integer prev = null;
        for (int i : s) {
            assertTrue(i >= 0 && i < 32);
            assertTrue(prev == null || i - prev <= 2, s.toString());
            prev = i;
        }
    }

    /** Budgets from the minimum to everything resident on the tiny fixture: each plan respects the rules. */
    @Test
    void tinyFixturePlansRespectTheBudgetAndKeepLlmLayersFirst() throws Exception {
        Path dir = Parity.folder("legion_tiny");
        Path clipDir = Parity.folder("legion_tiny/clip");
        LegionConfig config = LegionConfig.read(dir.resolve("config.json"));
        ClipVisionConfig clip = ClipVisionConfig.read(clipDir.resolve("config.json"));
        SamConfig sam = SamConfig.read(Parity.folder("sam").resolve("config.json"));
        LegionModel.Parts parts = LegionModel.Parts.declare(config, clip, sam, true);
        try (Checkpoint ckpt = Checkpoints.open(dir); Checkpoint tower = Checkpoints.open(clipDir)) {
            WeightMap towerWeights = parts.vision().weightMap("vision_model.");
            LegionLoader.Declared d = new LegionLoader.Declared(parts, null, ckpt, parts.weightMap(false), tower,
                    towerWeights, NDArrayLoader.FloatPolicy.FLOAT32, Device.cpu());
            ActivationEstimate act = ActivationEstimate.of(parts, 1, 20, 8, 4);
            MemoryPlan all = MemoryPlan.plan(d, Long.MAX_VALUE, act);
            assertFalse(all.streams());
            assertEquals(4 * parts.weightMap(true).parameterCount(), all.residentBytes());
            assertEquals(config.llama().numHiddenLayers(), count(all, Stage.LLM));
            assertEquals(clip.numHiddenLayers(), count(all, Stage.VISION));
            assertEquals(sam.imageEncoder().depth(), count(all, Stage.GROUNDING));
            assertEquals("model.layers.1.", unit(all, Stage.LLM, 1).name());
            assertEquals("vision_model.encoder.layers.2.", unit(all, Stage.VISION, 2).name());
            assertEquals("model.grounding_encoder.image_encoder.blocks.3.", unit(all, Stage.GROUNDING, 3).name());
            long full = all.residentBytes() + act.total();

            MemoryBudgetException e = assertThrows(MemoryBudgetException.class, () -> MemoryPlan.plan(d, 1, act));
            long minimum = e.minimum();
            MemoryPlan least = MemoryPlan.plan(d, minimum, act);
            assertEquals(minimum, least.needed());
            long previous = Long.MAX_VALUE;
            for (int step = 0; step <= 40; step++) {
                long budget = minimum + (full - minimum) * step / 40;
                MemoryPlan p = MemoryPlan.plan(d, budget, act);
                String what = budget + ": " + p.describe();
                assertTrue(p.needed() <= budget, what);
                assertEquals(all.residentBytes(), p.residentBytes() + p.streamedBytes(), what);
                long streamed = p.units().stream().filter(Unit::streamed).count();
                assertTrue(streamed <= previous, "more budget never streams more: " + what);
                previous = streamed;
                Predicate<ai.djl.nn.Parameter> deferred = p.deferred();
                for (Unit u : p.units()) {
                    for (MemoryPlan.Tensor t : u.tensors()) {
                        assertEquals(u.streamed(), deferred.test(t.parameter()), t.key());
                    }
                }
            }
            assertEquals(0, previous, "the full budget streams nothing");

            // LLM layers come first: each LLM layer's bytes added to the minimum keep one more LLM layer resident
            long layer = unit(all, Stage.LLM, 0).bytes();
            for (int k = 0; k <= config.llama().numHiddenLayers(); k++) {
                MemoryPlan p = MemoryPlan.plan(d, minimum + k * layer, act);
                long kept = p.units().stream().filter(u -> u.stage() == Stage.LLM && !u.streamed()).count();
                assertTrue(kept >= k, k + " LLM layers fit: " + p.describe());
            }
        }
    }

    /**
     * The real LEGION-7B sizes (Vicuna-7B, CLIP ViT-L/14-336, SAM ViT-H, the release's dtypes: LLM bf16, SAM fp32),
     * planned from a tensor list alone: what the issue's 16 GiB run will stream.
     */
    @Test
    void legion7bPlansForTheIssuesBudgets() throws Exception {
        LegionModel.Parts parts = LegionModel.Parts.declare(Presets.legion7B(), Presets.clipL336(),
                Presets.samVitH(), true);
        WeightMap weights = parts.weightMap(false);
        WeightMap tower = parts.vision().weightMap("vision_model.");
        try (Checkpoint ckpt = new TensorList(Path.of("legion-7b"), weights, k -> k.startsWith(
                "model.grounding_encoder.") || k.startsWith("model.text_hidden_fcs.") ? DType.F32 : DType.BF16);
                Checkpoint clip = new TensorList(Path.of("clip"), tower, k -> DType.F32)) {
            LegionLoader.Declared d = new LegionLoader.Declared(parts, null, ckpt, weights, clip, tower,
                    NDArrayLoader.FloatPolicy.FLOAT32, Device.cpu());
            ActivationEstimate act = ActivationEstimate.of(parts, 1, 70, 32, 4);
            MemoryPlan all = MemoryPlan.plan(d, Long.MAX_VALUE, act);
            long params = parts.weightMap(true).parameterCount();
            assertTrue(params > 7_400_000_000L && params < 7_800_000_000L, "about 7.6 B parameters: " + params);
            assertTrue(all.residentBytes() > 28L << 30, all.describe());
            Unit layer = unit(all, Stage.LLM, 0);
            assertEquals(4L * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096), layer.bytes());
            assertTrue(act.globalAttention() >= 2L << 30, act.describe()); // 16 heads x 4096^2 x (logits + probs)

            MemoryBudgetException e = assertThrows(MemoryBudgetException.class, () -> MemoryPlan.plan(d, 4L << 30,
                    act));
            assertTrue(e.minimum() > 4L << 30 && e.minimum() < 8L << 30, e.getMessage());
            System.out.println("LEGION-7B minimum: " + e.getMessage());
            int previous = -1;
            for (long gib : new long[] {8, 12, 16}) {
                MemoryPlan p = MemoryPlan.plan(d, gib << 30, act);
                System.out.println("LEGION-7B --max-memory " + gib + "g: " + p.describe());
                assertTrue(p.streams() && p.needed() <= gib << 30, p.describe());
                int kept = (int) p.units().stream().filter(u -> u.stage() == Stage.LLM && !u.streamed()).count();
                assertTrue(kept > previous, "more budget keeps more LLM layers: " + p.describe());
                previous = kept;
            }
        }
    }

    private static long count(MemoryPlan p, Stage s) {
        return p.units().stream().filter(u -> u.stage() == s).count();
    }

    private static Unit unit(MemoryPlan p, Stage s, int i) {
        List<Unit> us = p.units().stream().filter(u -> u.stage() == s).toList();
        return us.get(i);
    }

    /** A checkpoint's tensor list without data: what the planner reads. */
    private static final class TensorList implements Checkpoint {
        private final Path path;
        private final Map<String, TensorInfo> infos = new LinkedHashMap<>();

        TensorList(Path path, WeightMap weights, java.util.function.Function<String, DType> dtype) {
            this.path = path;
            weights.entries().values().forEach(e -> infos.put(e.key(), new TensorInfo(e.key(), dtype.apply(e.key()),
                    e.shape().getShape())));
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public Map<String, TensorInfo> infos() {
            return infos;
        }

        @Override
        public ByteBuffer read(String key) throws CheckpointException {
            throw new CheckpointException(path, key, "a tensor list has no data");
        }

        @Override
        public void close() {
        }
    }
}
