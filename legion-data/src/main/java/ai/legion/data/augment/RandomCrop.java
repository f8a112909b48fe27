package ai.legion.data.augment;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * torchvision's {@code RandomCrop((height, width))} without padding: when the image is exactly the crop
 * size nothing is drawn; otherwise {@code top = rng.nextInt(H − h + 1)}, then
 * {@code left = rng.nextInt(W − w + 1)}, and the image and masks are cut to the same window.
 *
 * @param width crop width (≥ 1)
 * @param height crop height (≥ 1)
 */
public record RandomCrop(int width, int height) implements Augmentation {

    /**
     * @throws IllegalArgumentException if a size is below 1
     */
    public RandomCrop {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("crop size must be positive, got " + width + "x" + height);
        }
    }

    /** A square crop. */
    public RandomCrop(int size) {
        this(size, size);
    }

    /**
     * @throws IllegalArgumentException if the image is smaller than the crop (as torchvision)
     */
    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        int w = sample.image().width();
        int h = sample.image().height();
        if (w < width || h < height) {
            throw new IllegalArgumentException("random crop " + width + "x" + height + " is larger than the image "
                    + w + "x" + h + " (width x height)");
        }
        if (w == width && h == height) {
            return sample;
        }
        int top = rng.nextInt(h - height + 1);
        int left = rng.nextInt(w - width + 1);
        return Geometry.crop(sample, left, top, width, height);
    }

    @Override
    public String name() {
        return "random-crop(" + width + "x" + height + ")";
    }
}
