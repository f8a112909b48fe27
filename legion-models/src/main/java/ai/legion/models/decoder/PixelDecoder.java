package ai.legion.models.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.legion.core.config.SamConfig;
import ai.legion.models.nn.Checks;
import ai.legion.models.nn.LegionBlock;
import java.util.Objects;

/**
 * The paper's pixel decoder D: SAM's prompt encoder and mask decoder, prompted only with LEGION's
 * projected [SEG] embeddings ({@code text_embeds}), single-mask output (LEGION
 * {@code model/Legion.py::LegionForCausalLM._generate_and_postprocess_masks}).
 *
 * <p>Children (local): {@code prompt_encoder} ({@link PromptEncoder}), {@code mask_decoder}
 * ({@link MaskDecoder}). In a GLaMM/LEGION checkpoint the prefix is
 * {@code model.grounding_encoder.}; in a SAM checkpoint it is empty.
 */
public final class PixelDecoder extends LegionBlock {

    private final SamConfig config;
    private final PromptEncoder promptEncoder;
    private final MaskDecoder maskDecoder;

    /**
     * @param config the SAM configuration (only the prompt encoder and mask decoder parts are used)
     * @throws IllegalArgumentException if the prompt width differs from the decoder width
     */
    public PixelDecoder(SamConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        promptEncoder = child("prompt_encoder", new PromptEncoder(config.promptEncoder()));
        maskDecoder = child("mask_decoder", new MaskDecoder(config.maskDecoder()));
        if (promptEncoder.embedDim() != maskDecoder.transformerDim()) {
            throw new IllegalArgumentException("PixelDecoder: prompt_encoder.embed_dim " + promptEncoder.embedDim()
                    + " must equal mask_decoder.transformer_dim " + maskDecoder.transformerDim());
        }
    }

    /** The SAM configuration. */
    public SamConfig config() {
        return config;
    }

    /** The prompt encoder. */
    public PromptEncoder promptEncoder() {
        return promptEncoder;
    }

    /** The mask decoder. */
    public MaskDecoder maskDecoder() {
        return maskDecoder;
    }

    /**
     * LEGION's mask prediction for one image: {@code text_embeds = seg.unsqueeze(1)}, no points,
     * boxes or masks, {@code multimask_output=False}.
     *
     * @param imageEmbeddings {@code [1, E, gh, gw]} from the SAM image encoder
     * @param segEmbeddings {@code [K, E]} projected [SEG] hidden states ({@code K} may be 0)
     * @return low-resolution mask logits {@code [K, 1, 4·gh, 4·gw]}
     * @throws IllegalArgumentException on wrong shapes
     */
    public NDArray decode(ParameterStore ps, NDArray imageEmbeddings, NDArray segEmbeddings, boolean training) {
        int e = promptEncoder.embedDim();
        int[] g = promptEncoder.imageEmbeddingSize();
        Shape is = imageEmbeddings.getShape();
        if (is.dimension() != 4 || is.get(0) != 1 || is.get(1) != e || is.get(2) != g[0] || is.get(3) != g[1]) {
            throw new IllegalArgumentException("PixelDecoder: expected image embeddings [1, " + e + ", " + g[0] + ", " + g[1]
                    + "], got " + Checks.shape(imageEmbeddings));
        }
        Shape ss = segEmbeddings.getShape();
        if (ss.dimension() != 2 || ss.get(1) != e) {
            throw new IllegalArgumentException("PixelDecoder: expected [SEG] embeddings [K, " + e + "], got "
                    + Checks.shape(segEmbeddings));
        }
        PromptEncoder.Prompts prompts = promptEncoder.forward(ps, segEmbeddings.expandDims(1), training);
        NDArray pe = promptEncoder.getDensePe(ps, segEmbeddings.getManager(), training);
        return maskDecoder.forward(ps, imageEmbeddings, pe, prompts.sparse(), prompts.dense(), false, training).masks();
    }

    /** Inputs {@code imageEmbeddings [1, E, gh, gw], segEmbeddings [K, E]}; output the low-res masks. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.size() != 2) {
            throw new IllegalArgumentException("PixelDecoder: expected 2 inputs (image_embeddings, seg_embeddings), got "
                    + inputs.size());
        }
        return new NDList(decode(ps, inputs.get(0), inputs.get(1), training));
    }

    /** → {@code [K, 1, 4·gh, 4·gw]}. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        int[] g = promptEncoder.imageEmbeddingSize();
        return new Shape[] {new Shape(inputShapes[1].get(0), 1, 4L * g[0], 4L * g[1])};
    }
}
