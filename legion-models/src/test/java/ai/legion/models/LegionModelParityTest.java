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
import ai.legion.models.testing.GreedyProbe;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.lm.KvCache;
import ai.legion.models.lm.StepOutput;
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

    @Test
    void teacherForcedForwardMatchesUpstreamEverywhere() throws Exception {
        try (NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = ids("input_ids");
            TeacherForcedBatch batch = new TeacherForcedBatch(t("clip_pixel_values"), t("sam_pixel_values"),
                    List.of(ids), List.of(hw("resize_hw")), List.of(hw("original_hw")));
            LegionModel.ImageFeatures f = model.encodeImage(ps, batch.clipPixels(), false);
            assertClose("image_features", t("image_features"), f.tokens(), TOL);
            assertClose("cls_feature", t("cls_feature"), f.cls(), TOL);
            NDArray cls = model.classify(ps, f.cls(), false);
            assertClose("cls_logits", t("cls_logits"), cls, TOL);
            assertSameInts("cls_pred", t("cls_pred"), cls.argMax(1));

            NDArray embeds = model.spliceImage(ps, ids, f.tokens().get(0), false);
            assertEquals(ids("expanded_length")[0], embeds.getShape().get(0));
            assertClose("inputs_embeds", t("inputs_embeds").get(0), embeds, TOL);

            TeacherForcedOutput out = model.forwardTeacherForced(ps, batch, false);
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
            assertClose("image_embeddings", t("image_embeddings"), model.groundingEmbeddings(ps, batch.samPixels(), false),
                    TOL);
        }
    }

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
            long[] sequence = java.util.Arrays.copyOf(prompt, prompt.length + r.tokens().length);
            System.arraycopy(r.tokens(), 0, sequence, prompt.length, r.tokens().length);
            assertArrayEquals(ids("gen_sequences"), sequence);
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
            NDArray image = model.encodeImage(ps, t("clip_pixel_values"), false).tokens().get(0);
            NDArray promptEmbeds = model.spliceImage(ps, java.util.Arrays.copyOf(ids, promptLen), image, false);
            int total = (int) (promptEmbeds.getShape().get(0) + ids.length - promptLen);
            List<NDArray> producing = new ArrayList<>(); // state at each position that predicts the next token
            try (KvCache cache = model.llm().newKvCache(m, 1, total)) {
                StepOutput s = model.llm().prefill(ps, promptEmbeds.expandDims(0), null, cache);
                producing.add(s.hidden());
                for (int j = promptLen; j < ids.length - 1; j++) {
                    s = model.llm().step(ps, m.create(new long[] {ids[j]}), null, cache);
                    producing.add(s.hidden());
                }
            }
            // state that predicts ids[j] (j >= promptLen) is producing.get(j - promptLen)
            List<NDArray> segStates = new ArrayList<>();
            for (int j = promptLen; j < ids.length; j++) {
                if (ids[j] == model.segTokenId()) {
                    segStates.add(producing.get(j - promptLen).reshape(-1));
                }
            }
            NDArray cached = NDArrays.stack(new NDList(segStates), 0);
            assertClose("seg_hidden_states (cached)", t("seg_hidden_states"), cached, TOL);
        }
    }

    @Test
    void safetensorsConversionLoadsToIdenticalOutputs(@TempDir Path tmp) throws Exception {
        Path st = tmp.resolve("legion_tiny_st");
        CheckpointConverter.toSafetensors(Parity.folder("legion_tiny"), st);
        assertTrue(Files.exists(st.resolve("model.safetensors.index.json")));
        try (LegionModel other = load(st); NDManager m = data.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            TeacherForcedBatch batch = new TeacherForcedBatch(t("clip_pixel_values"), t("sam_pixel_values"),
                    List.of(ids("input_ids")), List.of(hw("resize_hw")), List.of(hw("original_hw")));
            TeacherForcedOutput a = model.forwardTeacherForced(ps, batch, false);
            TeacherForcedOutput b = other.forwardTeacherForced(ps, batch, false);
            assertEquals(0.0, Parity.maxAbsDiff(a.logits(), b.logits()));
            assertEquals(0.0, Parity.maxAbsDiff(a.masks().get(0), b.masks().get(0)));
        }
    }

    /** 200 full forwards in sub-managers: the model's manager never gains an array. */
    @Test
    void repeatedForwardsLeakNothing() throws Exception {
        TeacherForcedBatch probe;
        int before = model.manager().getManagedArrays().size();
        for (int i = 0; i < 200; i++) {
            try (NDManager m = data.newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                probe = new TeacherForcedBatch(t("clip_pixel_values").toType(DataType.FLOAT32, false),
                        t("sam_pixel_values"), List.of(ids("input_ids")), List.of(hw("resize_hw")),
                        List.of(hw("original_hw")));
                probe.clipPixels().attach(m);
                probe.samPixels().attach(m);
                model.forwardTeacherForced(ps, probe, false);
            }
            assertEquals(before, model.manager().getManagedArrays().size(), "after forward " + i);
        }
    }
}
