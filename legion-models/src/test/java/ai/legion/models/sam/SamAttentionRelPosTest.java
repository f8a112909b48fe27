package ai.legion.models.sam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.WeightMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code get_rel_pos} with and without its interpolation branch, against hand-computed values, and
 * the whole attention on a grid that forces the interpolation, against a direct double-precision
 * evaluation of upstream's formulas.
 */
class SamAttentionRelPosTest {

    @Test
    void linearResizeMatchesHandComputedWeights() {
        // upsample 3 -> 5: scale 0.6, src = 0.6(d+0.5)-0.5 = -0.2(->0), 0.4, 1.0, 1.6, 2.2 (last repeats)
        float[][] up = SamAttention.linearResizeWeights(3, 5);
        float[][] expectedUp = {{1, 0, 0}, {0.6f, 0.4f, 0}, {0, 1, 0}, {0, 0.4f, 0.6f}, {0, 0, 1}};
        for (int d = 0; d < 5; d++) {
            assertArrayEquals(expectedUp[d], up[d], 1e-6f, "3->5 row " + d);
        }
        // downsample 5 -> 3: scale 5/3, src = 1/3, 2, 11/3
        float[][] down = SamAttention.linearResizeWeights(5, 3);
        float[][] expectedDown = {{2f / 3, 1f / 3, 0, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, 0, 1f / 3, 2f / 3}};
        for (int d = 0; d < 3; d++) {
            assertArrayEquals(expectedDown[d], down[d], 1e-6f, "5->3 row " + d);
        }
        // same length: identity
        float[][] same = SamAttention.linearResizeWeights(4, 4);
        for (int d = 0; d < 4; d++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(d == i ? 1f : 0f, same[d][i], 0f);
            }
        }
    }

    @Test
    void relativeCoordsMatchUpstreamForEqualAndUnequalSizes() {
        assertArrayEquals(new int[][] {{2, 1, 0}, {3, 2, 1}, {4, 3, 2}}, SamAttention.relativeCoords(3, 3));
        // q < k: q coords scaled by k/q = 2, offset (k-1) = 3 -> 2i - j + 3
        assertArrayEquals(new int[][] {{3, 2, 1, 0}, {5, 4, 3, 2}}, SamAttention.relativeCoords(2, 4));
        // q > k: k coords scaled by q/k = 2, offset (k-1)·2 = 2 -> i - 2j + 2
        assertArrayEquals(new int[][] {{2, 0}, {3, 1}, {4, 2}, {5, 3}}, SamAttention.relativeCoords(4, 2));
        // non-integer ratio 1.5: i - 1.5j + 1.5, truncated
        assertArrayEquals(new int[][] {{1, 0}, {2, 1}, {3, 2}}, SamAttention.relativeCoords(3, 2));
    }

    @Test
    void getRelPosGathersAndInterpolates() {
        try (NDManager m = NDManager.newBaseManager()) {
            // stored length 3 but q = k = 3 needs 5 rows -> resized table r0..r4:
            // (1,10), (1.4,14), (2,20), (3.2,32), (4,40); R[i][j] = r[i - j + 2]
            NDArray table = m.create(new float[] {1, 10, 2, 20, 4, 40}, new Shape(3, 2));
            NDArray r = SamAttention.getRelPos(m, 3, 3, table);
            assertEquals(new Shape(3, 3, 2), r.getShape());
            float[][] rows = {{1, 10}, {1.4f, 14}, {2, 20}, {3.2f, 32}, {4, 40}};
            float[] expected = new float[18];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    System.arraycopy(rows[i - j + 2], 0, expected, (i * 3 + j) * 2, 2);
                }
            }
            assertArrayEquals(expected, r.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {2, 20}, r.get(0, 0).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {3.2f, 32}, r.get(1, 0).toFloatArray(), 1e-5f);

            // matching length: a plain gather, bit-exact
            NDArray t5 = m.create(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, new Shape(5, 1));
            float[] g = SamAttention.getRelPos(m, 3, 3, t5).toFloatArray();
            assertArrayEquals(new float[] {0.3f, 0.2f, 0.1f, 0.4f, 0.3f, 0.2f, 0.5f, 0.4f, 0.3f}, g, 0f);

            // q != k (2 vs 4): length 7 needed, table of 7 -> rows 2i - j + 3
            NDArray t7 = m.arange(7f).reshape(7, 1);
            assertArrayEquals(new float[] {3, 2, 1, 0, 5, 4, 3, 2}, SamAttention.getRelPos(m, 2, 4, t7).toFloatArray(), 0f);
        }
    }

    @Test
    void attentionOnAnOtherGridMatchesADirectEvaluation() {
        int dim = 8;
        int heads = 2;
        int hd = dim / heads;
        // tables sized for a 2x3 input (lengths 3 and 5); run on 3x4 (needs 5 and 7): both resized
        SamAttention att = new SamAttention(dim, heads, true, true, 2, 3);
        int b = 2;
        int gh = 3;
        int gw = 4;
        Random rnd = new Random(7);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, float[]> host = new HashMap<>();
            for (WeightMap.Entry e : att.weightMap("").entries().values()) {
                float[] v = new float[(int) e.shape().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rnd.nextGaussian() * (e.key().startsWith("rel_pos") ? 0.5 : 0.4));
                }
                host.put(e.key(), v);
                e.parameter().setArray(m.create(v, e.shape()));
            }
            float[] x = new float[b * gh * gw * dim];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            NDArray out = att.forward(new ParameterStore(m, false), m.create(x, new Shape(b, gh, gw, dim)), false);
            assertEquals(new Shape(b, gh, gw, dim), out.getShape());
            double[] ref = reference(x, host, b, gh, gw, dim, heads, hd, 3, 5);
            float[] got = out.toFloatArray();
            double max = 0;
            for (int i = 0; i < got.length; i++) {
                max = Math.max(max, Math.abs(got[i] - ref[i]));
            }
            System.out.println("[rel-pos interpolation] attention max |diff| vs direct evaluation: " + max);
            assertEquals(0, max, 1e-5);

            // the relative-position bias must contribute: the same attention without it differs
            SamAttention plain = new SamAttention(dim, heads, true, false, 2, 3);
            for (WeightMap.Entry e : plain.weightMap("").entries().values()) {
                e.parameter().setArray(m.create(host.get(e.key()), e.shape()));
            }
            NDArray noBias = plain.forward(new ParameterStore(m, false), m.create(x, new Shape(b, gh, gw, dim)), false);
            double effect = out.sub(noBias).abs().max().getFloat();
            assertEquals(true, effect > 1e-2, "rel-pos effect " + effect);
        }
    }

    @Test
    void chunkedAttentionEqualsTheWholeForEveryChunkShape() {
        // 6 "batch x heads", a 5x7 grid (35 queries and keys): a grid row of logits is 7 x 35 x 4 = 980 bytes
        int bh = 6;
        int gh = 5;
        int gw = 7;
        long row = (long) gw * gh * gw * 4;
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            NDArray q = m.randomNormal(new Shape(bh, gh * gw, 4));
            NDArray k = m.randomNormal(new Shape(bh, gh * gw, 4));
            NDArray v = m.randomNormal(new Shape(bh, gh * gw, 4));
            NDArray th = m.randomNormal(new Shape(2 * gh - 1, 4));
            NDArray tw = m.randomNormal(new Shape(2 * gw - 1, 4));
            for (boolean rel : new boolean[] {true, false}) {
                NDArray tableH = rel ? th : null;
                NDArray tableW = rel ? tw : null;
                float[] whole = SamAttention.attend(q, k, v, tableH, tableW, gh, gw, Long.MAX_VALUE).toFloatArray();
                // one row of one head, two rows (the last chunk shorter), the whole grid of 1, 4 (a shorter last
                // group) and all heads, and the in-place single chunk
                for (long bytes : new long[] {1, row, 2 * row, gh * row, 4 * gh * row, bh * gh * row,
                    Long.MAX_VALUE - 1}) {
                    NDArray out = SamAttention.attend(q, k, v, tableH, tableW, gh, gw, bytes);
                    assertEquals(new Shape(bh, gh * gw, 4), out.getShape());
                    assertArrayEquals(whole, out.toFloatArray(), 1e-6f, "rel " + rel + ", chunk " + bytes + " B");
                }
            }
        }
    }

    /** Upstream Attention.forward in double, with get_rel_pos's linear resize written out directly. */
    private static double[] reference(float[] x, Map<String, float[]> w, int b, int gh, int gw, int dim, int heads,
            int hd, int lenH, int lenW) {
        double[][] rh = resizedTable(w.get("rel_pos_h"), lenH, 2 * gh - 1, hd);
        double[][] rw = resizedTable(w.get("rel_pos_w"), lenW, 2 * gw - 1, hd);
        int n = gh * gw;
        double[] out = new double[b * n * dim];
        float[] wq = w.get("qkv.weight");
        float[] bq = w.get("qkv.bias");
        float[] wp = w.get("proj.weight");
        float[] bp = w.get("proj.bias");
        double scale = 1 / Math.sqrt(hd);
        for (int bi = 0; bi < b; bi++) {
            double[][] qkv = new double[n][3 * dim];
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < 3 * dim; o++) {
                    double s = bq[o];
                    for (int c = 0; c < dim; c++) {
                        s += wq[o * dim + c] * (double) x[(bi * n + t) * dim + c];
                    }
                    qkv[t][o] = s;
                }
            }
            double[][] merged = new double[n][dim];
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < n; t++) {
                    int y = t / gw;
                    int xx = t % gw;
                    double[] logits = new double[n];
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u < n; u++) {
                        int ky = u / gw;
                        int kx = u % gw;
                        double dot = 0;
                        double relh = 0;
                        double relw = 0;
                        for (int c = 0; c < hd; c++) {
                            double q = qkv[t][h * hd + c];
                            dot += q * scale * qkv[u][dim + h * hd + c];
                            relh += q * rh[y - ky + gh - 1][c];
                            relw += q * rw[xx - kx + gw - 1][c];
                        }
                        logits[u] = dot + relh + relw;
                        mx = Math.max(mx, logits[u]);
                    }
                    double z = 0;
                    for (int u = 0; u < n; u++) {
                        logits[u] = Math.exp(logits[u] - mx);
                        z += logits[u];
                    }
                    for (int c = 0; c < hd; c++) {
                        double s = 0;
                        for (int u = 0; u < n; u++) {
                            s += logits[u] / z * qkv[u][2 * dim + h * hd + c];
                        }
                        merged[t][h * hd + c] = s;
                    }
                }
            }
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < dim; o++) {
                    double s = bp[o];
                    for (int c = 0; c < dim; c++) {
                        s += wp[o * dim + c] * merged[t][c];
                    }
                    out[(bi * n + t) * dim + o] = s;
                }
            }
        }
        return out;
    }

    /** F.interpolate(mode="linear", align_corners=False) along the length of a [len, hd] table. */
    private static double[][] resizedTable(float[] table, int len, int outLen, int hd) {
        double[][] r = new double[outLen][hd];
        double scale = (double) len / outLen;
        for (int d = 0; d < outLen; d++) {
            double src = Math.max(0, scale * (d + 0.5) - 0.5);
            int i0 = (int) Math.floor(src);
            int i1 = Math.min(i0 + 1, len - 1);
            double l1 = src - i0;
            for (int c = 0; c < hd; c++) {
                r[d][c] = (1 - l1) * table[i0 * hd + c] + l1 * table[i1 * hd + c];
            }
        }
        return r;
    }
}
