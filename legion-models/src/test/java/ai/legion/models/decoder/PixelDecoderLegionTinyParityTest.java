package ai.legion.models.decoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.models.testing.Parity;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Parity with {@code parity/legion_tiny}: the pixel decoder loaded from a complete (sharded, mixed
 * dtype) GLaMM/LEGION checkpoint under {@code model.grounding_encoder.}, prompted with the projected
 * [SEG] embeddings the upstream model produced.
 */
class PixelDecoderLegionTinyParityTest {

    private static final String PREFIX = "model.grounding_encoder.";

    @Test
    void matchesUpstreamLegion() throws Exception {
        SamConfig cfg = DecoderFixture.samConfig();
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager();
                Checkpoint io = Parity.open("legion_tiny", "io.safetensors")) {
            PixelDecoder d = new PixelDecoder(cfg);
            try (Checkpoint ckpt = Checkpoints.open(Parity.folder("legion_tiny"))) {
                // everything outside the pixel decoder belongs to other blocks of the model
                var report = DecoderFixture.load(d, PREFIX, ckpt, params, List.of(PREFIX + "image_encoder.", "model.",
                        "lm_head.", "prediction_head."));
                assertTrue(report.unexpected().stream().noneMatch(k -> k.startsWith(PREFIX + "prompt_encoder.")
                        || k.startsWith(PREFIX + "mask_decoder.")), "all prompt encoder / mask decoder keys are taken");
            }
            ParameterStore ps = new ParameterStore(params, false);
            NDArray img = Parity.tensor(m, io, "image_embeddings");
            NDArray seg = Parity.tensor(m, io, "pred_embeddings");

            PromptEncoder.Prompts prompts = d.promptEncoder().forward(ps, seg.expandDims(1), false);
            PixelDecoderSamParityTest.report("legion sparse_embeddings", Parity.tensor(m, io, "sparse_embeddings"),
                    prompts.sparse());
            PixelDecoderSamParityTest.report("legion dense_embeddings", Parity.tensor(m, io, "dense_embeddings"),
                    prompts.dense());
            NDArray pe = d.promptEncoder().getDensePe(ps, m, false);
            MaskDecoder.Output out = d.maskDecoder().forward(ps, img, pe, prompts.sparse(), prompts.dense(), false, false);
            PixelDecoderSamParityTest.report("legion low_res_masks", Parity.tensor(m, io, "low_res_masks"), out.masks());
            PixelDecoderSamParityTest.report("legion iou_predictions", Parity.tensor(m, io, "iou_predictions"),
                    out.iouPredictions());

            NDArray lowRes = d.decode(ps, img, seg, false);
            PixelDecoderSamParityTest.report("legion decode == low_res_masks", Parity.tensor(m, io, "low_res_masks"), lowRes);

            int[] resized = PixelDecoderSamParityTest.ints(Parity.tensor(m, io, "resize_hw"));
            int[] original = PixelDecoderSamParityTest.ints(Parity.tensor(m, io, "original_hw"));
            NDArray masks = MaskPostprocessor.postprocess(lowRes, cfg.imageEncoder().imgSize(), resized, original);
            NDArray predMasks = masks.squeeze(1); // the fixture keeps LEGION's pred_masks[:, 0] layout [K, H, W]
            PixelDecoderSamParityTest.report("legion pred_masks", Parity.tensor(m, io, "pred_masks"), predMasks);
            NDArray expectedUnion = Parity.tensor(m, io, "union_mask");
            Parity.assertSameInts("legion union_mask", expectedUnion, MaskPostprocessor.union(MaskPostprocessor.binary(predMasks)));
            Parity.assertSameInts("legion union_mask ([K,1,H,W] input)", expectedUnion,
                    MaskPostprocessor.union(MaskPostprocessor.binary(masks)));
            long set = expectedUnion.toType(DataType.INT64, false).sum().getLong();
            assertTrue(set > 0 && set < expectedUnion.size(), "union mask is neither empty nor full (" + set + ")");
        }
    }
}
