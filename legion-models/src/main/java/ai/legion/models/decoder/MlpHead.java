package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;

/**
 * segment-anything's {@code mask_decoder.MLP}: {@code num_layers} Linear layers
 * ({@code in → hidden → … → hidden → out}) with ReLU between them, optionally a sigmoid at the end.
 * Used for the hypernetwork MLPs (one per mask token) and the IoU head. Keys (local):
 * {@code layers.N.weight [out_N, in_N]}, {@code layers.N.bias [out_N]}.
 */
public final class MlpHead extends LegionBlock {

    private final int inputDim;
    private final int outputDim;
    private final boolean sigmoidOutput;
    private final Parameter[] weights;
    private final Parameter[] biases;

    /**
     * @param inputDim input width
     * @param hiddenDim width of the hidden layers
     * @param outputDim output width
     * @param numLayers number of Linear layers (≥ 1)
     * @param sigmoidOutput whether to apply a sigmoid to the output (SAM: false)
     */
    public MlpHead(int inputDim, int hiddenDim, int outputDim, int numLayers, boolean sigmoidOutput) {
        if (inputDim <= 0 || hiddenDim <= 0 || outputDim <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException("MlpHead: sizes must be positive, got input " + inputDim + ", hidden "
                    + hiddenDim + ", output " + outputDim + ", layers " + numLayers);
        }
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.sigmoidOutput = sigmoidOutput;
        weights = new Parameter[numLayers];
        biases = new Parameter[numLayers];
        for (int i = 0; i < numLayers; i++) {
            int in = i == 0 ? inputDim : hiddenDim;
            int out = i == numLayers - 1 ? outputDim : hiddenDim;
            weights[i] = param("layers." + i + ".weight", out, in);
            biases[i] = param("layers." + i + ".bias", out);
        }
    }

    /** Number of Linear layers. */
    public int numLayers() {
        return weights.length;
    }

    /**
     * @param x {@code [..., in]}
     * @return {@code [..., out]}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != inputDim) {
            throw new IllegalArgumentException("MlpHead: expected input [..., " + inputDim + "], got " + DecoderOps.shape(x));
        }
        for (int i = 0; i < weights.length; i++) {
            x = Ops.linear(x, value(ps, weights[i], x, training), value(ps, biases[i], x, training));
            if (i < weights.length - 1) {
                x = Ops.relu(x);
            }
        }
        return sigmoidOutput ? x.getNDArrayInternal().sigmoid() : x;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** {@code [..., in]} → {@code [..., out]}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long[] dims = inputShapes[0].getShape().clone();
        dims[dims.length - 1] = outputDim;
        return new Shape[] {new Shape(dims)};
    }
}
