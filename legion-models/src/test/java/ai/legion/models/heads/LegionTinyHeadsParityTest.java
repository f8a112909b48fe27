package ai.legion.models.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.nn.StateDictBlock;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The heads and the CLIP tower inside LEGION, against {@code parity/legion_tiny}: image features for
 * the LLM, {@code text_hidden_fcs} and the stage-2 detection path (LEGION's own {@code LegionForCls}).
 */
class LegionTinyHeadsParityTest {

    private static final double TOL = 1e-4;

    private static NDManager manager;
    private static LegionConfig config;
    private static GlobalImageEncoder clip;
    private static VisionLanguageProjector projector;
    private static TextHiddenProjection textFcs;
    private static DetectionHead head;
    private static ParameterStore ps;

    @BeforeAll
    static void load() throws Exception {
        manager = NDManager.newBaseManager();
        config = LegionConfig.read(Parity.folder("legion_tiny").resolve("config.json"));
        ClipVisionConfig vision = ClipVisionConfig.read(Parity.folder("legion_tiny").resolve("clip/config.json"));
        assertEquals(config.mmHiddenSize(), vision.hiddenSize(), "mm_hidden_size is the CLIP width");
        clip = new GlobalImageEncoder(vision);
        try (Checkpoint w = Parity.open("legion_tiny", "clip/model.safetensors")) {
            Parity.loadWeights(clip, "vision_model.", w, manager, GlobalImageEncoder.ignorableKeys());
        }
        projector = new VisionLanguageProjector(config);
        textFcs = new TextHiddenProjection(config);
        head = new DetectionHead(config);
        try (Checkpoint ckpt = Checkpoints.open(Parity.folder("legion_tiny"))) {
            loadPart(projector, "model.mm_projector.", ckpt);
            loadPart(textFcs, "model.text_hidden_fcs.", ckpt);
            loadPart(head, "prediction_head.", ckpt);
        }
        ps = new ParameterStore(manager, false);
    }

    /** A partial, non-strict load that must still find every key of the block. */
    private static void loadPart(StateDictBlock block, String prefix, Checkpoint ckpt) throws Exception {
        WeightMap map = block.weightMap(prefix);
        WeightMap.LoadReport report = map.load(ckpt, manager, NDArrayLoader.FloatPolicy.FLOAT32, k -> false, false);
        assertTrue(report.missing().isEmpty(), prefix + ": " + report);
        assertEquals(map.entries().size(), report.loaded().size(), prefix + ": " + report);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void imageFeaturesForTheLlm() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Parity.open("legion_tiny", "io.safetensors")) {
            NDArray px = Parity.tensor(sub, io, "clip_pixel_values");
            int select = config.mmVisionSelectLayer();
            String feature = config.mmVisionSelectFeature();
            GlobalImageEncoder.Output full = clip.forward(ps, px, false);
            NDArray selected = GlobalImageEncoder.selectFeatures(full.hiddenStates(), select, feature);
            NDArray expected = Parity.tensor(sub, io, "clip_selected_features");
            report("clip_selected_features", expected, selected);
            assertEquals(config.numImageTokens(clip.config()), selected.getShape().get(1));
            // the early-stopping path LEGION uses gives the same features
            GlobalImageEncoder.Output early = clip.forward(ps, px, clip.layersNeeded(select), false);
            report("clip_selected_features (early stop)", expected, early.selectFeatures(select, feature));
            report("image_features", Parity.tensor(sub, io, "image_features"), projector.forward(ps, selected, false));
        }
    }

    @Test
    void textHiddenFcs() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Parity.open("legion_tiny", "io.safetensors")) {
            NDArray hidden = Parity.tensor(sub, io, "last_hidden_post_norm");
            report("text_hidden_fcs_out", Parity.tensor(sub, io, "text_hidden_fcs_out"), textFcs.forward(ps, hidden, false));
            // per-[SEG] rows as LEGION feeds them to SAM
            report("pred_embeddings", Parity.tensor(sub, io, "pred_embeddings"),
                    textFcs.forward(ps, Parity.tensor(sub, io, "seg_hidden_states"), false));
        }
    }

    @Test
    void detectionPath() throws Exception {
        try (NDManager sub = manager.newSubManager(); Checkpoint io = Parity.open("legion_tiny", "io.safetensors")) {
            NDArray px = Parity.tensor(sub, io, "clip_pixel_values");
            GlobalImageEncoder.Output out = clip.forward(ps, px, clip.layersNeeded(-2), false);
            NDArray cls = GlobalImageEncoder.clsToken(out.hiddenState(-2));
            report("cls_feature", Parity.tensor(sub, io, "cls_feature"), cls);
            NDArray logits = head.forward(ps, cls, false);
            report("cls_logits", Parity.tensor(sub, io, "cls_logits"), logits);
            NDArray expectedPred = Parity.tensor(sub, io, "cls_pred");
            Parity.assertSameInts("cls_pred", expectedPred, DetectionHead.predict(logits));
            NDArray stored = Parity.tensor(sub, io, "cls_logits");
            double margin = Math.abs(stored.getFloat(0, 0) - stored.getFloat(0, 1));
            System.out.printf("[legion_tiny] cls_pred = %d (%s), logit margin %.4f%n", expectedPred.getLong(0),
                    expectedPred.getLong(0) == DetectionHead.REAL_INDEX ? "real" : "fake", margin);
        }
    }

    private static void report(String name, NDArray expected, NDArray actual) {
        double d = Parity.maxAbsDiff(expected, actual);
        System.out.printf("[legion_tiny] %-40s max|diff| = %.3e%n", name, d);
        Parity.assertClose(name, expected, actual, TOL);
    }
}
