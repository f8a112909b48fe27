package ai.legion.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GlobalImageEncoder} without fixtures: an independent double-precision reference of the HF
 * CLIP vision forward (both activations), the real tower sizes, feature selection, bad inputs and
 * memory ownership.
 */
class GlobalImageEncoderTest {

    /** A tiny tower: 6×6 images, 3×3 patches (4 patches + CLS), width 8, 2 heads, 2 layers. */
    private static ClipVisionConfig tiny(String act) {
        return new ClipVisionConfig(8, 12, 2, 2, 3, 6, 3, act, 1e-5, 8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quick_gelu", "gelu"})
    void matchesDoublePrecisionReference(String act) {
        ClipVisionConfig cfg = tiny(act);
        try (NDManager m = NDManager.newBaseManager()) {
            GlobalImageEncoder enc = new GlobalImageEncoder(cfg);
            Map<String, float[]> w = randomWeights(enc, m, 7);
            int b = 2;
            int s = cfg.imageSize();
            float[] px = gaussian(new Random(11), b * 3 * s * s, 1.0);
            NDArray pixels = m.create(px, new Shape(b, 3, s, s));
            GlobalImageEncoder.Output out = enc.forward(new ParameterStore(m, false), pixels, false);
            double[][][][] ref = reference(cfg, w, px, b);
            for (int i = 0; i < ref.length; i++) {
                assertClose(act + " hidden_states." + i, ref[i], out.hiddenStates().get(i));
            }
            // pooled = post_layernorm(CLS of the last layer)
            double[][][] last = ref[ref.length - 1];
            double[][][] pooled = new double[b][1][];
            for (int bi = 0; bi < b; bi++) {
                pooled[bi][0] = layerNorm(last[bi][0], w.get("post_layernorm.weight"), w.get("post_layernorm.bias"), 1e-5);
            }
            assertClose(act + " pooler_output", pooled, out.pooledOutput().expandDims(1));
            // DJL's NDList form returns (last_hidden_state, pooler_output) with the declared shapes
            NDList list = enc.forward(new ParameterStore(m, false), new NDList(pixels), false);
            assertEquals(2, list.size());
            assertArrayEquals(enc.getOutputShapes(new Shape[] {pixels.getShape()}), list.getShapes());
            assertEquals(0.0, Parity.maxAbsDiff(out.lastHiddenState(), list.get(0)));
            assertEquals(0.0, Parity.maxAbsDiff(out.pooledOutput(), list.get(1)));
        }
    }

    @Test
    void geluAndQuickGeluDiffer() {
        // Guards the reference test: the two activations must give visibly different outputs.
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] last = new NDArray[2];
            String[] acts = {"quick_gelu", "gelu"};
            for (int k = 0; k < 2; k++) {
                GlobalImageEncoder enc = new GlobalImageEncoder(tiny(acts[k]));
                randomWeights(enc, m, 7);
                NDArray px = m.create(gaussian(new Random(11), 2 * 3 * 36, 1.0), new Shape(2, 3, 6, 6));
                last[k] = enc.forward(new ParameterStore(m, false), px, false).lastHiddenState();
                assertEquals(acts[k], enc.layers().get(0).mlp().activation().upstreamName());
            }
            assertTrue(Parity.maxAbsDiff(last[0], last[1]) > 1e-3);
        }
    }

    @Test
    void realTowerSizesComeFromTheConfig() {
        // openai/clip-vit-large-patch14-336 (LEGION) and a ViT-H/14 tower (exact gelu)
        ClipVisionConfig l336 = new ClipVisionConfig(1024, 4096, 24, 16, 3, 336, 14, "quick_gelu", 1e-5, 768);
        ClipVisionConfig h14 = new ClipVisionConfig(1280, 5120, 32, 16, 3, 224, 14, "gelu", 1e-5, 1024);
        WeightMap l = new GlobalImageEncoder(l336).weightMap("vision_model.");
        assertEquals(7 + 16 * 24, l.entries().size());
        assertEquals(303_507_456L, l.parameterCount());
        assertEquals(new Shape(577, 1024), l.entries().get("vision_model.embeddings.position_embedding.weight").shape());
        assertEquals(new Shape(1024, 3, 14, 14), l.entries().get("vision_model.embeddings.patch_embedding.weight").shape());
        assertEquals(new Shape(4096, 1024), l.entries().get("vision_model.encoder.layers.23.mlp.fc1.weight").shape());
        assertTrue(l.entries().containsKey("vision_model.pre_layrnorm.weight"));
        assertTrue(l.entries().containsKey("vision_model.post_layernorm.bias"));
        GlobalImageEncoder h = new GlobalImageEncoder(h14);
        WeightMap hm = h.weightMap("model.vision_tower.vision_tower.vision_model.");
        assertEquals(7 + 16 * 32, hm.entries().size());
        assertEquals(630_766_080L, hm.parameterCount());
        assertEquals(new Shape(257, 1280),
                hm.entries().get("model.vision_tower.vision_tower.vision_model.embeddings.position_embedding.weight").shape());
        assertEquals("gelu", h.layers().get(31).mlp().activation().upstreamName());
        assertEquals(31, h.layersNeeded(-2));
        assertEquals(23, new GlobalImageEncoder(l336).layersNeeded(-2));
        assertArrayEquals(new Shape[] {new Shape(1, 577, 1024), new Shape(1, 1024)},
                new GlobalImageEncoder(l336).getOutputShapes(new Shape[] {new Shape(1, 3, 336, 336)}));
    }

    @Test
    void featureSelectionAndClsToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> hs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                hs.add(m.arange(2 * 5 * 3).reshape(2, 5, 3).toType(DataType.FLOAT32, false).add(100 * i));
            }
            NDArray patch = GlobalImageEncoder.selectFeatures(hs, -2, "patch");
            assertEquals(new Shape(2, 4, 3), patch.getShape());
            assertEquals(200 + 3f, patch.getFloat(0, 0, 0));
            NDArray all = GlobalImageEncoder.selectFeatures(hs, 1, "cls_patch");
            assertEquals(new Shape(2, 5, 3), all.getShape());
            assertEquals(100f, all.getFloat(0, 0, 0));
            NDArray cls = GlobalImageEncoder.clsToken(hs.get(3));
            assertEquals(new Shape(2, 3), cls.getShape());
            assertArrayEquals(new float[] {300, 301, 302, 315, 316, 317}, cls.toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> GlobalImageEncoder.selectFeatures(hs, -5, "patch"));
            assertThrows(IllegalArgumentException.class, () -> GlobalImageEncoder.selectFeatures(hs, 4, "patch"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GlobalImageEncoder.selectFeatures(hs, -2, "cls"));
            assertTrue(e.getMessage().contains("GlobalImageEncoder"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> GlobalImageEncoder.clsToken(m.zeros(new Shape(2, 3))));
        }
    }

    @Test
    void badInputsNameTheBlockAndTheShapes() {
        ClipVisionConfig cfg = tiny("quick_gelu");
        try (NDManager m = NDManager.newBaseManager()) {
            GlobalImageEncoder enc = new GlobalImageEncoder(cfg);
            randomWeights(enc, m, 3);
            ParameterStore ps = new ParameterStore(m, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.forward(ps, m.zeros(new Shape(3, 6, 6)), false));
            assertTrue(e.getMessage().contains("ClipVisionEmbeddings") && e.getMessage().contains("[B, 3, 6, 6]")
                    && e.getMessage().contains("(3, 6, 6)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> enc.forward(ps, m.zeros(new Shape(1, 3, 7, 7)), false));
            assertTrue(e.getMessage().contains("(1, 3, 7, 7)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> enc.forward(ps, m.zeros(new Shape(1, 4, 6, 6)), false));
            e = assertThrows(IllegalArgumentException.class, () -> enc.forward(ps, m.zeros(new Shape(1, 3, 6, 6)), 3, false));
            assertTrue(e.getMessage().contains("GlobalImageEncoder") && e.getMessage().contains("numLayers"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> enc.forward(ps, m.zeros(new Shape(1, 3, 6, 6)), -1, false));
            e = assertThrows(IllegalArgumentException.class,
                    () -> enc.layers().get(0).attention().forward(ps, m.zeros(new Shape(1, 5, 7)), false));
            assertTrue(e.getMessage().contains("ClipAttention") && e.getMessage().contains("(1, 5, 7)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> enc.layers().get(0).mlp().forward(ps, m.zeros(new Shape(5, 7)), false));
            assertTrue(e.getMessage().contains("CLIPMLP") && e.getMessage().contains("(5, 7)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> enc.layersNeeded(-4));
            assertThrows(IllegalArgumentException.class, () -> enc.layersNeeded(3));
            assertEquals(0, enc.layersNeeded(-3));
            e = assertThrows(IllegalArgumentException.class,
                    () -> new GlobalImageEncoder(new ClipVisionConfig(8, 12, 2, 2, 3, 6, 3, "relu", 1e-5, 8)));
            assertTrue(e.getMessage().contains("GlobalImageEncoder") && e.getMessage().contains("relu"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> new GlobalImageEncoder(new ClipVisionConfig(9, 12, 2, 2, 3, 6, 3, "gelu", 1e-5, 8)));
        }
    }

    @Test
    void forwardLeavesNothingInTheParameterManager() {
        ClipVisionConfig cfg = tiny("gelu");
        try (NDManager params = NDManager.newBaseManager()) {
            GlobalImageEncoder enc = new GlobalImageEncoder(cfg);
            randomWeights(enc, params, 5);
            ParameterStore ps = new ParameterStore(params, false);
            float[] px = gaussian(new Random(1), 3 * 36, 1.0);
            int before = params.getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                try (NDManager sub = params.newSubManager()) {
                    // odd iterations feed float64 pixels, exercising the cast to the weights' dtype
                    NDArray pixels = sub.create(px, new Shape(1, 3, 6, 6));
                    if (i % 2 == 1) {
                        pixels = pixels.toType(DataType.FLOAT64, false);
                    }
                    GlobalImageEncoder.Output out = enc.forward(ps, pixels, 1 + i % 2, false);
                    GlobalImageEncoder.Output full = enc.forward(ps, sub.create(px, new Shape(1, 3, 6, 6)), false);
                    full.pooledOutput().sum().getFloat();
                    out.selectFeatures(-2, "patch").sum().getFloat();
                    GlobalImageEncoder.clsToken(full.lastHiddenState()).sum().getFloat();
                }
            }
            assertEquals(before, params.getManagedArrays().size(), "arrays leaked into the parameter manager");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Fills every parameter with seeded values (like the fixture generator: norms near 1, small biases). */
    static Map<String, float[]> randomWeights(GlobalImageEncoder enc, NDManager m, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> out = new HashMap<>();
        for (WeightMap.Entry e : enc.weightMap("").entries().values()) {
            Shape s = e.shape();
            int n = (int) s.size();
            float[] v;
            String k = e.key();
            if (k.contains("norm") && k.endsWith("weight")) {
                v = gaussian(r, n, 0.2);
                for (int i = 0; i < n; i++) {
                    v[i] += 1f;
                }
            } else if (k.endsWith("bias")) {
                v = gaussian(r, n, 0.2);
            } else if (k.contains("embedding") && !k.contains("patch")) {
                v = gaussian(r, n, 0.5);
            } else {
                v = gaussian(r, n, 1.0 / Math.sqrt(s.size() / s.get(0)));
            }
            out.put(k, v);
            e.parameter().setArray(m.create(v, s));
        }
        return out;
    }

    static float[] gaussian(Random r, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }

    private static void assertClose(String what, double[][][] expected, NDArray actual) {
        int b = expected.length;
        int t = expected[0].length;
        int c = expected[0][0].length;
        assertEquals(new Shape(b, t, c), actual.getShape(), what + " shape");
        float[] a = actual.toFloatArray();
        double worst = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                for (int k = 0; k < c; k++) {
                    worst = Math.max(worst, Math.abs(expected[i][j][k] - a[(i * t + j) * c + k]));
                }
            }
        }
        assertTrue(worst <= 1e-4, what + ": max |diff| " + worst);
    }

    /** HF CLIPVisionTransformer in double precision: hidden_states[0..L], each [B][T][C]. */
    private static double[][][][] reference(ClipVisionConfig cfg, Map<String, float[]> w, float[] px, int b) {
        int c = cfg.hiddenSize();
        int p = cfg.patchSize();
        int g = cfg.gridSize();
        int s = cfg.imageSize();
        int ch = cfg.numChannels();
        int t = cfg.numPositions();
        double eps = cfg.layerNormEps();
        float[] conv = w.get("embeddings.patch_embedding.weight");
        float[] cls = w.get("embeddings.class_embedding");
        float[] pos = w.get("embeddings.position_embedding.weight");
        double[][][] h = new double[b][t][c];
        for (int bi = 0; bi < b; bi++) {
            for (int o = 0; o < c; o++) {
                h[bi][0][o] = cls[o] + pos[o];
            }
            for (int gy = 0; gy < g; gy++) {
                for (int gx = 0; gx < g; gx++) {
                    int tok = 1 + gy * g + gx;
                    for (int o = 0; o < c; o++) {
                        double acc = 0;
                        for (int ci = 0; ci < ch; ci++) {
                            for (int ky = 0; ky < p; ky++) {
                                for (int kx = 0; kx < p; kx++) {
                                    acc += conv[((o * ch + ci) * p + ky) * p + kx]
                                            * px[((bi * ch + ci) * s + gy * p + ky) * s + gx * p + kx];
                                }
                            }
                        }
                        h[bi][tok][o] = acc + pos[tok * c + o];
                    }
                }
            }
            for (int j = 0; j < t; j++) {
                h[bi][j] = layerNorm(h[bi][j], w.get("pre_layrnorm.weight"), w.get("pre_layrnorm.bias"), eps);
            }
        }
        List<double[][][]> states = new ArrayList<>();
        states.add(h);
        boolean quick = "quick_gelu".equals(cfg.hiddenAct());
        int heads = cfg.numAttentionHeads();
        int d = cfg.headDim();
        for (int l = 0; l < cfg.numHiddenLayers(); l++) {
            String pre = "encoder.layers." + l + ".";
            double[][][] next = new double[b][t][];
            for (int bi = 0; bi < b; bi++) {
                double[][] x = h[bi];
                double[][] n1 = new double[t][];
                for (int j = 0; j < t; j++) {
                    n1[j] = layerNorm(x[j], w.get(pre + "layer_norm1.weight"), w.get(pre + "layer_norm1.bias"), eps);
                }
                double[][] q = new double[t][];
                double[][] k = new double[t][];
                double[][] v = new double[t][];
                for (int j = 0; j < t; j++) {
                    q[j] = linear(n1[j], w.get(pre + "self_attn.q_proj.weight"), w.get(pre + "self_attn.q_proj.bias"));
                    k[j] = linear(n1[j], w.get(pre + "self_attn.k_proj.weight"), w.get(pre + "self_attn.k_proj.bias"));
                    v[j] = linear(n1[j], w.get(pre + "self_attn.v_proj.weight"), w.get(pre + "self_attn.v_proj.bias"));
                }
                double[][] ctx = new double[t][c];
                for (int hd = 0; hd < heads; hd++) {
                    for (int i = 0; i < t; i++) {
                        double[] sc = new double[t];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < t; j++) {
                            double acc = 0;
                            for (int e = 0; e < d; e++) {
                                acc += q[i][hd * d + e] * k[j][hd * d + e];
                            }
                            sc[j] = acc / Math.sqrt(d);
                            max = Math.max(max, sc[j]);
                        }
                        double z = 0;
                        for (int j = 0; j < t; j++) {
                            sc[j] = Math.exp(sc[j] - max);
                            z += sc[j];
                        }
                        for (int j = 0; j < t; j++) {
                            for (int e = 0; e < d; e++) {
                                ctx[i][hd * d + e] += sc[j] / z * v[j][hd * d + e];
                            }
                        }
                    }
                }
                for (int j = 0; j < t; j++) {
                    double[] a = linear(ctx[j], w.get(pre + "self_attn.out_proj.weight"), w.get(pre + "self_attn.out_proj.bias"));
                    double[] r = new double[c];
                    for (int o = 0; o < c; o++) {
                        r[o] = x[j][o] + a[o];
                    }
                    double[] n2 = layerNorm(r, w.get(pre + "layer_norm2.weight"), w.get(pre + "layer_norm2.bias"), eps);
                    double[] f = linear(n2, w.get(pre + "mlp.fc1.weight"), w.get(pre + "mlp.fc1.bias"));
                    for (int o = 0; o < f.length; o++) {
                        f[o] = quick ? f[o] / (1 + Math.exp(-1.702 * f[o])) : 0.5 * f[o] * (1 + erf(f[o] / Math.sqrt(2)));
                    }
                    double[] m = linear(f, w.get(pre + "mlp.fc2.weight"), w.get(pre + "mlp.fc2.bias"));
                    for (int o = 0; o < c; o++) {
                        r[o] += m[o];
                    }
                    next[bi][j] = r;
                }
            }
            h = next;
            states.add(h);
        }
        return states.toArray(new double[0][][][]);
    }

    private static double[] linear(double[] x, float[] w, float[] bias) {
        int out = bias.length;
        int in = x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double acc = bias[o];
            for (int i = 0; i < in; i++) {
                acc += w[o * in + i] * x[i];
            }
            y[o] = acc;
        }
        return y;
    }

    private static double[] layerNorm(double[] x, float[] gamma, float[] beta, double eps) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + eps) * gamma[i] + beta[i];
        }
        return y;
    }

    /** erf via its Maclaurin series for |x| < 3 and the asymptotic continued fraction beyond. */
    private static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double sum = a;
            double term = a;
            for (int n = 1; n < 100; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))) (Lentz-free backward evaluation)
            double f = a;
            for (int k = 60; k >= 1; k--) {
                f = a + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
