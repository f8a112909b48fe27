package ai.legion.models.heads;

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
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.WeightMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Key layouts, numerics against plain Java, bad inputs and memory ownership of the heads. */
class HeadsTest {

    @Test
    void projectorKeyLayouts() {
        // LLaVA build_vision_projector: "linear" is a bare nn.Linear, mlpNx_gelu a Sequential with GELUs at odd slots
        assertEquals(List.of("model.mm_projector.weight", "model.mm_projector.bias"),
                keys(new VisionLanguageProjector("linear", 1024, 4096), "model.mm_projector."));
        WeightMap two = new VisionLanguageProjector("mlp2x_gelu", 1024, 4096).weightMap("model.mm_projector.");
        assertEquals(List.of("model.mm_projector.0.weight", "model.mm_projector.0.bias", "model.mm_projector.2.weight",
                "model.mm_projector.2.bias"), List.copyOf(two.entries().keySet()));
        assertEquals(new Shape(4096, 1024), two.entries().get("model.mm_projector.0.weight").shape());
        assertEquals(new Shape(4096, 4096), two.entries().get("model.mm_projector.2.weight").shape());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                keys(new VisionLanguageProjector("mlp3x_gelu", 8, 16), ""));
        assertEquals(List.of("0.weight", "0.bias"), keys(new VisionLanguageProjector("mlp1x_gelu", 8, 16), ""));
        WeightMap fcs = new TextHiddenProjection(4096, 256).weightMap("model.text_hidden_fcs.");
        assertEquals(List.of("model.text_hidden_fcs.0.0.weight", "model.text_hidden_fcs.0.0.bias",
                "model.text_hidden_fcs.0.2.weight", "model.text_hidden_fcs.0.2.bias"), List.copyOf(fcs.entries().keySet()));
        assertEquals(new Shape(256, 4096), fcs.entries().get("model.text_hidden_fcs.0.2.weight").shape());
        WeightMap det = new DetectionHead(1024).weightMap("prediction_head.");
        assertEquals(new Shape(2048, 1024), det.entries().get("prediction_head.0.weight").shape());
        assertEquals(new Shape(2, 2048), det.entries().get("prediction_head.2.weight").shape());
        assertEquals(new Shape(2), det.entries().get("prediction_head.2.bias").shape());
        assertEquals(1, DetectionHead.REAL_INDEX);
        assertEquals(0, DetectionHead.FAKE_INDEX);
    }

    @Test
    void headsMatchPlainJava() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random r = new Random(3);
            ParameterStore ps = new ParameterStore(m, false);
            float[] x = gaussian(r, 2 * 3 * 5);
            NDArray in = m.create(x, new Shape(2, 3, 5));

            VisionLanguageProjector lin = new VisionLanguageProjector("linear", 5, 4);
            float[][] lw = fill(lin, m, r);
            check(mlp(x, 5, lw, false, false), lin.forward(ps, in, false), "linear");

            VisionLanguageProjector mlp3 = new VisionLanguageProjector("mlp3x_gelu", 5, 4);
            float[][] mw = fill(mlp3, m, r);
            check(mlp(x, 5, mw, true, false), mlp3.forward(ps, in, false), "mlp3x_gelu");

            TextHiddenProjection fcs = new TextHiddenProjection(5, 3);
            float[][] fw = fill(fcs, m, r);
            check(mlp(x, 5, fw, false, true), fcs.forward(ps, in, false), "text_hidden_fcs");

            DetectionHead det = new DetectionHead(5);
            float[][] dw = fill(det, m, r);
            NDArray feat = m.create(gaussian(r, 4 * 5), new Shape(4, 5));
            float[] expected = mlp(feat.toFloatArray(), 5, dw, false, true);
            NDArray logits = det.forward(ps, feat, false);
            check(expected, logits, "prediction_head");
            check(expected, det.forward(ps, new NDList(feat), false).singletonOrThrow(), "prediction_head (NDList)");
            check(mlp(x, 5, mw, true, false), mlp3.forward(ps, new NDList(in), false).singletonOrThrow(), "mlp3x_gelu (NDList)");
            check(mlp(x, 5, fw, false, true), fcs.forward(ps, new NDList(in), false).singletonOrThrow(), "text_hidden_fcs (NDList)");
            long[] pred = DetectionHead.predict(logits).toLongArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[2 * i + 1] > expected[2 * i] ? DetectionHead.REAL_INDEX : DetectionHead.FAKE_INDEX,
                        pred[i]);
            }
            assertEquals(DataType.INT64, DetectionHead.predict(logits).getDataType());
            assertArrayEquals(new Shape[] {new Shape(7, 2)}, det.getOutputShapes(new Shape[] {new Shape(7, 5)}));
            assertArrayEquals(new Shape[] {new Shape(1, 9, 4)}, mlp3.getOutputShapes(new Shape[] {new Shape(1, 9, 5)}));
        }
    }

    @Test
    void badInputsNameTheBlock() {
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            Random r = new Random(1);
            VisionLanguageProjector proj = new VisionLanguageProjector("mlp2x_gelu", 5, 4);
            fill(proj, m, r);
            TextHiddenProjection fcs = new TextHiddenProjection(4, 3);
            fill(fcs, m, r);
            DetectionHead det = new DetectionHead(5);
            fill(det, m, r);
            expect("VisionLanguageProjector", "(1, 9, 4)", () -> proj.forward(ps, m.zeros(new Shape(1, 9, 4)), false));
            expect("VisionLanguageProjector", "(5)", () -> proj.forward(ps, m.zeros(new Shape(5)), false));
            expect("TextHiddenProjection", "(2, 5)", () -> fcs.forward(ps, m.zeros(new Shape(2, 5)), false));
            expect("DetectionHead", "(1, 4)", () -> det.forward(ps, m.zeros(new Shape(1, 4)), false));
            expect("DetectionHead", "int32", () -> det.forward(ps, m.zeros(new Shape(1, 5), DataType.INT32), false));
            expect("DetectionHead", "(1, 3)", () -> DetectionHead.predict(m.zeros(new Shape(1, 3))));
            expect("VisionLanguageProjector", "mlp2x_relu", () -> new VisionLanguageProjector("mlp2x_relu", 5, 4));
            expect("VisionLanguageProjector", "mlp0x_gelu", () -> new VisionLanguageProjector("mlp0x_gelu", 5, 4));
            expect("TextHiddenProjection", "out_dim", () -> new TextHiddenProjection(4, 0));
        }
    }

    @Test
    void forwardLeavesNothingInTheParameterManager() {
        try (NDManager params = NDManager.newBaseManager()) {
            Random r = new Random(9);
            ParameterStore ps = new ParameterStore(params, false);
            VisionLanguageProjector proj = new VisionLanguageProjector("mlp2x_gelu", 6, 8);
            fill(proj, params, r);
            VisionLanguageProjector lin = new VisionLanguageProjector("linear", 6, 8);
            fill(lin, params, r);
            TextHiddenProjection fcs = new TextHiddenProjection(8, 4);
            fill(fcs, params, r);
            DetectionHead det = new DetectionHead(6);
            fill(det, params, r);
            float[] feats = gaussian(r, 3 * 6);
            int before = params.getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                try (NDManager sub = params.newSubManager()) {
                    NDArray x = sub.create(feats, new Shape(1, 3, 6));
                    NDArray h = proj.forward(ps, x, false).add(lin.forward(ps, x, false));
                    fcs.forward(ps, h, false).sum().getFloat();
                    // a float64 input exercises the dtype cast path too
                    NDArray cls = x.get(":, 0, :").toType(DataType.FLOAT64, false);
                    DetectionHead.predict(det.forward(ps, cls, false)).getLong(0);
                }
            }
            assertEquals(before, params.getManagedArrays().size(), "arrays leaked into the parameter manager");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static List<String> keys(LegionBlock b, String prefix) {
        return List.copyOf(b.weightMap(prefix).entries().keySet());
    }

    /** Seeded weights for every parameter, returned in registration order (weight, bias, weight, bias, ...). */
    private static float[][] fill(LegionBlock b, NDManager m, Random r) {
        List<float[]> out = new ArrayList<>();
        for (WeightMap.Entry e : b.weightMap("").entries().values()) {
            float[] v = gaussian(r, (int) e.shape().size());
            e.parameter().setArray(m.create(v, e.shape()));
            out.add(v);
        }
        return out.toArray(new float[0][]);
    }

    /**
     * Linear layers applied in turn to rows of width {@code in}: GELU (exact) between them when
     * {@code gelu}, ReLU when {@code relu}.
     */
    private static float[] mlp(float[] x, int in, float[][] wb, boolean gelu, boolean relu) {
        int rows = x.length / in;
        List<Float> all = new ArrayList<>();
        for (int row = 0; row < rows; row++) {
            double[] h = new double[in];
            for (int i = 0; i < in; i++) {
                h[i] = x[row * in + i];
            }
            for (int l = 0; l < wb.length / 2; l++) {
                if (l > 0) {
                    for (int i = 0; i < h.length; i++) {
                        h[i] = gelu ? 0.5 * h[i] * (1 + erf(h[i] / Math.sqrt(2))) : relu ? Math.max(0, h[i]) : h[i];
                    }
                }
                float[] w = wb[2 * l];
                float[] b = wb[2 * l + 1];
                double[] y = new double[b.length];
                for (int o = 0; o < b.length; o++) {
                    double acc = b[o];
                    for (int i = 0; i < h.length; i++) {
                        acc += w[o * h.length + i] * h[i];
                    }
                    y[o] = acc;
                }
                h = y;
            }
            for (double v : h) {
                all.add((float) v);
            }
        }
        float[] res = new float[all.size()];
        for (int i = 0; i < res.length; i++) {
            res[i] = all.get(i);
        }
        return res;
    }

    private static void check(float[] expected, NDArray actual, String what) {
        float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
        assertEquals(expected.length, a.length, what + " size");
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], 1e-4, what + " element " + i);
        }
    }

    private static void expect(String block, String detail, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(block) && e.getMessage().contains(detail), e.getMessage());
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** erf by its Maclaurin series (inputs here are small). */
    private static double erf(double x) {
        double a = Math.abs(x);
        if (a > 5) {
            return Math.signum(x);
        }
        double sum = a;
        double term = a;
        for (int n = 1; n < 200; n++) {
            term *= -a * a / n;
            sum += term / (2 * n + 1);
        }
        double v = 2 / Math.sqrt(Math.PI) * sum;
        return x < 0 ? -v : v;
    }
}
