package ai.legion.models.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.models.testing.Parity;
import ai.legion.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Point, box and mask prompts (no upstream fixture exists for them): compared with references
 * computed here in plain Java (double precision) from the checkpoint values read directly from the
 * safetensors file, following segment-anything's formulas.
 */
class PromptEncoderTest {

    private static final double TOL = 1e-4;

    private static SamConfig cfg;
    private static int e;
    private static int inH;
    private static int inW;
    private static int gh;
    private static int gw;
    private static float[] gauss; // [2, E/2]
    private static float[][] pointEmb = new float[4][];
    private static float[] notAPoint;
    private static float[] noMask;

    @BeforeAll
    static void readWeights() throws Exception {
        cfg = DecoderFixture.samConfig();
        e = cfg.promptEncoder().embedDim();
        inH = cfg.promptEncoder().inputImageSize().get(0);
        inW = cfg.promptEncoder().inputImageSize().get(1);
        gh = cfg.promptEncoder().imageEmbeddingSize().get(0);
        gw = cfg.promptEncoder().imageEmbeddingSize().get(1);
        try (SafetensorsFile f = SafetensorsFile.open(Parity.folder("sam").resolve("model.safetensors"))) {
            gauss = Fixtures.floats(f, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix");
            for (int i = 0; i < 4; i++) {
                pointEmb[i] = Fixtures.floats(f, "prompt_encoder.point_embeddings." + i + ".weight");
            }
            notAPoint = Fixtures.floats(f, "prompt_encoder.not_a_point_embed.weight");
            noMask = Fixtures.floats(f, "prompt_encoder.no_mask_embed.weight");
        }
    }

    /** sin/cos random-Fourier encoding of one pixel coordinate of the encoder input (already +0.5 shifted). */
    private static double[] pe(double x, double y) {
        int f = e / 2;
        double ux = 2 * (x / inW) - 1;
        double uy = 2 * (y / inH) - 1;
        double[] out = new double[e];
        for (int j = 0; j < f; j++) {
            double p = 2 * Math.PI * (ux * gauss[j] + uy * gauss[f + j]);
            out[j] = Math.sin(p);
            out[f + j] = Math.cos(p);
        }
        return out;
    }

    private static double[] plus(double[] a, float[] b) {
        double[] r = a.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += b[i];
        }
        return r;
    }

    private static void assertRow(String what, double[] expected, NDArray actualRow) {
        float[] a = actualRow.toFloatArray();
        assertEquals(expected.length, a.length, what + " width");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - a[i]));
        }
        assertTrue(worst <= TOL, what + ": max |diff| " + worst);
    }

    @Test
    void pointAndBoxMatchTheRandomFourierFormula() throws Exception {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            PromptEncoder pe = d.promptEncoder();
            float px = 0.3f * inW;
            float py = 0.7f * inH;
            float[] box = {0.1f * inW, 0.2f * inH, 0.8f * inW, 0.9f * inH};
            PromptEncoder.Points points = new PromptEncoder.Points(
                    m.create(new float[] {px, py}, new Shape(1, 1, 2)), m.create(new long[] {1}, new Shape(1, 1)));
            PromptEncoder.Prompts p = pe.forward(ps, m, points, m.create(box, new Shape(1, 4)), null, null, false);
            // a box is given, so the points are not padded: [point, top-left, bottom-right]
            assertEquals(new Shape(1, 3, e), p.sparse().getShape());
            assertRow("positive point", plus(pe(px + 0.5, py + 0.5), pointEmb[1]), p.sparse().get("0, 0, :"));
            assertRow("box top-left", plus(pe(box[0] + 0.5, box[1] + 0.5), pointEmb[2]), p.sparse().get("0, 1, :"));
            assertRow("box bottom-right", plus(pe(box[2] + 0.5, box[3] + 0.5), pointEmb[3]), p.sparse().get("0, 2, :"));
            assertNoMaskDense(p.dense(), 1);

            // the prompt runs through the whole decoder
            NDArray img = m.randomNormal(new Shape(1, e, gh, gw));
            MaskDecoder.Output out = d.maskDecoder().forward(ps, img, pe.getDensePe(ps, m, false), p.sparse(), p.dense(),
                    true, false);
            assertEquals(new Shape(1, cfg.maskDecoder().numMultimaskOutputs(), 4L * gh, 4L * gw), out.masks().getShape());
            assertEquals(new Shape(1, 1 + cfg.maskDecoder().numMaskTokens() + 3, e), out.queries().getShape());
        }
    }

    @Test
    void pointsWithoutBoxesArePaddedAndLabelsSelectTheEmbedding() throws Exception {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            // two prompts with 3 points each: labels 1, 0, -1 / 0, 1, 2 (2 is neither: plain PE upstream)
            float[] xy = {1, 2, 10, 20, 5, 5, 0, 0, 33, 12, 7, 60};
            long[] labels = {1, 0, -1, 0, 1, 2};
            NDArray text = m.randomNormal(new Shape(2, 1, e));
            PromptEncoder.Prompts p = d.promptEncoder().forward(ps, m,
                    new PromptEncoder.Points(m.create(xy, new Shape(2, 3, 2)), m.create(labels, new Shape(2, 3))), null, null,
                    text, false);
            // points + one padding point + the text token
            assertEquals(new Shape(2, 5, e), p.sparse().getShape());
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 3; i++) {
                    double x = xy[(b * 3 + i) * 2] + 0.5;
                    double y = xy[(b * 3 + i) * 2 + 1] + 0.5;
                    long l = labels[b * 3 + i];
                    double[] expected = l == -1 ? plus(new double[e], notAPoint)
                            : l == 0 ? plus(pe(x, y), pointEmb[0]) : l == 1 ? plus(pe(x, y), pointEmb[1]) : pe(x, y);
                    assertRow("prompt " + b + " point " + i + " label " + l, expected, p.sparse().get(b + ", " + i + ", :"));
                }
                assertRow("prompt " + b + " padding point", plus(new double[e], notAPoint), p.sparse().get(b + ", 3, :"));
                assertArrayEquals(text.get(b + ", 0, :").toFloatArray(), p.sparse().get(b + ", 4, :").toFloatArray(),
                        "text embeddings come last, unchanged");
            }
            assertNoMaskDense(p.dense(), 2);
        }
    }

    @Test
    void noPromptGivesOneEmptySparsePrompt() throws Exception {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            PromptEncoder.Prompts p = d.promptEncoder().forward(new ParameterStore(params, false), m, null, null, null, null,
                    false);
            assertEquals(new Shape(1, 0, e), p.sparse().getShape());
            assertNoMaskDense(p.dense(), 1);
        }
    }

    @Test
    void maskPromptMatchesAPlainJavaDownscaling() throws Exception {
        int c = cfg.promptEncoder().maskInChans();
        int q = c / 4;
        float[] w0;
        float[] b0;
        float[] n1w;
        float[] n1b;
        float[] w3;
        float[] b3;
        float[] n4w;
        float[] n4b;
        float[] w6;
        float[] b6;
        try (SafetensorsFile f = SafetensorsFile.open(Parity.folder("sam").resolve("model.safetensors"))) {
            String p = "prompt_encoder.mask_downscaling.";
            w0 = Fixtures.floats(f, p + "0.weight");
            b0 = Fixtures.floats(f, p + "0.bias");
            n1w = Fixtures.floats(f, p + "1.weight");
            n1b = Fixtures.floats(f, p + "1.bias");
            w3 = Fixtures.floats(f, p + "3.weight");
            b3 = Fixtures.floats(f, p + "3.bias");
            n4w = Fixtures.floats(f, p + "4.weight");
            n4b = Fixtures.floats(f, p + "4.bias");
            w6 = Fixtures.floats(f, p + "6.weight");
            b6 = Fixtures.floats(f, p + "6.bias");
        }
        int bsz = 2;
        int mh = 4 * gh;
        int mw = 4 * gw;
        float[] mask = new float[bsz * mh * mw];
        Random r = new Random(7);
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (float) (3 * r.nextGaussian());
        }
        double[][][][] x = new double[bsz][1][mh][mw];
        for (int b = 0; b < bsz; b++) {
            for (int i = 0; i < mh; i++) {
                for (int j = 0; j < mw; j++) {
                    x[b][0][i][j] = mask[(b * mh + i) * mw + j];
                }
            }
        }
        double[][][][] y = gelu(layerNorm2d(conv(x, w0, b0, q, 2), n1w, n1b));
        y = gelu(layerNorm2d(conv(y, w3, b3, c, 2), n4w, n4b));
        y = conv(y, w6, b6, e, 1);

        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            PromptEncoder.Prompts p = d.promptEncoder().forward(new ParameterStore(params, false), m, null, null,
                    m.create(mask, new Shape(bsz, 1, mh, mw)), null, false);
            assertEquals(new Shape(bsz, 0, e), p.sparse().getShape());
            assertEquals(new Shape(bsz, e, gh, gw), p.dense().getShape());
            float[] got = p.dense().toFloatArray();
            double worst = 0;
            int idx = 0;
            for (int b = 0; b < bsz; b++) {
                for (int o = 0; o < e; o++) {
                    for (int i = 0; i < gh; i++) {
                        for (int j = 0; j < gw; j++) {
                            worst = Math.max(worst, Math.abs(y[b][o][i][j] - got[idx++]));
                        }
                    }
                }
            }
            assertTrue(worst <= TOL, "mask_downscaling: max |diff| " + worst);
        }
    }

    @Test
    void badPromptsAreRejected() throws Exception {
        try (NDManager params = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            PixelDecoder d = DecoderFixture.samDecoder(params);
            ParameterStore ps = new ParameterStore(params, false);
            PromptEncoder pe = d.promptEncoder();
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> pe.forward(ps, m.zeros(new Shape(2, 1, e + 1)), false));
            assertTrue(ex.getMessage().startsWith("PromptEncoder:") && ex.getMessage().contains("text_embeds"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pe.forward(ps, m.zeros(new Shape(2, e)), false));
            assertThrows(IllegalArgumentException.class, () -> pe.forward(ps, m, null, m.zeros(new Shape(1, 3)), null, null, false));
            ex = assertThrows(IllegalArgumentException.class,
                    () -> pe.forward(ps, m, null, null, m.zeros(new Shape(1, 1, 4 * gh + 1, 4 * gw)), null, false));
            assertTrue(ex.getMessage().contains("masks"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pe.forward(ps, m,
                    new PromptEncoder.Points(m.zeros(new Shape(1, 2, 2)), m.zeros(new Shape(1, 3))), null, null, null, false));
            // text batch must equal the point batch (upstream torch.cat would fail)
            assertThrows(IllegalArgumentException.class, () -> pe.forward(ps, m,
                    new PromptEncoder.Points(m.zeros(new Shape(1, 2, 2)), m.zeros(new Shape(1, 2))), null, null,
                    m.zeros(new Shape(2, 1, e)), false));
        }
    }

    private static void assertNoMaskDense(NDArray dense, int batch) {
        assertEquals(new Shape(batch, e, gh, gw), dense.getShape());
        float[] v = dense.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            int ch = (i / (gh * gw)) % e;
            assertEquals(noMask[ch], v[i], 0f, "dense = no_mask_embed broadcast");
        }
    }

    /** Conv2d with kernel = stride = k (k = 1 or 2), no padding; weight [O, C, k, k]. */
    private static double[][][][] conv(double[][][][] x, float[] w, float[] bias, int out, int k) {
        int b = x.length;
        int cin = x[0].length;
        int h = x[0][0].length / k;
        int wd = x[0][0][0].length / k;
        double[][][][] y = new double[b][out][h][wd];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        double s = bias[o];
                        for (int ci = 0; ci < cin; ci++) {
                            for (int p = 0; p < k; p++) {
                                for (int qq = 0; qq < k; qq++) {
                                    s += x[n][ci][i * k + p][j * k + qq] * w[((o * cin + ci) * k + p) * k + qq];
                                }
                            }
                        }
                        y[n][o][i][j] = s;
                    }
                }
            }
        }
        return y;
    }

    private static double[][][][] layerNorm2d(double[][][][] x, float[] w, float[] bias) {
        int c = x[0].length;
        double[][][][] y = new double[x.length][c][x[0][0].length][x[0][0][0].length];
        for (int n = 0; n < x.length; n++) {
            for (int i = 0; i < x[0][0].length; i++) {
                for (int j = 0; j < x[0][0][0].length; j++) {
                    double u = 0;
                    for (int ch = 0; ch < c; ch++) {
                        u += x[n][ch][i][j];
                    }
                    u /= c;
                    double s = 0;
                    for (int ch = 0; ch < c; ch++) {
                        s += (x[n][ch][i][j] - u) * (x[n][ch][i][j] - u);
                    }
                    s /= c;
                    for (int ch = 0; ch < c; ch++) {
                        y[n][ch][i][j] = w[ch] * (x[n][ch][i][j] - u) / Math.sqrt(s + 1e-6) + bias[ch];
                    }
                }
            }
        }
        return y;
    }

    private static double[][][][] gelu(double[][][][] x) {
        for (double[][][] a : x) {
            for (double[][] b : a) {
                for (double[] c : b) {
                    for (int i = 0; i < c.length; i++) {
                        c[i] = 0.5 * c[i] * (1 + erf(c[i] / Math.sqrt(2)));
                    }
                }
            }
        }
        return x;
    }

    /** Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7, far below the tolerance). */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double v = 1 - poly * Math.exp(-x * x);
        return x < 0 ? -v : v;
    }
}
