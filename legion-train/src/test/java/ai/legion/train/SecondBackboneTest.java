package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.report.ArtifactReport;
import ai.legion.data.ArtifactRecord;
import ai.legion.models.LegionModel;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.models.llama.LlamaForCausalLM;
import ai.legion.models.llama.LlamaMasks;
import ai.legion.models.llama.LlamaModel;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.loading.Architectures;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.node.IntNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second language-model family, declared and registered here in test code only: LLaMA with Mistral's
 * sliding-window attention (each position attends to the last {@code sliding_window} positions), picked by
 * {@code "model_type": "llava_swa"} in config.json and sized by the config's own {@code sliding_window} field.
 * It runs the whole analysis (loaded through the registry) and stage-1 training steps, and a window covering
 * the whole sequence reproduces LLaMA exactly.
 */
class SecondBackboneTest {

    static final String TYPE = "llava_swa";

    /** The decoder with a band mask: key j is visible to query i iff i - window < j <= i. */
    static final class SlidingWindowLlamaModel extends LlamaModel {
        private final int window;

        SlidingWindowLlamaModel(LlamaConfig config, int window) {
            super(config);
            this.window = window;
        }

        @Override
        protected NDArray decoderMask(NDArray attentionMask, long batch, long length, long past, DataType dtype,
                NDManager manager) {
            NDArray base = super.decoderMask(attentionMask, batch, length, past, dtype, manager);
            long keys = past + length;
            NDArray j = manager.arange(0, (int) keys).reshape(1, keys);
            NDArray i = manager.arange(0, (int) length).add(past).reshape(length, 1);
            NDArray band = j.lte(i.sub(window)).toType(dtype, false).mul(LlamaMasks.finfoMin(dtype))
                    .reshape(1, 1, length, keys);
            return base == null ? band : base.add(band);
        }
    }

    /** The causal LM of the family: LLaMA's keys and layers over the windowed decoder. */
    static final class SlidingWindowLlama extends LlamaForCausalLM {
        SlidingWindowLlama(LlamaConfig config, int window) {
            super(config, new SlidingWindowLlamaModel(config, window));
        }
    }

    @TempDir
    static Path tmp;

    static List<ArtifactRecord> records;

    @BeforeAll
    static void register() throws Exception {
        // the one registration line a new backbone needs
        Architectures.registerCausalLm(TYPE, c -> new SlidingWindowLlama(c.llama(), c.extra("sliding_window").asInt()));
        records = Stage1TrainerTest.simRecords(tmp.resolve("sim"));
    }

    static LegionModel create(String type, Integer window) throws Exception {
        Path tiny = Fixtures.path("parity/legion_tiny");
        LegionConfig config = LegionConfig.read(tiny.resolve("config.json")).withModelType(type);
        if (window != null) {
            config = config.withExtras(Map.of("sliding_window", IntNode.valueOf(window)));
        }
        return LegionModel.create(config, ClipVisionConfig.read(tiny.resolve("clip/config.json")),
                SamConfig.read(Fixtures.path("parity/sam/config.json")), tiny, true, Device.cpu(), 0.02f, 7);
    }

    /** A saved model folder, analyzed the way users do: the loader reads model_type and asks the registry. */
    static ArtifactReport analyze(String type, Integer window, String name) throws Exception {
        Path dir = tmp.resolve(name);
        try (LegionModel m = create(type, window)) {
            m.save(dir, LegionModel.SavePrecision.FLOAT32);
        }
        try (LegionAnalyzer a = LegionAnalyzer.builder().model(dir)
                .generation(GenerationOptions.DEFAULT.withMaxNewTokens(24)).build()) {
            if (TYPE.equals(type)) {
                assertInstanceOf(SlidingWindowLlama.class, a.model().llm());
            }
            return a.analyze(Fixtures.path("parity/legion_tiny/image.png"));
        }
    }

    @Test
    void analysisRunsThroughTheRegisteredBackboneAndAWholeSequenceWindowIsLlama() throws Exception {
        ArtifactReport llama = analyze(LegionConfig.LLAVA_MODEL_TYPE, null, "llama");
        ArtifactReport wide = analyze(TYPE, 100_000, "swa-wide");
        assertEquals(llama.rawText(), wide.rawText());
        assertEquals(llama.generatedTokens(), wide.generatedTokens());
        assertEquals(llama.verdict(), wide.verdict());
        assertEquals(llama.union(), wide.union());
        ArtifactReport narrow = analyze(TYPE, 2, "swa-2");
        assertTrue(narrow.generatedTokens() > 0);
    }

    @Test
    void theWindowBoundsWhatTheLastPositionSees() throws Exception {
        try (LegionModel plain = create(LegionConfig.LLAVA_MODEL_TYPE, null); LegionModel swa = create(TYPE, 2);
                NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = {1, 450, 1967, 338, 263, 3143, 310, 278, 4223, 29889};
            long[] changed = ids.clone();
            changed[1] = 3869; // far outside the receptive field of the last position: layers x (window - 1) + 1
            assertTrue(ids.length - 1 - 1 > plain.config().llama().numHiddenLayers() * (2 - 1));
            double swaDelta = lastLogitsDelta(swa, ps, m, ids, changed);
            double plainDelta = lastLogitsDelta(plain, ps, m, ids, changed);
            assertEquals(0.0, swaDelta, "a windowed model must not see the changed token");
            assertTrue(plainDelta > 1e-4, "LLaMA sees it: " + plainDelta);
        }
    }

    static double lastLogitsDelta(LegionModel model, ParameterStore ps, NDManager m, long[] a, long[] b) {
        NDArray la = model.llm().forward(ps, LmInput.ofIds(m.create(a).reshape(1, a.length)), LogitsSelection.last(1),
                false).logits();
        NDArray lb = model.llm().forward(ps, LmInput.ofIds(m.create(b).reshape(1, b.length)), LogitsSelection.last(1),
                false).logits();
        return la.sub(lb).abs().max().getFloat();
    }

    @Test
    void stage1TrainsTheRegisteredBackboneWithLoraOnItsProjections() throws Exception {
        List<StepMetrics> llama;
        List<StepMetrics> wide;
        List<StepMetrics> narrow;
        try (LegionModel m = create(LegionConfig.LLAVA_MODEL_TYPE, null)) {
            llama = steps(m);
        }
        try (LegionModel m = create(TYPE, 100_000)) {
            wide = steps(m);
        }
        try (LegionModel m = create(TYPE, 2)) {
            assertInstanceOf(SlidingWindowLlama.class, m.llm());
            narrow = steps(m);
        }
        for (int i = 0; i < llama.size(); i++) {
            assertEquals(llama.get(i).loss(), wide.get(i).loss(), "step " + i);
        }
        assertTrue(narrow.stream().allMatch(s -> Double.isFinite(s.loss()) && Double.isFinite(s.gradNorm())));
        assertTrue(Math.abs(narrow.get(0).ce() - llama.get(0).ce()) > 1e-6, "the window changes the token loss");
        assertArrayEquals(new double[] {llama.size()}, new double[] {narrow.size()});
    }

    static List<StepMetrics> steps(LegionModel m) throws Exception {
        return Stage1Trainer.builder().model(m).train(Stage1TrainerTest.dataset(m, records))
                .trainable(Trainables.LEGION_STAGE1).lora(LoraConfig.legionDefault(LoraConfig.LLAMA_DEFAULT_TARGETS))
                .batchSize(4).lr(1e-3).warmup(1).maxSteps(2).seed(3).prefetchThreads(1).build().fit();
    }
}
