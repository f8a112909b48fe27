/**
 * Image decoding and the exact upstream preprocessing (transformers 4.28 {@code CLIPImageProcessor}, segment-anything
 * {@code ResizeLongestSide} and LEGION's {@code eval/utils.py::grounding_image_ecoder_preprocess}).
 *
 * <ul>
 *   <li>{@link ai.legion.core.image.ImageLoader} decodes files/streams into
 *       {@link ai.legion.core.image.RgbImage} ({@code uint8 [H, W, 3]} RGB) like OpenCV's
 *       {@code imread} + BGR→RGB, with size limits and checked {@link ai.legion.core.image.ImageException}s.
 *   <li>{@link ai.legion.core.image.PillowResize} is Pillow 9.4's fixed-point resampling (bit-exact).
 *   <li>{@link ai.legion.core.image.ClipImageProcessor} is transformers 4.28's {@code CLIPImageProcessor};
 *       {@link ai.legion.core.image.SamImageProcessor} is SAM's {@code ResizeLongestSide} + LEGION's
 *       normalize-and-pad.
 * </ul>
 */
package ai.legion.core.image;
