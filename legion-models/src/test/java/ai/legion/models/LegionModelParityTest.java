package ai.legion.models;

import static ai.legion.models.testing.Parity.assertClose;
import static ai.legion.models.testing.Parity.assertSameInts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointConverter;
import ai.legion.models.decoder.MaskPostprocessor;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.models.testing.GreedyProbe;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.Generator;
import ai.legion.models.testing.Parity;
import ai.legion.models.testing.TinyLegion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end parity of the complete tiny LEGION checkpoint ({@code parity/legion_tiny}: two .bin
 * shards with mixed bf16/fp32 tensors, GLaMM key names) against the outputs of LEGION's own
 * {@code LegionForCls} code. Every size comes from the fixture configs; the SAM sizes come from
 * {@code parity/sam/config.json} (the README: the grounding encoder weights are sam's).
 */
class LegionModelParityTest {

    static final double TOL = 1e-4;
    static LegionModel model;
    static Checkpoint io;
    static NDManager data;

    @BeforeAll
    static void load() throws Exception {
        model = load(Parity.folder("legion_tiny"));
        io = Parity.open("legion_tiny", "io.safetensors");
        data = NDManager.newBaseManager();
    }

    static LegionModel load(Path dir) throws Exception {
        return TinyLegion.load(dir);
    }

    @AfterAll
    static void close() {
        data.close();
        io.close();
        model.close();
    }

    static NDArray t(String key) throws Exception {
        return Parity.tensor(data, io, key);
    }

    static long[] ids(String key) throws Exception {
        return t(key).toType(DataType.INT64, false).flatten().toLongArray();
    }

    static int[] hw(String key) throws Exception {
        long[] v = ids(key);
        return new int[] {(int) v[0], (int) v[1]};
    }

    @Test
    void checkpointLoadsCompletelyWithOnlyKnownIgnorableKeysLeft() {
        var report = model.loadReport();
        assertTrue(report.missing().isEmpty(), report.toString());
        assertTrue(report.unexpected().isEmpty(), report.toString());
        assertTrue(report.ignored().stream().allMatch(LegionModel.IGNORABLE_KEYS), report.toString());
        assertTrue(model.hasDetectionHead());
    }

    LegionInput input() throws Exception {
        return new LegionInput(t("clip_pixel_values"), t("sam_pixel_values"), List.of(ids("input_ids")),
                List.of(hw("resize_hw")), List.of(hw("original_hw")));
    }

    /** Every intermediate of upstream's model_forward through the one teacher-forced forward. */
    @Test
    void teacherForcedForwardMatchesUpstreamEverywhere() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = ids("input_ids");
            LegionOutput out = model.forward(ps, input(), false);
            assertClose("image_features", t("image_features"), out.imageTokens(), TOL);
            assertClose("cls_feature", t("cls_feature"), out.cls(), TOL);
            assertClose("cls_logits", t("cls_logits"), out.clsLogits(), TOL);
            assertSameInts("cls_pred", t("cls_pred"), out.clsLogits().argMax(1));
            assertEquals(ids("expanded_length")[0], out.inputsEmbeds().getShape().get(1));
            assertClose("inputs_embeds", t("inputs_embeds"), out.inputsEmbeds(), TOL);
            assertSameInts("expanded_attention_mask", t("expanded_attention_mask"), out.attentionMask());
            long n = out.logits().getShape().get(1);
            assertClose("logits_last4", t("logits_last4"), out.logits().get(new NDIndex(":, {}:", n - 4)), 1e-3);
            assertSameInts("logits_argmax", t("logits_argmax"), out.logits().argMax(2));
            assertClose("logits_logsumexp", t("logits_logsumexp"), out.logits().logSoftmax(2).neg().add(out.logits())
                    .get(new NDIndex(":, :, 0")), 1e-3);
            assertClose("last_hidden_post_norm", t("last_hidden_post_norm"), out.lastHidden(), TOL);
            assertArrayEquals(ids("seg_positions"), out.segPositions().get(0));
            NDArray segMask = t("seg_token_mask").toType(DataType.INT64, false).flatten();
            for (long p : out.segPositions().get(0)) {
                assertEquals(1, segMask.getLong(p), "seg_token_mask at " + p);
            }
            assertEquals(out.segPositions().get(0).length, segMask.sum().getLong());
            assertClose("pred_embeddings", t("pred_embeddings"), out.segEmbeddings().get(0), TOL);
            assertClose("low_res_masks", t("low_res_masks"), out.lowResMasks().get(0), TOL);
            assertClose("pred_masks", t("pred_masks"), out.masks().get(0), TOL);
            assertSameInts("union_mask", t("union_mask"), MaskPostprocessor.union(MaskPostprocessor.binary(out.masks().get(0))));
            assertClose("image_embeddings", t("image_embeddings"), model.grounding().embed(ps, t("sam_pixel_values"), false),
                    TOL);
            assertEquals(null, out.targets());
            assertTrue(ids.length > 0);
        }
    }

    /** With labels the forward computes logits only where a token is supervised: exactly those rows of the full logits. */
    @Test
    void supervisedForwardGivesTheFullLogitsAtTheSupervisedPositions() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = ids("input_ids");
            int promptLen = ids("prompt_input_ids").length;
            long[] labels = ids.clone();
            java.util.Arrays.fill(labels, 0, promptLen, -100); // the answer is supervised, the prompt is not
            LegionInput in = input();
            LegionOutput full = model.forward(ps, in, false);
            LegionOutput sup = model.forward(ps, new LegionInput(in.clipPixels(), in.samPixels(), in.inputIds(),
                    List.of(labels), in.resizedHw(), in.originalHw()), false);
            int n = model.numImageTokens();
            int answer = ids.length - promptLen;
            assertEquals(answer, sup.targets().length);
            assertArrayEquals(java.util.Arrays.copyOfRange(ids, promptLen, ids.length), sup.targets());
            // expanded position of ids[j] is j + n - 1; the state before it predicts it
            NDArray rows = full.logits().get(0).get(new NDIndex("{}:{}", promptLen + n - 2, ids.length + n - 2));
            assertClose("supervised logits", rows, sup.logits(), 1e-5);
            assertClose("masks unchanged", full.masks().get(0), sup.masks().get(0), 0);
        }
    }

    /**
     * Upstream's greedy decoding through the one generation entry: the same new tokens, and a mask per
     * generated [SEG] equal to the forward's over the same conversation.
     */
    @Test
    void generateReproducesUpstreamGreedyDecodingAndItsMasks() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] prompt = ids("prompt_input_ids");
            long[] expectedNew = ids("gen_new_tokens");
            long[] sequences = ids("gen_sequences");
            List<Long> streamed = new ArrayList<>();
            GenerationListener tokens = new GenerationListener() {
                @Override
                public void onToken(int sequence, long token) {
                    streamed.add(token);
                }
            };
            Generation g = model.generate(ps, t("clip_pixel_values"), t("sam_pixel_values"), List.of(prompt),
                    List.of(hw("resize_hw")), List.of(hw("original_hw")),
                    GenerationOptions.DEFAULT.withMaxNewTokens(expectedNew.length), tokens).get(0);
            assertArrayEquals(expectedNew, g.tokens());
            assertArrayEquals(java.util.Arrays.copyOfRange(sequences, prompt.length, sequences.length), g.tokens());
            assertEquals(expectedNew.length, streamed.size());
            assertClose("generate cls_logits", t("cls_logits").get(0), m.create(g.clsLogits()), TOL);
            // the generated answer teacher-forced through the forward gives the same masks
            long[] all = java.util.Arrays.copyOf(prompt, prompt.length + g.tokens().length);
            System.arraycopy(g.tokens(), 0, all, prompt.length, g.tokens().length);
            LegionOutput f = model.forward(ps, new LegionInput(t("clip_pixel_values"), t("sam_pixel_values"),
                    List.of(all), List.of(hw("resize_hw")), List.of(hw("original_hw"))), false);
            long segs = java.util.Arrays.stream(g.tokens()).filter(x -> x == model.segTokenId()).count();
            assertEquals(segs, g.masks().getShape().get(0));
            assertEquals(f.masks().get(0).getShape(), g.masks().getShape());
            if (segs > 0) {
                assertClose("generated [SEG] masks", f.masks().get(0), g.masks(), TOL);
            }
        }
    }

    /** The teacher-forced answer forced through generate: its [SEG] masks are upstream's pred_masks. */
    @Test
    void generateWithTheAnswerForcedGivesUpstreamsMasks() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = ids("input_ids");
            long[] prompt = ids("prompt_input_ids");
            long[] answer = java.util.Arrays.copyOfRange(ids, prompt.length, ids.length);
            GenerationOptions forced = GenerationOptions.DEFAULT.withMaxNewTokens(answer.length)
                    .withProcessor((seq, step, gen, logits) -> {
                        java.util.Arrays.fill(logits, -1e9f);
                        logits[(int) answer[step]] = 0f;
                    });
            Generation g = model.generate(ps, t("clip_pixel_values"), t("sam_pixel_values"), List.of(prompt),
                    List.of(hw("resize_hw")), List.of(hw("original_hw")), forced, GenerationListener.NONE).get(0);
            assertArrayEquals(answer, g.tokens());
            assertClose("pred_masks via generate", t("pred_masks"), g.masks(), TOL);
        }
    }

    /** The LLM's per-step logits and producing states during greedy decoding (the generator generate runs). */
    @Test
    void greedyGenerationWithTheKvCacheReproducesUpstream() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] prompt = ids("prompt_input_ids");
            NDArray embeds = model.spliceImage(ps, prompt, model.encodeImage(ps, t("clip_pixel_values"), false)
                    .tokens().get(0), false);
            long[] expectedNew = ids("gen_new_tokens");
            GreedyProbe.Result r = GreedyProbe.run(model.llm(), embeds, expectedNew.length,
                    model.config().llama().eosTokenId(), model.config().llama().padTokenId());
            assertArrayEquals(expectedNew, r.tokens());
            NDArray top2 = m.create(r.top2Logits());
            assertClose("gen_step_top2_logits", t("gen_step_top2_logits"), top2, 1e-3);
            long steps = r.producing().getShape().get(0);
            NDArray promptHidden = model.llm().forward(ps, LmInput.ofEmbeds(embeds.expandDims(0)), LogitsSelection.none(),
                    false).lastHiddenState().get(0);
            NDArray states = NDArrays.concat(new NDList(promptHidden, r.producing().get("1:")), 0);
            assertEquals(steps, r.tokens().length);
            assertClose("gen_step_hidden_post_norm", t("gen_step_hidden_post_norm").get(0), states, TOL);
        }
    }

    /** Feeding the teacher-forced answer token by token through the cache gives the full forward's [SEG] states. */
    @Test
    void incrementalDecodingEqualsFullRecomputationForSegStates() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = ids("input_ids");
            int promptLen = ids("prompt_input_ids").length;
            long[] answer = java.util.Arrays.copyOfRange(ids, promptLen, ids.length);
            NDArray image = model.encodeImage(ps, t("clip_pixel_values"), false).tokens().get(0);
            NDArray promptEmbeds = model.spliceImage(ps, java.util.Arrays.copyOf(ids, promptLen), image, false);
            long seg = model.segTokenId();
            GenerationOptions forced = GenerationOptions.DEFAULT.withMaxNewTokens(answer.length)
                    .withProcessor((sq, step, gen, logits) -> {
                        java.util.Arrays.fill(logits, -1e9f);
                        logits[(int) answer[step]] = 0f;
                    });
            Generator.Sequence s = new Generator(model.llm(), model.config().llama().eosTokenId(),
                    model.config().llama().padTokenId(), token -> token == seg)
                    .generate(List.of(promptEmbeds), forced, null).get(0);
            assertArrayEquals(answer, s.tokens());
            assertClose("seg_hidden_states (cached)", t("seg_hidden_states"), s.captured(), TOL);
        }
    }

    @Test
    void safetensorsConversionLoadsToIdenticalOutputs(@TempDir Path tmp) throws Exception {
        Path st = tmp.resolve("legion_tiny_st");
        CheckpointConverter.toSafetensors(Parity.folder("legion_tiny"), st);
        assertTrue(Files.exists(st.resolve("model.safetensors.index.json")));
        try (LegionModel other = load(st); NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            LegionOutput a = model.forward(ps, input(), false);
            LegionOutput b = other.forward(ps, input(), false);
            assertEquals(0.0, Parity.maxAbsDiff(a.logits(), b.logits()));
            assertEquals(0.0, Parity.maxAbsDiff(a.masks().get(0), b.masks().get(0)));
        }
    }

    /** 200 full forwards in sub-managers: the model's manager never gains an array. */
    @Test
    void repeatedForwardsLeakNothing() throws Exception {
        LegionInput probe;
        int before = model.manager().getManagedArrays().size();
        for (int i = 0; i < 200; i++) {
            try (NDManager m = data.newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                probe = input();
                probe.clipPixels().attach(m);
                probe.samPixels().attach(m);
                model.forward(ps, probe, false);
            }
            assertEquals(before, model.manager().getManagedArrays().size(), "after forward " + i);
        }
    }
}
