package ai.legion.data.augment;

import ai.legion.core.report.BinaryMask;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * torchvision's {@code RandomHorizontalFlip(p)}: draws {@code u = rng.nextDouble()} and mirrors the image
 * and every mask left-right when {@code u < p} (pixel x goes to {@code W − 1 − x}).
 *
 * @param probability flip probability in [0, 1] (CNNSpot/UniFD training: 0.5)
 */
public record HorizontalFlip(double probability) implements Augmentation {

    /**
     * @throws IllegalArgumentException if the probability is outside [0, 1]
     */
    public HorizontalFlip {
        Augmentations.checkProbability(probability, "flip");
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        if (!(rng.nextDouble() < probability)) {
            return sample;
        }
        List<BinaryMask> masks = new ArrayList<>(sample.masks().size());
        for (BinaryMask m : sample.masks()) {
            masks.add(Geometry.flipHorizontal(m));
        }
        return new Sample(Geometry.flipHorizontal(sample.image()), masks);
    }

    @Override
    public String name() {
        return "hflip(p=" + probability + ")";
    }
}
