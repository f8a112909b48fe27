package ai.legion.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.models.testing.Parity;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A freshly created model saves as a LEGION folder that loads back to the same outputs. */
class LegionModelCreateSaveTest {

    @TempDir
    Path tmp;

    @Test
    void createdModelsSaveAndLoadBackIdentically() throws Exception {
        LegionConfig cfg = LegionConfig.read(Parity.folder("legion_tiny").resolve("config.json"));
        ClipVisionConfig clip = ClipVisionConfig.read(Parity.folder("legion_tiny/clip/config.json"));
        SamConfig sam = SamConfig.read(Parity.folder("sam").resolve("config.json"));
        try (LegionModel fresh = LegionModel.create(cfg, clip, sam, Parity.folder("legion_tiny"), true, Device.cpu(),
                0.02f, 3)) {
            Path dir = tmp.resolve("f32");
            fresh.save(dir, LegionModel.SavePrecision.FLOAT32);
            try (LegionModel back = LegionModel.loader().model(dir).load(); NDManager m = NDManager.newBaseManager()) {
                assertTrue(back.loadReport().isComplete(), back.loadReport().toString());
                assertEquals(sam, back.samConfig());
                ParameterStore ps = new ParameterStore(m, false);
                var clipPx = m.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, clip.imageSize(), clip.imageSize()));
                var samPx = m.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, sam.imageEncoder().imgSize(),
                        sam.imageEncoder().imgSize()));
                long[] ids = back.tokenizer().encodeWithImage("A <image> picture of <p> a dog </p> [SEG] here.");
                LegionInput batch = new LegionInput(clipPx, samPx, List.of(ids),
                        List.of(new int[] {sam.imageEncoder().imgSize(), sam.imageEncoder().imgSize()}),
                        List.of(new int[] {20, 30}));
                LegionOutput a = fresh.forward(ps, batch, false);
                LegionOutput b = back.forward(ps, batch, false);
                assertEquals(0.0, Parity.maxAbsDiff(a.logits(), b.logits()));
                assertEquals(0.0, Parity.maxAbsDiff(a.masks().get(0), b.masks().get(0)));
                assertEquals(1, a.masks().get(0).getShape().get(0));
            }
            Path mixed = tmp.resolve("bf16");
            fresh.save(mixed, LegionModel.SavePrecision.MIXED_BF16);
            try (Checkpoint c = Checkpoints.open(mixed)) {
                assertEquals(DType.BF16, c.info("model.embed_tokens.weight").dtype());
                assertEquals(DType.F32, c.info("model.grounding_encoder.image_encoder.pos_embed").dtype());
            }
            try (LegionModel back = LegionModel.loader().model(mixed).load()) {
                var w = back.weightMap(false).parameter("model.embed_tokens.weight").getArray();
                var orig = fresh.weightMap(false).parameter("model.embed_tokens.weight").getArray();
                double d = w.sub(orig).abs().max().getFloat();
                assertTrue(d > 0 && d < 1e-2, "bf16 rounding only: " + d);
                assertEquals(DataType.FLOAT32, w.getDataType());
            }
        }
    }
}
