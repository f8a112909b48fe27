package ai.legion.refine;

import ai.legion.core.image.RgbImage;

/**
 * Masked image-to-image generation (the paper's {@code Inpaint(I, M, E)}, Eq. 6). The result may have
 * another size than the input (many servers work at a fixed resolution) and may change pixels outside the
 * mask (the VAE round trip does): the inpainting loop resizes it back and composites it, so only masked
 * pixels ever change.
 */
@FunctionalInterface
public interface Inpainter {

    /**
     * Repaints the masked region.
     *
     * @throws GeneratorException naming the server, endpoint and HTTP status when the call fails
     */
    RgbImage inpaint(InpaintRequest request) throws GeneratorException;
}
