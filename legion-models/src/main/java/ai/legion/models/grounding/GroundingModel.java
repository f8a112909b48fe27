package ai.legion.models.grounding;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.legion.models.nn.StateDictBlock;

/**
 * The grounding image encoder E_l and the pixel decoder D of the paper (LEGION {@code model/Legion.py}:
 * {@code grounding_encoder}, a SAM): images are embedded once, then each image's prompts (the projected
 * {@code [SEG]} states) are decoded into masks at the image's original resolution.
 *
 * <p>Implementations are DJL blocks whose parameters carry the upstream state-dict names under
 * {@code model.grounding_encoder.}; they are picked by the grounding config's {@code model_type} through
 * {@code ai.legion.models.loading.Architectures}.
 */
public interface GroundingModel extends Block, StateDictBlock {

    /**
     * Masks of one image.
     *
     * @param lowRes the decoder's logits before postprocessing (SAM: {@code [K, 1, 4g, 4g]})
     * @param full logits at the original resolution {@code [K, H, W]}
     */
    record Masks(NDArray lowRes, NDArray full) {}

    /** Side of the square, padded input of the encoder (SAM: {@code img_size}). */
    int imageSize();

    /** Width of the prompt embeddings the decoder takes (LEGION's {@code out_dim}). */
    int promptDim();

    /**
     * Image embeddings of preprocessed images.
     *
     * @param pixels {@code [B, 3, S, S]}, {@code S = imageSize()}
     * @return {@code [B, C, g, g]}
     */
    NDArray embed(ParameterStore ps, NDArray pixels, boolean training);

    /**
     * Decodes one image's prompts.
     *
     * @param embedding {@code [1, C, g, g]} (one row of {@link #embed})
     * @param prompts {@code [K, promptDim()]} (K may be 0)
     * @param resizedHw the image's size after resizing, before padding
     * @param originalHw the image's original size
     */
    Masks decode(ParameterStore ps, NDArray embedding, NDArray prompts, int[] resizedHw, int[] originalHw,
            boolean training);
}
