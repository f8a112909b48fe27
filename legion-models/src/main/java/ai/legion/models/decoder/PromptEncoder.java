package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.Init;
import ai.legion.models.nn.LayerNorm2d;
import ai.legion.models.nn.LegionBlock;
import ai.legion.models.nn.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * segment-anything's {@code PromptEncoder} ({@code modeling/prompt_encoder.py}) with the
 * {@code text_embeds} prompt LISA/GLaMM add to it. Sparse prompts are points, box corners and text
 * embeddings, concatenated in that order; the dense prompt is a downscaled mask or the learned
 * {@code no_mask_embed} everywhere.
 *
 * <p>Keys (local): {@code pe_layer.positional_encoding_gaussian_matrix [2, E/2]},
 * {@code point_embeddings.{0..3}.weight [1, E]} (negative point, positive point, box top-left,
 * box bottom-right), {@code not_a_point_embed.weight [1, E]},
 * {@code mask_downscaling.{0,1,3,4,6}.*} (Conv2d(1, c/4, 2, 2), LayerNorm2d, GELU,
 * Conv2d(c/4, c, 2, 2), LayerNorm2d, GELU, Conv2d(c, E, 1)), {@code no_mask_embed.weight [1, E]}.
 */
public final class PromptEncoder extends LegionBlock {

    /** Point prompts: 4 learned point-type embeddings (neg/pos point, two box corners). */
    public static final int NUM_POINT_EMBEDDINGS = 4;

    /**
     * Point prompts.
     *
     * @param coords {@code [B, N, 2]} (x, y) in pixels of the padded encoder input
     * @param labels {@code [B, N]}: 1 foreground, 0 background, −1 not a point (padding)
     */
    public record Points(NDArray coords, NDArray labels) {
        /** Both arrays are required. */
        public Points {
            Objects.requireNonNull(coords, "coords");
            Objects.requireNonNull(labels, "labels");
        }
    }

    /**
     * Encoded prompts.
     *
     * @param sparse {@code [B, n, E]}
     * @param dense {@code [B, E, gh, gw]}
     */
    public record Prompts(NDArray sparse, NDArray dense) {}

    private final int embedDim;
    private final int gridH;
    private final int gridW;
    private final int inputH;
    private final int inputW;
    private final int maskInChans;
    private final PositionEmbeddingRandom peLayer;
    private final Parameter[] pointEmbeddings = new Parameter[NUM_POINT_EMBEDDINGS];
    private final Parameter notAPointEmbed;
    private final Parameter conv0Weight;
    private final Parameter conv0Bias;
    private final LayerNorm2d norm1;
    private final Parameter conv3Weight;
    private final Parameter conv3Bias;
    private final LayerNorm2d norm4;
    private final Parameter conv6Weight;
    private final Parameter conv6Bias;
    private final Parameter noMaskEmbed;

    /**
     * @param config {@code prompt_encoder} of the SAM config
     * @throws IllegalArgumentException if the sizes are not positive or {@code embed_dim} is odd
     */
    public PromptEncoder(SamConfig.PromptEncoder config) {
        Objects.requireNonNull(config, "config");
        embedDim = config.embedDim();
        gridH = config.imageEmbeddingSize().get(0);
        gridW = config.imageEmbeddingSize().get(1);
        inputH = config.inputImageSize().get(0);
        inputW = config.inputImageSize().get(1);
        maskInChans = config.maskInChans();
        if (embedDim <= 0 || embedDim % 2 != 0 || gridH <= 0 || gridW <= 0 || inputH <= 0 || inputW <= 0
                || maskInChans < 4) {
            throw new IllegalArgumentException("PromptEncoder: invalid config " + config
                    + " (embed_dim must be positive and even, sizes positive, mask_in_chans >= 4)");
        }
        for (int i = 0; i < NUM_POINT_EMBEDDINGS; i++) {
            pointEmbeddings[i] = param("point_embeddings." + i + ".weight", Init.NORMAL, 1, embedDim);
        }
        notAPointEmbed = param("not_a_point_embed.weight", Init.NORMAL, 1, embedDim);
        int quarter = maskInChans / 4;
        // The LayerNorm2d scales here are created N(0, σ²), not 1 as the others: models created so far were
        // drawn that way, and the stream of draws after them (the CLIP tower last) depends on it. LEGION never
        // prompts with masks, so these layers do not affect its outputs.
        conv0Weight = param("mask_downscaling.0.weight", Init.NORMAL, quarter, 1, 2, 2);
        conv0Bias = param("mask_downscaling.0.bias", Init.ZEROS, quarter);
        norm1 = child("mask_downscaling.1", new LayerNorm2d(quarter, LayerNorm2d.EPS, Init.NORMAL));
        conv3Weight = param("mask_downscaling.3.weight", Init.NORMAL, maskInChans, quarter, 2, 2);
        conv3Bias = param("mask_downscaling.3.bias", Init.ZEROS, maskInChans);
        norm4 = child("mask_downscaling.4", new LayerNorm2d(maskInChans, LayerNorm2d.EPS, Init.NORMAL));
        conv6Weight = param("mask_downscaling.6.weight", Init.NORMAL, embedDim, maskInChans, 1, 1);
        conv6Bias = param("mask_downscaling.6.bias", Init.ZEROS, embedDim);
        noMaskEmbed = param("no_mask_embed.weight", Init.NORMAL, 1, embedDim);
        // declared last (upstream declares it first) so that creation draws the Fourier matrix where it always has
        peLayer = child("pe_layer", new PositionEmbeddingRandom(embedDim / 2));
    }

    /** Prompt embedding width {@code E}. */
    public int embedDim() {
        return embedDim;
    }

    /** Image embedding grid {@code (gh, gw)}. */
    public int[] imageEmbeddingSize() {
        return new int[] {gridH, gridW};
    }

    /** Padded encoder input size {@code (H, W)} that point/box coordinates refer to. */
    public int[] inputImageSize() {
        return new int[] {inputH, inputW};
    }

    /** Mask prompt size {@code (4·gh, 4·gw)}. */
    public int[] maskInputSize() {
        return new int[] {4 * gridH, 4 * gridW};
    }

    /** The positional encoding layer (shared with the mask decoder through {@link #getDensePe}). */
    public PositionEmbeddingRandom peLayer() {
        return peLayer;
    }

    /**
     * Upstream {@code get_dense_pe()}: the positional encoding of the image embedding grid.
     *
     * @param manager owns the result (the caller's)
     * @return {@code [1, E, gh, gw]}
     */
    public NDArray getDensePe(ParameterStore ps, NDManager manager, boolean training) {
        return peLayer.forward(ps, manager, gridH, gridW, training).expandDims(0);
    }

    /**
     * LEGION's call {@code prompt_encoder(points=None, boxes=None, masks=None, text_embeds=t)}.
     *
     * @param textEmbeds {@code [K, n, E]} (LEGION: the projected [SEG] states, {@code n = 1})
     * @return sparse {@code [K, n, E]} (= the text embeddings), dense {@code [K, E, gh, gw]}
     */
    public Prompts forward(ParameterStore ps, NDArray textEmbeds, boolean training) {
        Objects.requireNonNull(textEmbeds, "textEmbeds");
        return forward(ps, textEmbeds.getManager(), null, null, null, textEmbeds, training);
    }

    /**
     * Upstream {@code forward(points, boxes, masks, text_embeds)}. The batch size is that of the
     * first prompt given in the order points, boxes, masks, text (1 if none). Points are shifted to
     * pixel centres (+0.5) and, when no boxes are given, padded with one not-a-point entry (label −1)
     * per prompt; label −1 replaces the positional encoding by {@code not_a_point_embed}, labels 0/1
     * add {@code point_embeddings[0/1]}; box corners (+0.5) add {@code point_embeddings[2/3]}.
     *
     * @param manager owns the outputs (the caller's; used when a prompt kind must be created)
     * @param points point prompts or {@code null}
     * @param boxes {@code [B, 4]} as (x0, y0, x1, y1) in input pixels, or {@code null}
     * @param masks {@code [Bm, 1, 4·gh, 4·gw]} low-resolution mask logits, or {@code null}
     * @param textEmbeds {@code [B, n, E]} or {@code null}
     * @return sparse {@code [B, n_points(+1) + 2·boxes + n_text, E]}, dense {@code [B or Bm, E, gh, gw]}
     * @throws IllegalArgumentException on inconsistent shapes
     */
    public Prompts forward(ParameterStore ps, NDManager manager, Points points, NDArray boxes, NDArray masks,
            NDArray textEmbeds, boolean training) {
        Objects.requireNonNull(manager, "manager");
        long bs = batchSize(points, boxes, masks, textEmbeds);
        NDArray noMask = ps.getValue(noMaskEmbed, manager.getDevice(), training);
        DataType dtype = noMask.getDataType();
        List<NDArray> parts = new ArrayList<>();
        if (points != null) {
            checkPoints(points, bs);
            parts.add(embedPoints(ps, points.coords(), points.labels(), boxes == null, training));
        }
        if (boxes != null) {
            Shape s = boxes.getShape();
            boolean ok = (s.dimension() == 2 && s.get(1) == 4) || (s.dimension() == 3 && s.get(1) == 1 && s.get(2) == 4);
            if (!ok || s.get(0) != bs) {
                throw new IllegalArgumentException("PromptEncoder: expected boxes [" + bs + ", 4], got "
                        + Checks.shape(boxes));
            }
            parts.add(embedBoxes(ps, boxes, training));
        }
        if (textEmbeds != null) {
            Shape s = textEmbeds.getShape();
            if (s.dimension() != 3 || s.get(0) != bs || s.get(2) != embedDim) {
                throw new IllegalArgumentException("PromptEncoder: expected text_embeds [" + bs + ", n, " + embedDim
                        + "], got " + Checks.shape(textEmbeds));
            }
            parts.add(Ops.cast(textEmbeds, dtype));
        }
        NDArray sparse;
        if (parts.isEmpty()) {
            sparse = manager.zeros(new Shape(bs, 0, embedDim), dtype);
        } else if (parts.size() == 1) {
            // a fresh array like upstream's cat onto an empty tensor, never the caller's input itself
            sparse = parts.get(0) == textEmbeds ? textEmbeds.duplicate() : parts.get(0);
        } else {
            sparse = NDArrays.concat(new NDList(parts), 1);
        }
        NDArray dense;
        if (masks != null) {
            dense = embedMasks(ps, masks, training);
        } else {
            // zeros + w materializes the broadcast in the caller's manager (exact: 0 + x = x)
            dense = manager.zeros(new Shape(bs, gridH, gridW, embedDim), dtype).add(noMask).transpose(0, 3, 1, 2);
        }
        return new Prompts(sparse, dense);
    }

    /** Upstream {@code _embed_points}: {@code [B, N, 2]} → {@code [B, N(+1), E]}. */
    private NDArray embedPoints(ParameterStore ps, NDArray coords, NDArray labels, boolean pad, boolean training) {
        NDManager m = coords.getManager();
        long b = coords.getShape().get(0);
        NDArray c = coords.toType(DataType.FLOAT32, false).add(0.5f); // shift to the pixel centre
        NDArray l = labels.toType(DataType.FLOAT32, false);
        if (pad) {
            c = c.concat(m.zeros(new Shape(b, 1, 2), DataType.FLOAT32), 1);
            l = l.concat(m.full(new Shape(b, 1), -1f, DataType.FLOAT32), 1);
        }
        NDArray pe = peLayer.forwardWithCoords(ps, c, inputH, inputW, training);
        DataType dt = pe.getDataType();
        NDArray notPoint = l.eq(-1f).toType(dt, false).expandDims(-1);
        NDArray negative = l.eq(0f).toType(dt, false).expandDims(-1);
        NDArray positive = l.eq(1f).toType(dt, false).expandDims(-1);
        NDArray keep = notPoint.mul(-1).add(1);
        // label -1: pe := 0 + not_a_point; label 0/1: pe += point_embeddings[0/1]; other labels: pe unchanged
        return pe.mul(keep)
                .add(notPoint.mul(value(ps, notAPointEmbed, pe, training)))
                .add(negative.mul(value(ps, pointEmbeddings[0], pe, training)))
                .add(positive.mul(value(ps, pointEmbeddings[1], pe, training)));
    }

    /** Upstream {@code _embed_boxes}: {@code [B, 4]} → {@code [B, 2, E]}. */
    private NDArray embedBoxes(ParameterStore ps, NDArray boxes, boolean training) {
        NDArray corners = boxes.toType(DataType.FLOAT32, false).add(0.5f).reshape(-1, 2, 2);
        NDArray pe = peLayer.forwardWithCoords(ps, corners, inputH, inputW, training);
        NDArray topLeft = pe.get(":, 0:1, :").add(value(ps, pointEmbeddings[2], pe, training));
        NDArray bottomRight = pe.get(":, 1:2, :").add(value(ps, pointEmbeddings[3], pe, training));
        return topLeft.concat(bottomRight, 1);
    }

    /** Upstream {@code _embed_masks}: {@code [B, 1, 4gh, 4gw]} → {@code [B, E, gh, gw]}. */
    private NDArray embedMasks(ParameterStore ps, NDArray masks, boolean training) {
        Shape s = masks.getShape();
        if (s.dimension() != 4 || s.get(1) != 1 || s.get(2) != 4L * gridH || s.get(3) != 4L * gridW) {
            throw new IllegalArgumentException("PromptEncoder: expected masks [B, 1, " + 4 * gridH + ", " + 4 * gridW
                    + "], got " + Checks.shape(masks));
        }
        NDArray w0 = value(ps, conv0Weight, masks, training);
        NDArray x = masks.toType(w0.getDataType(), false);
        Shape two = new Shape(2, 2);
        Shape one = new Shape(1, 1);
        Shape zero = new Shape(0, 0);
        x = Conv2d.conv2d(x, w0, value(ps, conv0Bias, x, training), two, zero, one, 1).singletonOrThrow();
        x = Ops.gelu(norm1.forward(ps, x, training));
        x = Conv2d.conv2d(x, value(ps, conv3Weight, x, training), value(ps, conv3Bias, x, training), two, zero, one, 1)
                .singletonOrThrow();
        x = Ops.gelu(norm4.forward(ps, x, training));
        return Conv2d.conv2d(x, value(ps, conv6Weight, x, training), value(ps, conv6Bias, x, training), one, zero, one, 1)
                .singletonOrThrow();
    }

    private static long batchSize(Points points, NDArray boxes, NDArray masks, NDArray textEmbeds) {
        if (points != null) {
            return points.coords().getShape().dimension() > 0 ? points.coords().getShape().get(0) : -1;
        } else if (boxes != null) {
            return boxes.getShape().dimension() > 0 ? boxes.getShape().get(0) : -1;
        } else if (masks != null) {
            return masks.getShape().dimension() > 0 ? masks.getShape().get(0) : -1;
        } else if (textEmbeds != null) {
            return textEmbeds.getShape().dimension() > 0 ? textEmbeds.getShape().get(0) : -1;
        }
        return 1;
    }

    private static void checkPoints(Points points, long bs) {
        Shape c = points.coords().getShape();
        Shape l = points.labels().getShape();
        if (c.dimension() != 3 || c.get(2) != 2 || l.dimension() != 2 || l.get(0) != c.get(0) || l.get(1) != c.get(1)
                || c.get(0) != bs) {
            throw new IllegalArgumentException("PromptEncoder: expected point coords [B, N, 2] and labels [B, N], got "
                    + Checks.shape(points.coords()) + " and " + Checks.shape(points.labels()));
        }
    }

    /** The LEGION path: input {@code text_embeds [K, n, E]}; outputs sparse and dense. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Prompts p = forward(ps, inputs.singletonOrThrow(), training);
        return new NDList(p.sparse(), p.dense());
    }

    /** Input {@code [K, n, E]} → {@code [K, n, E]}, {@code [K, E, gh, gw]}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape t = inputShapes[0];
        return new Shape[] {t, new Shape(t.get(0), embedDim, gridH, gridW)};
    }
}
