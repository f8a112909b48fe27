package ai.legion.data.augment;

import ai.legion.core.image.PillowResize;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Random rescaling: draws {@code s = min + (max − min)·rng.nextDouble()} and resizes to
 * {@code (max(1, round(W·s)), max(1, round(H·s)))} (aspect ratio kept, {@link Math#round}). The image is
 * resampled with Pillow {@code BILINEAR} ({@link PillowResize}, antialiased when shrinking); the masks with
 * Pillow {@code NEAREST} to the same size, i.e. output pixel (x, y) takes the mask value of the source
 * pixel Pillow's nearest mapping picks ({@code floor((x + 0.5)·W/W')}), the same mapping for every mask.
 *
 * @param minScale smallest scale factor (> 0)
 * @param maxScale largest scale factor (≥ minScale)
 */
public record ResizeJitter(double minScale, double maxScale) implements Augmentation {

    /**
     * @throws IllegalArgumentException if the scales are not finite, not positive, or min > max
     */
    public ResizeJitter {
        if (!Double.isFinite(minScale) || !Double.isFinite(maxScale) || minScale <= 0 || maxScale < minScale) {
            throw new IllegalArgumentException("resize jitter needs finite scales 0 < min <= max, got min " + minScale
                    + ", max " + maxScale);
        }
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        double s = minScale + (maxScale - minScale) * rng.nextDouble();
        int w = (int) Math.max(1L, Math.round(sample.image().width() * s));
        int h = (int) Math.max(1L, Math.round(sample.image().height() * s));
        return Geometry.resize(sample, w, h, PillowResize.Filter.BILINEAR);
    }

    @Override
    public String name() {
        return "resize-jitter(" + minScale + ".." + maxScale + ")";
    }
}
