package ai.legion.data.augment;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A random training augmentation of an image together with its masks.
 *
 * <p>All randomness comes from the generator passed in, drawn in a documented order, so a given
 * generator state always gives the same result; implementations are immutable and thread-safe (each
 * thread passes its own generator). Inputs are never modified.
 */
public interface Augmentation {

    /**
     * Applies the augmentation.
     *
     * @param sample the image and its masks
     * @param rng the source of randomness (advanced by this call)
     * @return the transformed image and masks (the same instance when nothing changes)
     */
    Sample apply(Sample sample, RandomGenerator rng);

    /** Applies the augmentation with a fresh {@link SplittableRandom} seeded with {@code seed}. */
    default Sample apply(Sample sample, long seed) {
        return apply(sample, new SplittableRandom(seed));
    }

    /** A short description with parameters, e.g. {@code hflip(p=0.5)}. */
    String name();

    /** This augmentation, then {@code next}, drawing from the same generator. */
    default Augmentation andThen(Augmentation next) {
        return new Compose(List.of(this, Objects.requireNonNull(next, "next")));
    }
}
