package ai.legion.models.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.models.testing.Parity;
import org.junit.jupiter.api.Test;

/**
 * Parity with {@code parity/sam}: LEGION's SAM prompt encoder (text prompts), the mask decoder
 * (single- and multi-mask), the two-way transformer outputs and the mask post-processing, all
 * computed by the upstream code.
 */
class PixelDecoderSamParityTest {

    private static final double TOL = 1e-4;

    @Test
    void matchesUpstreamSam() throws Exception {
        SamConfig cfg = DecoderFixture.samConfig();
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager();
                Checkpoint io = Parity.open("sam", "io.safetensors")) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            NDArray img = Parity.tensor(m, io, "image_embeddings");
            NDArray text = Parity.tensor(m, io, "text_embeds");
            long k = text.getShape().get(0);

            PromptEncoder.Prompts prompts = d.promptEncoder().forward(ps, text, false);
            report("sparse_embeddings", Parity.tensor(m, io, "sparse_embeddings"), prompts.sparse());
            report("dense_embeddings", Parity.tensor(m, io, "dense_embeddings"), prompts.dense());
            NDArray pe = d.promptEncoder().getDensePe(ps, m, false);
            report("dense_pe", Parity.tensor(m, io, "dense_pe"), pe);

            MaskDecoder.Output single = d.maskDecoder().forward(ps, img, pe, prompts.sparse(), prompts.dense(), false, false);
            report("twoway_hs", Parity.tensor(m, io, "twoway_hs"), single.queries());
            report("twoway_src", Parity.tensor(m, io, "twoway_src"), single.keys());
            report("low_res_masks", Parity.tensor(m, io, "low_res_masks"), single.masks());
            report("iou_predictions", Parity.tensor(m, io, "iou_predictions"), single.iouPredictions());

            MaskDecoder.Output multi = d.maskDecoder().forward(ps, img, pe, prompts.sparse(), prompts.dense(), true, false);
            assertEquals(cfg.maskDecoder().numMultimaskOutputs(), multi.masks().getShape().get(1));
            report("low_res_masks_multimask", Parity.tensor(m, io, "low_res_masks_multimask"), multi.masks());
            report("iou_predictions_multimask", Parity.tensor(m, io, "iou_predictions_multimask"), multi.iouPredictions());

            // the LEGION entry point: [K, E] embeddings -> single-mask low-res logits
            NDArray seg = text.reshape(k, cfg.promptEncoder().embedDim());
            report("decode == low_res_masks", Parity.tensor(m, io, "low_res_masks"), d.decode(ps, img, seg, false));
            // and through DJL's NDList API
            NDList viaBlock = d.forward(ps, new NDList(img, seg), false);
            report("forward(NDList) == low_res_masks", Parity.tensor(m, io, "low_res_masks"), viaBlock.singletonOrThrow());

            int imgSize = cfg.imageEncoder().imgSize();
            int[] resized = ints(Parity.tensor(m, io, "resize_hw"));
            int[] original = ints(Parity.tensor(m, io, "original_hw"));
            report("masks_upscaled", Parity.tensor(m, io, "masks_upscaled"), MaskPostprocessor.upscale(single.masks(), imgSize));
            NDArray masks = MaskPostprocessor.postprocess(single.masks(), imgSize, resized, original);
            assertEquals(DataType.FLOAT32, masks.getDataType());
            report("masks", Parity.tensor(m, io, "masks"), masks);
            NDArray union = MaskPostprocessor.union(MaskPostprocessor.binary(masks));
            NDArray expectedUnion = Parity.tensor(m, io, "union_mask");
            Parity.assertSameInts("union_mask", expectedUnion, union);
            long set = expectedUnion.toType(DataType.INT64, false).sum().getLong();
            assertTrue(set > 0 && set < expectedUnion.size(), "union mask is neither empty nor full (" + set + ")");
        }
    }

    static void report(String name, NDArray expected, NDArray actual) {
        double d = Parity.maxAbsDiff(expected, actual);
        System.out.printf("[decoder parity] %-34s max|diff| = %.3e%n", name, d);
        Parity.assertClose(name, expected, actual, TOL);
    }

    static int[] ints(NDArray a) {
        long[] v = a.toType(DataType.INT64, false).toLongArray();
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = Math.toIntExact(v[i]);
        }
        return r;
    }
}
