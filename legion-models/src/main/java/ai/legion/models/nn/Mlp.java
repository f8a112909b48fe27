package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A stack of {@link Linear} layers (all with biases) with one activation between consecutive layers
 * and optionally a sigmoid at the end: segment-anything's {@code MLPBlock} ({@code lin1}/{@code lin2})
 * and mask-decoder {@code MLP} ({@code layers.N}), HF {@code CLIPMLP} ({@code fc1}/{@code fc2}) and
 * the {@code nn.Sequential} heads of LLaVA/LEGION (activations at the odd indices, so the layers are
 * {@code 0}, {@code 2}, …).
 *
 * <p>The layers keep their upstream names as children, so the keys are e.g. {@code lin1.weight} or
 * {@code layers.2.bias}, and LoRA can target each of them. The input is cast to the first layer's
 * weight type (DJL has no autocast) and the result stays in that type.
 */
public class Mlp extends UnaryBlock {

    /** The activation between two layers. */
    public enum Activation {
        /** Exact (erf) GELU, {@code nn.GELU()}. */
        GELU("gelu", Ops::gelu),
        /** CLIP's {@code quick_gelu}, {@code x · σ(1.702 x)}. */
        QUICK_GELU("quick_gelu", Ops::quickGelu),
        /** {@code nn.ReLU}. */
        RELU("relu", Ops::relu);

        private final String upstreamName;
        private final UnaryOperator<NDArray> function;

        Activation(String upstreamName, UnaryOperator<NDArray> function) {
            this.upstreamName = upstreamName;
            this.function = function;
        }

        /** The name transformers' {@code ACT2FN} uses ({@code hidden_act} of a config). */
        public String upstreamName() {
            return upstreamName;
        }

        /** Applies the activation. */
        public NDArray apply(NDArray x) {
            return function.apply(x);
        }

        /**
         * The activation of a config's {@code hidden_act}.
         *
         * @throws IllegalArgumentException for another name
         */
        public static Activation of(String hiddenAct) {
            for (Activation a : values()) {
                if (a.upstreamName.equals(hiddenAct)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unsupported activation \"" + hiddenAct + "\" (supported: gelu, "
                    + "quick_gelu, relu)");
        }
    }

    private final String name;
    private final long inputDim;
    private final long outputDim;
    private final Activation activation;
    private final boolean sigmoidOutput;
    private final List<Linear> layers;

    /**
     * An MLP {@code widths[0] → widths[1] → … → widths[n]} with the layers named {@code layerNames}.
     *
     * @param name the upstream module name, for error messages (e.g. {@code "MLPBlock"})
     * @param layerNames local names of the {@code n} layers, e.g. {@code ["lin1", "lin2"]} or {@code ["0", "2"]};
     *     a single layer named {@code ""} is a bare {@code nn.Linear} (keys {@code weight}, {@code bias})
     * @param widths {@code n + 1} positive widths
     * @param activation between consecutive layers (unused with one layer)
     * @param sigmoidOutput whether to apply a sigmoid to the output
     */
    public Mlp(String name, List<String> layerNames, long[] widths, Activation activation, boolean sigmoidOutput) {
        this.name = Objects.requireNonNull(name, "name");
        this.activation = Objects.requireNonNull(activation, "activation");
        if (layerNames.isEmpty() || widths.length != layerNames.size() + 1
                || layerNames.size() > 1 && layerNames.contains("")) {
            throw new IllegalArgumentException(name + ": " + layerNames + " need " + (layerNames.size() + 1)
                    + " widths, got " + widths.length + " (only a single layer may be unnamed)");
        }
        for (long w : widths) {
            Checks.positive(name, "every width", w);
        }
        this.inputDim = widths[0];
        this.outputDim = widths[widths.length - 1];
        this.sigmoidOutput = sigmoidOutput;
        List<Linear> ls = new ArrayList<>(layerNames.size());
        for (int i = 0; i < layerNames.size(); i++) {
            Linear layer = new Linear(widths[i], widths[i + 1], true);
            // an empty name is a bare nn.Linear: its keys sit directly under the MLP's prefix
            ls.add(layerNames.get(i).isEmpty() ? inline("linear", layer) : child(layerNames.get(i), layer));
        }
        this.layers = List.copyOf(ls);
    }

    /**
     * Two layers {@code dim → hidden → dim}: segment-anything's {@code MLPBlock} ({@code lin1}, {@code lin2})
     * or HF {@code CLIPMLP} ({@code fc1}, {@code fc2}).
     */
    public static Mlp twoLayer(String name, String first, String second, long dim, long hidden, Activation activation) {
        return new Mlp(name, List.of(first, second), new long[] {dim, hidden, dim}, activation, false);
    }

    /**
     * segment-anything's {@code MLPBlock} ({@code modeling/common.py}), {@code lin2(act(lin1(x)))}: exact
     * GELU in the image encoder's blocks, ReLU in the mask decoder's two-way transformer.
     *
     * @param embeddingDim input and output width {@code E}
     * @param mlpDim hidden width {@code M}
     */
    public static Mlp mlpBlock(long embeddingDim, long mlpDim, Activation activation) {
        return twoLayer("MLPBlock", "lin1", "lin2", embeddingDim, mlpDim, activation);
    }

    /**
     * segment-anything's mask-decoder {@code MLP} ({@code modeling/mask_decoder.py}): {@code numLayers}
     * layers {@code layers.0..N-1}, {@code input → hidden → … → hidden → output}, ReLU between them.
     */
    public static Mlp layers(long input, long hidden, long output, int numLayers, boolean sigmoidOutput) {
        String name = "MLP";
        Checks.positive(name, "num_layers", numLayers);
        List<String> names = new ArrayList<>(numLayers);
        long[] widths = new long[numLayers + 1];
        for (int i = 0; i < numLayers; i++) {
            names.add("layers." + i);
            widths[i] = i == 0 ? input : hidden;
        }
        widths[numLayers] = output;
        return new Mlp(name, names, widths, Activation.RELU, sigmoidOutput);
    }

    /**
     * The names of {@code n} linear layers of an {@code nn.Sequential} whose activations sit between
     * them: {@code prefix + 0}, {@code prefix + 2}, … (e.g. {@code "0.0", "0.2"} for a Sequential inside
     * a ModuleList).
     */
    public static List<String> sequentialNames(String prefix, int n) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(prefix + 2 * i);
        }
        return names;
    }

    /** The upstream module name used in messages. */
    public String name() {
        return name;
    }

    /** Input width. */
    public long inputDim() {
        return inputDim;
    }

    /** Output width. */
    public long outputDim() {
        return outputDim;
    }

    /** The activation between the layers. */
    public Activation activation() {
        return activation;
    }

    /** The linear layers, in order. */
    public List<Linear> linears() {
        return layers;
    }

    /** Number of linear layers. */
    public int numLayers() {
        return layers.size();
    }

    /**
     * @param x {@code [..., input]}
     * @return {@code [..., output]} in the weights' type
     * @throws IllegalArgumentException if the last axis is not the input width
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Checks.lastAxis(name, x, inputDim);
        // through the store: a streamed layer's parameters hold no array (memory-budgeted execution)
        DataType weights = value(ps, layers.get(0).weightParameter(), x, training).getDataType();
        NDArray h = Ops.cast(x, weights);
        for (int i = 0; i < layers.size(); i++) {
            if (i > 0) {
                h = activation.apply(h);
            }
            h = layers.get(i).forward(ps, h, training);
        }
        return sigmoidOutput ? h.getNDArrayInternal().sigmoid() : h;
    }

    @Override
    protected Shape outputShape(Shape input) {
        return withLastAxis(input, outputDim);
    }
}
