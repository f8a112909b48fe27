package ai.legion.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The building blocks: upstream key names, declaration order, init rules, the MLP's arithmetic. */
class NnBlocksTest {

    /** A block that declares parameters and children interleaved, as a Sequential with own parameters would. */
    static final class Mixed extends UnaryBlock {
        Mixed() {
            param("pos_embed", Init.NORMAL, 2, 3);
            child("norm", new LayerNorm(3, 1e-5));
            child("proj", new Linear(3, 4, true));
            param("scale", Init.normal(1f), 4);
        }

        @Override
        public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
            return x;
        }
    }

    @Test
    void keysFollowTheUpstreamNamesInDeclarationOrderWithTheirInits() {
        WeightMap m = new Mixed().weightMap("model.");
        assertEquals(List.of("model.pos_embed", "model.norm.weight", "model.norm.bias", "model.proj.weight",
                "model.proj.bias", "model.scale"), List.copyOf(m.entries().keySet()));
        assertEquals(List.of(Init.NORMAL, Init.ONES, Init.ZEROS, Init.NORMAL, Init.ZEROS, Init.normal(1f)),
                m.entries().values().stream().map(WeightMap.Entry::init).toList());
        assertEquals(new Shape(4, 3), m.entries().get("model.proj.weight").shape());

        assertEquals(List.of("lin1.weight", "lin1.bias", "lin2.weight", "lin2.bias"),
                keys(Mlp.mlpBlock(4, 8, Mlp.Activation.GELU)));
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight",
                "layers.2.bias"), keys(Mlp.layers(4, 5, 2, 3, false)));
        assertEquals(List.of("0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias"),
                keys(new Mlp("m", Mlp.sequentialNames("0.", 2), new long[] {4, 4, 2}, Mlp.Activation.RELU, false)));
        assertEquals(List.of("weight", "bias"),
                keys(new Mlp("m", List.of(""), new long[] {4, 2}, Mlp.Activation.GELU, false)));
        assertEquals(List.of("weight", "bias"), keys(new LayerNorm2d(3)));
        assertEquals(Init.ONES, new LayerNorm2d(3).weightMap("").entries().get("weight").init());

        assertThrows(IllegalArgumentException.class, () -> new UnaryBlock() {
            {
                param("w", Init.ZEROS, 1);
                child("w", new Linear(1, 1, false));
            }

            @Override
            public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
                return x;
            }
        }, "a name declared twice");
        assertThrows(IllegalArgumentException.class,
                () -> new Mlp("m", List.of("", "b"), new long[] {1, 2, 3}, Mlp.Activation.RELU, false));
        assertThrows(IllegalArgumentException.class,
                () -> new Mlp("m", List.of("a"), new long[] {1, 2, 3}, Mlp.Activation.RELU, false));
        assertEquals(Mlp.Activation.QUICK_GELU, Mlp.Activation.of("quick_gelu"));
        assertThrows(IllegalArgumentException.class, () -> Mlp.Activation.of("silu"));
    }

    private static List<String> keys(StateDictBlock b) {
        return List.copyOf(b.weightMap("").entries().keySet());
    }

    @Test
    void initializeFollowsEachDeclaredRuleAndTheSeed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp mlp = new Mlp("m", List.of("a", "b"), new long[] {300, 200, 100}, Mlp.Activation.RELU, false);
            Mixed mixed = new Mixed();
            WeightMap map = mlp.weightMap("");
            map.initialize(m, 0.02f, 11);
            NDArray w = map.parameter("a.weight").getArray();
            assertEquals(0.02, std(w), 0.002);
            assertEquals(0, w.mean().getFloat(), 0.002);
            assertEquals(0f, map.parameter("a.bias").getArray().abs().sum().getFloat());
            float[] first = w.toFloatArray();
            map.initialize(m, 0.02f, 11);
            assertArrayEquals(first, map.parameter("a.weight").getArray().toFloatArray(), "same seed, same arrays");
            map.initialize(m, 0.02f, 12);
            assertTrue(Math.abs(first[0] - map.parameter("a.weight").getArray().getFloat(0, 0)) > 0, "another seed");

            WeightMap mm = mixed.weightMap("");
            mm.initialize(m, 0.02f, 3);
            assertArrayEquals(new float[] {1, 1, 1}, mm.parameter("norm.weight").getArray().toFloatArray());
            Parameter scale = mm.parameter("scale");
            assertTrue(std(scale.getArray()) > 0.2, "N(0, 1) whatever the model-wide std: " + scale.getArray());
        }
    }

    private static double std(NDArray a) {
        return Math.sqrt(a.sub(a.mean()).square().mean().getFloat());
    }

    @Test
    void mlpMatchesItsFormulaAndTheDjlForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp mlp = Mlp.layers(3, 4, 2, 3, true);
            WeightMap map = mlp.weightMap("");
            int k = 0;
            for (WeightMap.Entry e : map.entries().values()) {
                e.parameter().setArray(m.create(LinearTest.random((int) e.shape().size(), 40 + k++, 0.8), e.shape()));
            }
            float[] x = LinearTest.random(2 * 3, 7, 1);
            NDArray in = m.create(x, new Shape(2, 3));
            ParameterStore ps = new ParameterStore(m, false);
            float[] y = mlp.forward(ps, in, false).toFloatArray();
            for (int row = 0; row < 2; row++) {
                double[] h = {x[3 * row], x[3 * row + 1], x[3 * row + 2]};
                for (int l = 0; l < 3; l++) {
                    float[] w = map.parameter("layers." + l + ".weight").getArray().toFloatArray();
                    float[] b = map.parameter("layers." + l + ".bias").getArray().toFloatArray();
                    double[] o = new double[b.length];
                    for (int i = 0; i < b.length; i++) {
                        o[i] = b[i];
                        for (int j = 0; j < h.length; j++) {
                            o[i] += w[i * h.length + j] * h[j];
                        }
                        o[i] = l < 2 ? Math.max(0, o[i]) : 1 / (1 + Math.exp(-o[i]));
                    }
                    h = o;
                }
                for (int i = 0; i < 2; i++) {
                    assertEquals(h[i], y[2 * row + i], 1e-5, "row " + row + " output " + i);
                }
            }
            NDList djl = mlp.forward(ps, new NDList(m.zeros(new Shape(5, 1, 3))), false);
            assertEquals(new Shape(5, 1, 2), djl.singletonOrThrow().getShape());
            assertArrayEquals(new Shape[] {new Shape(5, 1, 2)}, mlp.getOutputShapes(new Shape[] {new Shape(5, 1, 3)}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mlp.forward(ps, m.zeros(new Shape(2, 4)), false));
            assertTrue(e.getMessage().startsWith("MLP: expected input [..., 3], got (2, 4)"), e.getMessage());
        }
    }
}
