package ai.legion.refine;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import java.util.Objects;

/**
 * An inpainting call: repaint the pixels of {@code image} where {@code mask} is set (white = repaint, the
 * convention of A1111's {@code img2img} and diffusers' inpainting pipelines), guided by {@code prompt}.
 *
 * @param image the current image
 * @param mask the (already dilated) region to repaint, at the image's size
 * @param prompt the prompt
 * @param settings sampling settings (seed, steps, guidance, strength)
 */
public record InpaintRequest(RgbImage image, BinaryMask mask, String prompt, GenerationSettings settings) {

    /** Checks that the mask has the image's size. */
    public InpaintRequest {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(settings, "settings");
        if (mask.width() != image.width() || mask.height() != image.height()) {
            throw new IllegalArgumentException("mask is " + mask.width() + "x" + mask.height() + " but the image is "
                    + image.width() + "x" + image.height());
        }
    }
}
