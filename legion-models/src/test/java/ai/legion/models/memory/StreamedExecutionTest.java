package ai.legion.models.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.core.report.ArtifactReport;
import ai.legion.models.Generation;
import ai.legion.models.GenerationListener;
import ai.legion.models.LegionInput;
import ai.legion.models.LegionModel;
import ai.legion.models.LegionOutput;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.lora.LoraAdapters;
import ai.legion.models.nn.Linear;
import ai.legion.models.testing.Parity;
import ai.legion.models.testing.TinyLegion;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory-budgeted execution on the tiny LEGION fixture: budgets that stream most layers (or some) give outputs
 * bit-identical to resident execution, a budget below the minimum fails before any weight is read, and a checkpoint
 * truncated while the model runs gives a clear error after which the analyzer is still usable and leaks nothing.
 * Every size comes from the fixture's configs; the budgets come from the plan of the fixture itself.
 */
class StreamedExecutionTest {

    static Checkpoint io;
    static NDManager data;
    static LegionAnalyzer resident;
    static long minimum;
    static long full;

    @BeforeAll
    static void build() throws Exception {
        io = Parity.open("legion_tiny", "io.safetensors");
        data = NDManager.newBaseManager();
        resident = builder(Parity.folder("legion_tiny")).build();
        MemoryBudgetException e = assertThrows(MemoryBudgetException.class,
                () -> builder(Parity.folder("legion_tiny")).maxMemory(1).build());
        minimum = e.minimum();
        MemoryPlan all = resident.memoryPlan();
        full = all.residentBytes() + all.activations().total();
    }

    @AfterAll
    static void close() {
        resident.close();
        data.close();
        io.close();
    }

    static LegionAnalyzer.Builder builder(Path dir) throws Exception {
        return LegionAnalyzer.builder().model(dir).clip(Parity.folder("legion_tiny/clip"))
                .samConfig(SamConfig.read(Parity.folder("sam").resolve("config.json")))
                .promptIds(ids("prompt_input_ids")).batchSize(1);
    }

    static NDArray t(String key) throws Exception {
        return Parity.tensor(data, io, key);
    }

    static long[] ids(String key) throws Exception {
        return Parity.longs(data, io, key);
    }

    static int[] hw(String key) throws Exception {
        return Parity.hw(data, io, key);
    }

    /** Everything the model computes for the fixture's inputs, as host arrays. */
    record Outputs(List<float[]> forward, List<long[]> tokens, List<float[]> masks, List<float[]> verdicts,
            float[] embeddings, ArtifactReport report) {}

    static Outputs run(LegionAnalyzer a) throws Exception {
        LegionModel model = a.model();
        List<float[]> forward = new ArrayList<>();
        List<long[]> tokens = new ArrayList<>();
        List<float[]> masks = new ArrayList<>();
        List<float[]> verdicts = new ArrayList<>();
        float[] embeddings;
        try (NDManager m = model.manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            LegionInput in = new LegionInput(t("clip_pixel_values"), t("sam_pixel_values"), List.of(ids("input_ids")),
                    List.of(hw("resize_hw")), List.of(hw("original_hw")));
            LegionOutput o = model.forward(ps, in, false);
            for (NDArray x : new NDArray[] {o.imageTokens(), o.cls(), o.clsLogits(), o.inputsEmbeds(), o.logits(),
                    o.lastHidden(), o.segEmbeddings().get(0), o.lowResMasks().get(0), o.masks().get(0)}) {
                forward.add(x.toType(DataType.FLOAT32, false).toFloatArray());
            }
            embeddings = model.grounding().embed(ps, t("sam_pixel_values"), false).toFloatArray();
            long[] answer = ids("input_ids");
            answer = Arrays.copyOfRange(answer, ids("prompt_input_ids").length, answer.length);
            long[] forced = answer;
            GenerationOptions forcing = GenerationOptions.DEFAULT.withMaxNewTokens(forced.length)
                    .withProcessor((seq, step, gen, logits) -> {
                        Arrays.fill(logits, -1e9f);
                        logits[(int) forced[step]] = 0f;
                    });
            for (GenerationOptions opts : new GenerationOptions[] {forcing,
                    GenerationOptions.DEFAULT.withMaxNewTokens(8)}) {
                List<Generation> g = model.generate(ps, t("clip_pixel_values"), t("sam_pixel_values"),
                        List.of(ids("prompt_input_ids")), List.of(hw("resize_hw")), List.of(hw("original_hw")), opts,
                        GenerationListener.NONE);
                tokens.add(g.get(0).tokens());
                masks.add(g.get(0).masks().toFloatArray());
                verdicts.add(g.get(0).clsLogits());
            }
        }
        RgbImage image = new ImageLoader().load(Parity.folder("legion_tiny").resolve("image.png"));
        ArtifactReport report = a.analyze(image, "image.png", GenerationOptions.DEFAULT.withMaxNewTokens(8), null);
        return new Outputs(forward, tokens, masks, verdicts, embeddings, report);
    }

    static void assertBitIdentical(Outputs want, Outputs got, String what) {
        for (int i = 0; i < want.forward().size(); i++) {
            assertArrayEquals(want.forward().get(i), got.forward().get(i), what + ": forward output " + i);
        }
        assertArrayEquals(want.embeddings(), got.embeddings(), what + ": SAM image embeddings");
        for (int i = 0; i < want.tokens().size(); i++) {
            assertArrayEquals(want.tokens().get(i), got.tokens().get(i), what + ": tokens of run " + i);
            assertArrayEquals(want.masks().get(i), got.masks().get(i), what + ": mask logits of run " + i);
            assertArrayEquals(want.verdicts().get(i), got.verdicts().get(i), what + ": p_fake logits of run " + i);
        }
        assertEquals(want.report().rawText(), got.report().rawText(), what);
        assertEquals(want.report().union(), got.report().union(), what);
        assertEquals(want.report().verdict(), got.report().verdict(), what);
        assertEquals(want.report().artifacts().size(), got.report().artifacts().size(), what);
        for (int i = 0; i < want.report().artifacts().size(); i++) {
            assertEquals(want.report().artifacts().get(i).mask(), got.report().artifacts().get(i).mask(), what);
        }
    }

    @Test
    void streamedRunsAreBitIdenticalToResidentOnes() throws Exception {
        assertFalse(resident.memoryPlan().streams(), resident.memoryPlan().describe());
        assertTrue(resident.streamingStats().isEmpty());
        Outputs expected = run(resident);
        for (long budget : new long[] {minimum, (minimum + full) / 2}) {
            try (LegionAnalyzer streamed = builder(Parity.folder("legion_tiny")).maxMemory(budget).build()) {
                MemoryPlan plan = streamed.memoryPlan();
                String what = "budget " + budget + ": " + plan.describe();
                assertTrue(plan.streams(), what);
                assertTrue(plan.needed() <= budget, what);
                long streamedUnits = plan.units().stream().filter(MemoryPlan.Unit::streamed).count();
                if (budget == minimum) {
                    assertTrue(streamedUnits * 2 > plan.units().size(), "most layers streamed: " + what);
                } else {
                    assertTrue(streamedUnits < plan.units().size(), "some layers resident: " + what);
                }
                int arrays = streamed.model().manager().getManagedArrays().size();
                assertBitIdentical(expected, run(streamed), what);
                StreamedWeights.Stats stats = streamed.streamingStats().orElseThrow();
                assertTrue(stats.layersRead() >= streamedUnits, stats + " " + what);
                assertTrue(stats.readAhead() > 0, "layers were read ahead: " + stats);
                // the model() calls above bypass the analyzer, whose calls free what was read ahead when they end
                streamed.analyze(Parity.folder("legion_tiny").resolve("image.png"));
                assertEquals(arrays, streamed.model().manager().getManagedArrays().size(),
                        "only resident arrays are left between calls");
                if (budget == minimum) {
                    // the benchmark's probe of the reader alone: counted in the stats, nothing left behind
                    long llmLayers = plan.units().stream().filter(u -> u.streamed()
                            && u.stage() == MemoryPlan.Stage.LLM).count();
                    StreamedWeights.Stats before = streamed.streamingStats().orElseThrow();
                    double rate = streamed.measureStreamingReadRate(MemoryPlan.Stage.LLM, 2).orElseThrow();
                    assertTrue(rate > 0, "rate " + rate);
                    assertEquals(Math.min(llmLayers, 3), streamed.streamingStats().orElseThrow().layersRead()
                            - before.layersRead(), "one untimed layer and two timed ones");
                    assertEquals(arrays, streamed.model().manager().getManagedArrays().size());
                    assertBitIdentical(expected, run(streamed), what + ", after the probe");
                }
            }
        }
        assertTrue(resident.measureStreamingReadRate(MemoryPlan.Stage.LLM, 2).isEmpty());
    }

    /**
     * The analyzer applies no adapter (released checkpoints have LoRA merged), but an unmerged adapter attached to a
     * streamed model works: it is read from memory next to the streamed weight. Merging into a streamed weight is
     * refused by name.
     */
    @Test
    void unmergedLoraOnAStreamedLayerGivesTheResidentResultAndMergingIsRefused() throws Exception {
        String module = "model.layers.0.self_attn.q_proj";
        try (LegionAnalyzer streamed = builder(Parity.folder("legion_tiny")).maxMemory(minimum).build();
                NDManager m = NDManager.newBaseManager()) {
            assertTrue(streamed.memoryPlan().units().stream().anyMatch(u -> u.streamed()
                    && module.startsWith(u.name())), streamed.memoryPlan().describe());
            List<float[]> out = new ArrayList<>();
            for (LegionAnalyzer a : new LegionAnalyzer[] {resident, streamed}) {
                Linear lin = LoraAdapters.linearModules(a.model().parts().llm(), "").get(module);
                lin.attachAdapter(2, 4, 0, a.model().manager(), 7);
                try {
                    lin.setAdapterWeights(m.arange(2f * lin.inFeatures()).reshape(2, lin.inFeatures()).div(100f),
                            m.ones(new Shape(lin.outFeatures(), 2)).mul(0.05f));
                    try (NDManager sub = a.model().manager().newSubManager()) {
                        LegionInput in = new LegionInput(t("clip_pixel_values"), t("sam_pixel_values"),
                                List.of(ids("input_ids")), List.of(hw("resize_hw")), List.of(hw("original_hw")));
                        out.add(a.model().forward(new ParameterStore(sub, false), in, false).lastHidden()
                                .toFloatArray());
                    }
                    if (a == streamed) {
                        IllegalStateException e = assertThrows(IllegalStateException.class, lin::merge);
                        assertTrue(e.getMessage().contains("streams it from the checkpoint"), e.getMessage());
                    }
                } finally {
                    lin.removeAdapter();
                }
            }
            assertArrayEquals(out.get(0), out.get(1));
            assertFalse(Arrays.equals(out.get(0), run(resident).forward().get(5)), "the adapter changes the states");
        }
    }

    @Test
    void aBudgetBelowTheMinimumFailsBeforeAnyWeightIsRead(@TempDir Path tmp) throws Exception {
        // the embedding matrix of this copy is all NaN (bf16 0xFFFF): a load that read it would fail on it
        Path dir = TinyLegion.copyWithout(tmp.resolve("nan"), "no-such-key.");
        Path file = dir.resolve("model.safetensors");
        long at;
        long n;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            at = f.dataOffset("model.embed_tokens.weight");
            n = f.info("model.embed_tokens.weight").byteLength();
        }
        overwrite(file, at, n, (byte) 0xFF);
        CheckpointException nan = assertThrows(CheckpointException.class, () -> builder(dir).build());
        assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());

        MemoryBudgetException e = assertThrows(MemoryBudgetException.class,
                () -> builder(dir).maxMemory(minimum - 1).build());
        assertEquals(minimum, e.minimum());
        assertEquals(minimum - 1, e.budget());
        String m = e.getMessage();
        for (String part : new String[] {"below the minimum of " + MemoryBudget.format(minimum) + " (" + minimum
                + " bytes)", "always resident", "two streamed layers", "activations", "--max-memory"}) {
            assertTrue(m.contains(part), "names '" + part + "': " + m);
        }

        // a NaN in a streamed layer is not read at load but named the first time the layer is streamed
        Path layerNan = TinyLegion.copyWithout(tmp.resolve("layer-nan"), "no-such-key.");
        String key = "model.layers.1.mlp.down_proj.weight";
        try (SafetensorsFile f = SafetensorsFile.open(layerNan.resolve("model.safetensors"))) {
            at = f.dataOffset(key);
            n = f.info(key).byteLength();
        }
        overwrite(layerNan.resolve("model.safetensors"), at, n, (byte) 0xFF);
        try (LegionAnalyzer a = builder(layerNan).maxMemory(minimum).build()) {
            int arrays = a.model().manager().getManagedArrays().size();
            WeightStreamingException s = assertThrows(WeightStreamingException.class,
                    () -> a.analyze(Parity.folder("legion_tiny").resolve("image.png")));
            assertTrue(s.getMessage().contains(key) && s.getMessage().contains("NaN"), s.getMessage());
            assertEquals(arrays, a.model().manager().getManagedArrays().size());
        }
    }

    @Test
    void aCheckpointTruncatedWhileRunningFailsClearlyAndTheAnalyzerStaysUsable(@TempDir Path tmp) throws Exception {
        Path dir = TinyLegion.copyWithout(tmp.resolve("copy"), "no-such-key.");
        Path file = dir.resolve("model.safetensors");
        byte[] original = Files.readAllBytes(file);
        RgbImage image = new ImageLoader().load(Parity.folder("legion_tiny").resolve("image.png"));
        GenerationOptions opts = GenerationOptions.DEFAULT.withMaxNewTokens(8);
        long readers = readerThreads();
        try (LegionAnalyzer a = builder(dir).maxMemory(minimum).build()) {
            assertTrue(a.memoryPlan().streams());
            ArtifactReport before = a.analyze(image, "image.png", opts, null);
            assertEquals(readers + 1, readerThreads(), "one reader thread per streaming analyzer");
            int arrays = a.model().manager().getManagedArrays().size();

            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(100); // the streamed layers' bytes are gone; the resident ones were read at load
            }
            WeightStreamingException e = assertThrows(WeightStreamingException.class,
                    () -> a.analyze(image, "image.png", opts, null));
            String m = e.getMessage();
            assertTrue(m.contains(file.toString()) && m.contains("truncated") && m.contains("cannot stream the "
                    + "weights of the"), m);
            assertTrue(e.getCause() instanceof CheckpointException, String.valueOf(e.getCause()));
            assertEquals(arrays, a.model().manager().getManagedArrays().size(), "the failed layer's arrays are freed");

            overwrite(file, 0, original.length, original); // the same file (inode) the analyzer holds open
            ArtifactReport after = a.analyze(image, "image.png", opts, null);
            assertEquals(before.rawText(), after.rawText());
            assertEquals(before.union(), after.union());
            assertEquals(before.verdict(), after.verdict());
            assertEquals(arrays, a.model().manager().getManagedArrays().size());
            assertNotNull(a.streamingStats().orElseThrow());
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (readerThreads() > readers && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(readers, readerThreads(), "close stops the reader thread");
    }

    static long readerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.isAlive() && th.getName().startsWith("legion-weights-reader-")).count();
    }

    static void overwrite(Path file, long at, long n, byte value) throws Exception {
        byte[] bytes = new byte[Math.toIntExact(n)];
        Arrays.fill(bytes, value);
        overwrite(file, at, n, bytes);
    }

    static void overwrite(Path file, long at, long n, byte[] bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, Math.toIntExact(n));
            long pos = at;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
        }
    }
}
