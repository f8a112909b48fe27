package ai.legion.data.augment;

import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * Augmentations applied in order, sharing one generator (like torchvision's {@code Compose} with
 * Python's global {@code random}).
 *
 * @param steps the augmentations, in order (possibly empty: the identity)
 */
public record Compose(List<Augmentation> steps) implements Augmentation {

    /** Copies the list; nested compositions are kept as they are (they behave the same). */
    public Compose {
        steps = List.copyOf(Objects.requireNonNull(steps, "steps"));
    }

    /** A composition of the given steps. */
    public static Compose of(Augmentation... steps) {
        return new Compose(List.of(steps));
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(rng, "rng");
        Sample cur = sample;
        for (Augmentation a : steps) {
            cur = a.apply(cur, rng);
        }
        return cur;
    }

    @Override
    public String name() {
        return steps.stream().map(Augmentation::name).collect(Collectors.joining(" -> ", "compose(", ")"));
    }
}
