/**
 * Training augmentations that move artifact masks together with the image (CNNSpot / UniFD style).
 *
 * <p>An {@link ai.legion.data.augment.Augmentation} maps a {@link ai.legion.data.augment.Sample} (an
 * {@link ai.legion.core.image.RgbImage} and its {@link ai.legion.core.report.BinaryMask}s, all the same
 * size) with a {@link java.util.random.RandomGenerator}: geometric operations
 * ({@link ai.legion.data.augment.HorizontalFlip}, {@link ai.legion.data.augment.ResizeJitter},
 * {@link ai.legion.data.augment.ShortSideResize}, {@link ai.legion.data.augment.RandomCrop},
 * {@link ai.legion.data.augment.CenterCrop}) transform the masks with the same pixel mapping
 * (nearest neighbour for resizes), photometric ones ({@link ai.legion.data.augment.BlurAugment},
 * {@link ai.legion.data.augment.JpegAugment}) leave them untouched. {@link ai.legion.data.augment.Augmentations}
 * holds the CNNSpot presets.
 */
package ai.legion.data.augment;
