/**
 * Robustness perturbations for evaluation (LEGION {@code eval/utils.py::apply_gaussian_noise},
 * {@code apply_jpeg_compression}, {@code apply_gaussian_blur}): deterministic, composable operations on decoded
 * {@link ai.legion.core.image.RgbImage}s, applied before both preprocessings.
 *
 * <ul>
 *   <li>{@link ai.legion.data.perturb.GaussianNoise}: {@code clamp(x/255 + σ·N(0,1) + mean/255, 0, 1)},
 *       requantized by truncation; seeded per image.
 *   <li>{@link ai.legion.data.perturb.GaussianBlur}: OpenCV {@code GaussianBlur(k×k, sigmaX=0)} on the
 *       float32 array, border {@code REFLECT_101}, requantized by truncation.
 *   <li>{@link ai.legion.data.perturb.JpegCompression}: a standard (IJG-table, 4:2:0) JPEG round trip.
 *   <li>{@link ai.legion.data.perturb.Identity} and {@link ai.legion.data.perturb.Chain}
 *       ({@link ai.legion.data.perturb.ImagePerturbation#andThen}).
 * </ul>
 *
 * {@link ai.legion.data.perturb.Perturbations#parse} reads CLI specs such as {@code blur:5+jpeg:50};
 * {@link ai.legion.data.perturb.Perturbations#ROBUSTNESS_SUITE} is the paper's Table 10 grid.
 */
package ai.legion.data.perturb;
