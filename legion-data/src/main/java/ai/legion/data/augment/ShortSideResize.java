package ai.legion.data.augment;

import ai.legion.core.image.PillowResize;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * torchvision's {@code Resize(size)} with an int size on a PIL image (CNNSpot's {@code custom_resize},
 * {@code loadSize} 256, bilinear): the shorter side becomes {@code size}, the longer
 * {@code int(size·long/short)}; Pillow {@code BILINEAR} for the image, {@code NEAREST} for the masks.
 * Draws nothing from the generator.
 *
 * @param size the target length of the shorter side (≥ 1)
 */
public record ShortSideResize(int size) implements Augmentation {

    /**
     * @throws IllegalArgumentException if size is below 1
     */
    public ShortSideResize {
        if (size < 1) {
            throw new IllegalArgumentException("resize target size must be >= 1, got " + size);
        }
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        int w = sample.image().width();
        int h = sample.image().height();
        int shortSide = Math.min(w, h);
        int longSide = Math.max(w, h);
        int newLong = (int) ((double) size * longSide / shortSide);
        int nw = w <= h ? size : newLong;
        int nh = w <= h ? newLong : size;
        return Geometry.resize(sample, nw, nh, PillowResize.Filter.BILINEAR);
    }

    @Override
    public String name() {
        return "resize-short(" + size + ")";
    }
}
