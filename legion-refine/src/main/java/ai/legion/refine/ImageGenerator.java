package ai.legion.refine;

import ai.legion.core.image.RgbImage;

/** Text-to-image generation (the paper's {@code Regen(P)}, Eq. 5). */
@FunctionalInterface
public interface ImageGenerator {

    /**
     * Generates one image.
     *
     * @throws GeneratorException naming the server, endpoint and HTTP status when the call fails
     */
    RgbImage generate(GenerateRequest request) throws GeneratorException;
}
