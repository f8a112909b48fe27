package ai.legion.models.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.WeightMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pixel decoder without fixtures: K = 0, memory ownership, shape errors, key layout, helpers. */
class PixelDecoderTest {

    @Test
    void noSegTokenGivesNoMaskAndAnEmptyUnion() throws Exception {
        SamConfig cfg = DecoderFixture.samConfig();
        int e = cfg.promptEncoder().embedDim();
        int g = cfg.gridSize();
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            NDArray img = m.randomNormal(new Shape(1, e, g, g));
            NDArray low = d.decode(ps, img, m.zeros(new Shape(0, e)), false);
            assertEquals(new Shape(0, 1, 4L * g, 4L * g), low.getShape());
            NDArray masks = MaskPostprocessor.postprocess(low, cfg.imageEncoder().imgSize(),
                    new int[] {cfg.imageEncoder().imgSize(), cfg.imageEncoder().imgSize() / 2}, new int[] {37, 21});
            assertEquals(new Shape(0, 1, 37, 21), masks.getShape());
            NDArray union = MaskPostprocessor.union(MaskPostprocessor.binary(masks));
            assertEquals(new Shape(37, 21), union.getShape());
            assertEquals(DataType.BOOLEAN, union.getDataType());
            assertTrue(!union.any().getBoolean(), "K = 0: empty union");
            // multimask with no prompt also has the right (empty) shapes
            PromptEncoder.Prompts p = d.promptEncoder().forward(ps, m.zeros(new Shape(0, 1, e)), false);
            MaskDecoder.Output o = d.maskDecoder().forward(ps, img, d.promptEncoder().getDensePe(ps, m, false), p.sparse(),
                    p.dense(), true, false);
            assertEquals(new Shape(0, cfg.maskDecoder().numMultimaskOutputs(), 4L * g, 4L * g), o.masks().getShape());
            assertEquals(new Shape(0, cfg.maskDecoder().numMultimaskOutputs()), o.iouPredictions().getShape());
        }
    }

    @Test
    void forwardsInSubManagersLeaveNothingInTheParameterManager() throws Exception {
        SamConfig cfg = DecoderFixture.samConfig();
        int e = cfg.promptEncoder().embedDim();
        int g = cfg.gridSize();
        int img = cfg.imageEncoder().imgSize();
        try (NDManager params = NDManager.newBaseManager(); NDManager base = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            int before = -1;
            for (int it = 0; it <= 50; it++) {
                try (NDManager sub = base.newSubManager()) {
                    NDArray imageEmb = sub.randomNormal(new Shape(1, e, g, g));
                    NDArray seg = sub.randomNormal(new Shape(3, e));
                    NDArray low = d.decode(ps, imageEmb, seg, false);
                    NDArray masks = MaskPostprocessor.postprocess(low, img, new int[] {img, img - 1}, new int[] {29, 31});
                    MaskPostprocessor.union(MaskPostprocessor.binary(masks));
                    // every prompt kind and the multimask path
                    PromptEncoder.Prompts p = d.promptEncoder().forward(ps, sub,
                            new PromptEncoder.Points(sub.randomUniform(0, img, new Shape(2, 2, 2)), sub.ones(new Shape(2, 2))),
                            sub.randomUniform(0, img, new Shape(2, 4)), sub.randomNormal(new Shape(2, 1, 4 * g, 4 * g)),
                            sub.randomNormal(new Shape(2, 1, e)), false);
                    d.maskDecoder().forward(ps, imageEmb, d.promptEncoder().getDensePe(ps, sub, false), p.sparse(), p.dense(),
                            true, false);
                    d.promptEncoder().forward(ps, sub,
                            new PromptEncoder.Points(sub.zeros(new Shape(1, 1, 2)), sub.zeros(new Shape(1, 1))), null, null,
                            null, false);
                }
                if (it == 0) {
                    before = params.getManagedArrays().size(); // after a warm-up pass
                }
            }
            assertEquals(before, params.getManagedArrays().size(), "parameter manager must not grow");
            assertEquals(0, base.getManagedArrays().size(), "everything was released with the sub-managers");
        }
    }

    @Test
    void wrongShapesAreRejectedWithTheBlockName() throws Exception {
        SamConfig cfg = DecoderFixture.samConfig();
        int e = cfg.promptEncoder().embedDim();
        int g = cfg.gridSize();
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            NDArray img = m.zeros(new Shape(1, e, g, g));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> d.decode(ps, m.zeros(new Shape(e, g, g)), m.zeros(new Shape(2, e)), false));
            assertTrue(ex.getMessage().startsWith("PixelDecoder:") && ex.getMessage().contains("image embeddings"),
                    ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.decode(ps, m.zeros(new Shape(2, e, g, g)),
                    m.zeros(new Shape(2, e)), false));
            assertThrows(IllegalArgumentException.class, () -> d.decode(ps, m.zeros(new Shape(1, e, g + 1, g)),
                    m.zeros(new Shape(2, e)), false));
            ex = assertThrows(IllegalArgumentException.class, () -> d.decode(ps, img, m.zeros(new Shape(2, 1, e)), false));
            assertTrue(ex.getMessage().contains("[SEG]"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.decode(ps, img, m.zeros(new Shape(2, e + 2)), false));

            NDArray pe = d.promptEncoder().getDensePe(ps, m, false);
            NDArray sparse = m.zeros(new Shape(2, 1, e));
            NDArray dense = m.zeros(new Shape(2, e, g, g));
            MaskDecoder md = d.maskDecoder();
            ex = assertThrows(IllegalArgumentException.class,
                    () -> md.forward(ps, img, pe, m.zeros(new Shape(2, e)), dense, false, false));
            assertTrue(ex.getMessage().startsWith("MaskDecoder:"), ex.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> md.forward(ps, m.zeros(new Shape(3, e, g, g)), pe, sparse, dense, false, false));
            assertThrows(IllegalArgumentException.class,
                    () -> md.forward(ps, img, m.zeros(new Shape(1, e, g, g + 1)), sparse, dense, false, false));
            assertThrows(IllegalArgumentException.class,
                    () -> md.forward(ps, img, pe, sparse, m.zeros(new Shape(3, e, g, g)), false, false));
            ex = assertThrows(IllegalArgumentException.class, () -> md.transformer().forward(ps, m.zeros(new Shape(2, e, g, g)),
                    pe, m.zeros(new Shape(3, 6, e)), false));
            assertTrue(ex.getMessage().startsWith("TwoWayTransformer:"), ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class, () -> new TwoWayAttention(16, 3, 2));
            assertTrue(ex.getMessage().startsWith("TwoWayAttention:"), ex.getMessage());
        }
    }

    @Test
    void stateDictKeysFollowUpstream() throws Exception {
        SamConfig cfg = SamConfig.vitH();
        WeightMap map = new PixelDecoder(cfg).weightMap("model.grounding_encoder.");
        String p = "model.grounding_encoder.";
        assertEquals(new Shape(2, 128), map.entries().get(p + "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix").shape());
        assertEquals(new Shape(4, 1, 2, 2), map.entries().get(p + "prompt_encoder.mask_downscaling.0.weight").shape());
        assertEquals(new Shape(16, 4, 2, 2), map.entries().get(p + "prompt_encoder.mask_downscaling.3.weight").shape());
        assertEquals(new Shape(256, 16, 1, 1), map.entries().get(p + "prompt_encoder.mask_downscaling.6.weight").shape());
        assertEquals(new Shape(4, 256), map.entries().get(p + "mask_decoder.mask_tokens.weight").shape());
        assertEquals(new Shape(128, 256),
                map.entries().get(p + "mask_decoder.transformer.layers.1.cross_attn_image_to_token.q_proj.weight").shape());
        assertEquals(new Shape(256, 128),
                map.entries().get(p + "mask_decoder.transformer.final_attn_token_to_image.out_proj.weight").shape());
        assertEquals(new Shape(2048, 256), map.entries().get(p + "mask_decoder.transformer.layers.0.mlp.lin1.weight").shape());
        assertEquals(new Shape(256, 64, 2, 2), map.entries().get(p + "mask_decoder.output_upscaling.0.weight").shape());
        assertEquals(new Shape(64, 32, 2, 2), map.entries().get(p + "mask_decoder.output_upscaling.3.weight").shape());
        assertEquals(new Shape(32, 256),
                map.entries().get(p + "mask_decoder.output_hypernetworks_mlps.3.layers.2.weight").shape());
        assertEquals(new Shape(4, 256), map.entries().get(p + "mask_decoder.iou_prediction_head.layers.2.weight").shape());
        assertTrue(map.entries().keySet().stream().allMatch(k -> k.startsWith(p + "prompt_encoder.")
                || k.startsWith(p + "mask_decoder.")));
        // 3 pe/no-mask/not-a-point + 4 point + 10 mask_downscaling; 2 tokens + 2x(4x8 attn + 4 mlp + 8 norm) + 8 + 2
        // + 6 upscaling + 4x6 hypernetworks + 6 iou head
        assertEquals(3 + 4 + 10 + 2 + 2 * (3 * 8 + 4 + 8) + 8 + 2 + 6 + 24 + 6, map.entries().size());
    }

    @Test
    void convTransposeMatchesPlainJava() {
        Random r = new Random(3);
        int b = 2;
        int c = 3;
        int h = 2;
        int w = 3;
        int o = 4;
        int k = 2;
        float[] x = new float[b * c * h * w];
        float[] wt = new float[c * o * k * k];
        float[] bias = new float[o];
        for (float[] a : new float[][] {x, wt, bias}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray y = DecoderOps.convTranspose2dNonOverlapping(m.create(x, new Shape(b, c, h, w)),
                    m.create(wt, new Shape(c, o, k, k)), m.create(bias));
            assertEquals(new Shape(b, o, h * k, w * k), y.getShape());
            float[] got = y.toFloatArray();
            for (int n = 0; n < b; n++) {
                for (int oo = 0; oo < o; oo++) {
                    for (int yy = 0; yy < h * k; yy++) {
                        for (int xx = 0; xx < w * k; xx++) {
                            double s = bias[oo];
                            for (int cc = 0; cc < c; cc++) {
                                s += x[((n * c + cc) * h + yy / k) * w + xx / k] * wt[((cc * o + oo) * k + yy % k) * k + xx % k];
                            }
                            assertEquals(s, got[((n * o + oo) * h * k + yy) * w * k + xx], 1e-5);
                        }
                    }
                }
            }
        }
    }
}
