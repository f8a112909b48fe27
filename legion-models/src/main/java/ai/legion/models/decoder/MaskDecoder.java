package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerNorm2d;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Mlp;
import ai.legion.models.nn.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * segment-anything's {@code MaskDecoder} ({@code modeling/mask_decoder.py}): prepends the IoU token and the
 * {@code num_multimask_outputs + 1} mask tokens to the sparse prompts, runs the two-way transformer
 * against the per-prompt image embedding (+ dense prompt), upscales the image tokens 4× with two
 * stride-2 transposed convolutions, and predicts one mask per mask token as the dot product of a
 * hypernetwork output with every upscaled pixel.
 *
 * <p>Keys (local): {@code iou_token.weight [1, E]}, {@code mask_tokens.weight [T, E]},
 * {@code transformer.*}, {@code output_upscaling.0.weight [E, E/4, 2, 2]} (ConvTranspose layout
 * {@code [in, out, kH, kW]}), {@code output_upscaling.0.bias [E/4]},
 * {@code output_upscaling.1.weight/bias [E/4]} (LayerNorm2d, eps 1e-6),
 * {@code output_upscaling.3.weight [E/4, E/8, 2, 2]}, {@code output_upscaling.3.bias [E/8]},
 * {@code output_hypernetworks_mlps.N.layers.*} ({@code E → E → E → E/8}),
 * {@code iou_prediction_head.layers.*} ({@code E → hidden … → T}).
 */
public final class MaskDecoder extends LegionBlock {

    /** Layers of each hypernetwork MLP (fixed upstream). */
    public static final int HYPERNETWORK_LAYERS = 3;

    /**
     * Decoder outputs.
     *
     * @param masks {@code [K, 1 or M, 4h, 4w]} low-resolution mask logits
     * @param iouPredictions {@code [K, 1 or M]}
     * @param queries the transformer's output tokens {@code [K, 1 + T + n, E]} (upstream {@code hs})
     * @param keys the transformer's output image tokens {@code [K, h·w, E]} (upstream {@code src})
     */
    public record Output(NDArray masks, NDArray iouPredictions, NDArray queries, NDArray keys) {}

    private final SamConfig.MaskDecoder config;
    private final int transformerDim;
    private final int numMaskTokens;
    private final Parameter iouToken;
    private final Parameter maskTokens;
    private final TwoWayTransformer transformer;
    private final Parameter up0Weight;
    private final Parameter up0Bias;
    private final LayerNorm2d up1;
    private final Parameter up3Weight;
    private final Parameter up3Bias;
    private final List<Mlp> hypernetworks = new ArrayList<>();
    private final Mlp iouHead;

    /**
     * @param config {@code mask_decoder} of the SAM config
     * @throws IllegalArgumentException if the sizes are inconsistent
     */
    public MaskDecoder(SamConfig.MaskDecoder config) {
        this.config = Objects.requireNonNull(config, "config");
        transformerDim = config.transformerDim();
        if (transformerDim < 8 || config.numMultimaskOutputs() < 0 || config.iouHeadDepth() <= 0
                || config.iouHeadHiddenDim() <= 0 || config.transformer().embeddingDim() != transformerDim) {
            throw new IllegalArgumentException("MaskDecoder: invalid config " + config + " (transformer_dim must be >= 8"
                    + " and equal transformer.embedding_dim; depths and widths positive)");
        }
        numMaskTokens = config.numMultimaskOutputs() + 1;
        int quarter = transformerDim / 4;
        int eighth = transformerDim / 8;
        // Declared before the transformer (upstream assigns it first): creation draws the weights in
        // declaration order, and this is the order every model created so far was drawn in.
        iouToken = param("iou_token.weight", Init.NORMAL, 1, transformerDim);
        maskTokens = param("mask_tokens.weight", Init.NORMAL, numMaskTokens, transformerDim);
        up0Weight = param("output_upscaling.0.weight", Init.NORMAL, transformerDim, quarter, 2, 2);
        up0Bias = param("output_upscaling.0.bias", Init.ZEROS, quarter);
        up1 = child("output_upscaling.1", new LayerNorm2d(quarter));
        up3Weight = param("output_upscaling.3.weight", Init.NORMAL, quarter, eighth, 2, 2);
        up3Bias = param("output_upscaling.3.bias", Init.ZEROS, eighth);
        transformer = child("transformer", new TwoWayTransformer(config.transformer()));
        for (int i = 0; i < numMaskTokens; i++) {
            hypernetworks.add(child("output_hypernetworks_mlps." + i,
                    Mlp.layers(transformerDim, transformerDim, eighth, HYPERNETWORK_LAYERS, false)));
        }
        iouHead = child("iou_prediction_head", Mlp.layers(transformerDim, config.iouHeadHiddenDim(), numMaskTokens,
                config.iouHeadDepth(), false));
    }

    /** The configuration. */
    public SamConfig.MaskDecoder config() {
        return config;
    }

    /** Token width {@code E}. */
    public int transformerDim() {
        return transformerDim;
    }

    /** Mask tokens {@code T = num_multimask_outputs + 1}. */
    public int numMaskTokens() {
        return numMaskTokens;
    }

    /** The two-way transformer. */
    public TwoWayTransformer transformer() {
        return transformer;
    }

    /**
     * Upstream {@code forward}: predicts masks for {@code K} prompts on one image.
     *
     * @param imageEmbeddings {@code [1, E, h, w]} (repeated per prompt like upstream's
     *     {@code repeat_interleave}), or {@code [K, E, h, w]} already one per prompt
     * @param imagePe {@code [1, E, h, w]} from {@link PromptEncoder#getDensePe}
     * @param sparse {@code [K, n, E]} sparse prompt embeddings
     * @param dense {@code [K or 1, E, h, w]} dense prompt embeddings
     * @param multimaskOutput false: mask token 0 only ({@code [K, 1, …]}, LEGION); true: tokens
     *     {@code 1..M} ({@code [K, M, …]})
     * @return masks, IoU predictions and the transformer outputs
     * @throws IllegalArgumentException on inconsistent shapes
     */
    public Output forward(ParameterStore ps, NDArray imageEmbeddings, NDArray imagePe, NDArray sparse, NDArray dense,
            boolean multimaskOutput, boolean training) {
        Shape ss = sparse.getShape();
        Shape is = imageEmbeddings.getShape();
        if (ss.dimension() != 3 || ss.get(2) != transformerDim) {
            throw new IllegalArgumentException("MaskDecoder: expected sparse prompt embeddings [K, n, " + transformerDim
                    + "], got " + Checks.shape(sparse));
        }
        long k = ss.get(0);
        if (is.dimension() != 4 || is.get(1) != transformerDim || (is.get(0) != 1 && is.get(0) != k)) {
            throw new IllegalArgumentException("MaskDecoder: expected image embeddings [1 or " + k + ", " + transformerDim
                    + ", h, w], got " + Checks.shape(imageEmbeddings));
        }
        long h = is.get(2);
        long w = is.get(3);
        Shape grid = new Shape(transformerDim, h, w);
        if (imagePe.getShape().dimension() != 4 || imagePe.getShape().get(0) != 1
                || !imagePe.getShape().slice(1).equals(grid)) {
            throw new IllegalArgumentException("MaskDecoder: expected image PE [1, " + transformerDim + ", " + h + ", " + w
                    + "], got " + Checks.shape(imagePe));
        }
        Shape ds = dense.getShape();
        if (ds.dimension() != 4 || (ds.get(0) != k && ds.get(0) != 1) || !ds.slice(1).equals(grid)) {
            throw new IllegalArgumentException("MaskDecoder: expected dense prompt embeddings [" + k + ", " + transformerDim
                    + ", " + h + ", " + w + "], got " + Checks.shape(dense));
        }
        int first = multimaskOutput ? 1 : 0;
        int count = multimaskOutput ? numMaskTokens - 1 : 1;
        NDManager m = sparse.getManager();
        NDArray iouW = value(ps, iouToken, sparse, training);
        DataType dt = iouW.getDataType();
        if (k == 0) {
            // no prompt (no [SEG] in the answer): empty outputs of the right shapes
            return new Output(m.zeros(new Shape(0, count, 4 * h, 4 * w), dt), m.zeros(new Shape(0, count), dt),
                    m.zeros(new Shape(0, 1 + numMaskTokens + ss.get(1), transformerDim), dt),
                    m.zeros(new Shape(0, h * w, transformerDim), dt));
        }
        // output tokens [iou, mask_0..T-1] expanded per prompt, then the sparse prompts
        NDArray iouTok = m.zeros(new Shape(k, 1, transformerDim), dt).add(iouW);
        NDArray maskTok = m.zeros(new Shape(k, numMaskTokens, transformerDim), dt)
                .add(value(ps, maskTokens, sparse, training));
        NDArray tokens = NDArrays.concat(new NDList(iouTok, maskTok, Ops.cast(sparse, dt)), 1);
        // per-prompt image embedding (upstream repeat_interleave) + dense prompt
        NDArray src = imageEmbeddings.broadcast(new Shape(k, transformerDim, h, w)).add(dense);
        QueriesKeys tr = transformer.forward(ps, src, imagePe, tokens, training);
        NDArray hs = tr.queries();
        NDArray iouTokenOut = hs.get(":, 0, :");
        NDArray img = tr.keys().transpose(0, 2, 1).reshape(k, transformerDim, h, w);
        NDArray up = DecoderOps.convTranspose2dNonOverlapping(img, value(ps, up0Weight, img, training),
                value(ps, up0Bias, img, training));
        up = Ops.gelu(up1.forward(ps, up, training));
        up = Ops.gelu(DecoderOps.convTranspose2dNonOverlapping(up, value(ps, up3Weight, up, training),
                value(ps, up3Bias, up, training)));
        NDList hyper = new NDList(numMaskTokens);
        for (int i = 0; i < numMaskTokens; i++) {
            hyper.add(hypernetworks.get(i).forward(ps, hs.get(":, {}, :", 1 + i), training));
        }
        NDArray hyperIn = NDArrays.stack(hyper, 1); // [K, T, E/8]
        Shape us = up.getShape();
        NDArray masks = hyperIn.matMul(up.reshape(k, us.get(1), us.get(2) * us.get(3)))
                .reshape(k, numMaskTokens, us.get(2), us.get(3));
        NDArray iou = iouHead.forward(ps, iouTokenOut, training);
        String slice = first + ":" + (first + count);
        return new Output(masks.get(":, " + slice), iou.get(":, " + slice), hs, tr.keys());
    }

    /**
     * Inputs {@code imageEmbeddings, imagePe, sparse, dense}; outputs single-mask {@code masks, iou}
     * (LEGION's {@code multimask_output=False}).
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.size() != 4) {
            throw new IllegalArgumentException("MaskDecoder: expected 4 inputs (image_embeddings, image_pe, sparse, dense),"
                    + " got " + inputs.size());
        }
        Output o = forward(ps, inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), false, training);
        return new NDList(o.masks(), o.iouPredictions());
    }

    /** → {@code [K, 1, 4h, 4w], [K, 1]}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape img = inputShapes[0];
        long k = inputShapes[2].get(0);
        return new Shape[] {new Shape(k, 1, 4 * img.get(2), 4 * img.get(3)), new Shape(k, 1)};
    }
}
