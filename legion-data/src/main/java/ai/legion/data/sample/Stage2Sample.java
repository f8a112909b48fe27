package ai.legion.data.sample;

/**
 * One stage-2 (detection) sample.
 *
 * @param id the record id
 * @param clipPixels CLIP-preprocessed image, float32 {@code [3, S, S]}
 * @param clipSize S
 * @param label the class index under the builder's {@link ClassIndex} convention
 */
public record Stage2Sample(String id, float[] clipPixels, int clipSize, int label) {}
