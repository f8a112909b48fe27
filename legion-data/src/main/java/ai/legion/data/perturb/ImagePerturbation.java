package ai.legion.data.perturb;

import ai.legion.core.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A deterministic image degradation used by the robustness evaluation (paper Table 10).
 *
 * <p>Implementations never modify their input (an {@link RgbImage} shares its pixel array) and return
 * the same bytes for the same image and seed on every JVM. Operations without randomness ignore the
 * seed. Implementations are immutable records: {@link Object#equals equals} compares parameters, and
 * {@link Perturbations#parse Perturbations.parse(p.name())} gives an equal perturbation back.
 */
public interface ImagePerturbation {

    /**
     * Applies the perturbation.
     *
     * @param image the decoded image (not modified)
     * @param seed the per-image seed (see {@link Perturbations#seedFor}); ignored by deterministic operations
     * @return a new image of the same size
     */
    RgbImage apply(RgbImage image, long seed);

    /** The spec token, e.g. {@code jpeg:50}, {@code noise:0.1}, {@code blur:5} or {@code blur:5+jpeg:50}. */
    String name();

    /**
     * This perturbation followed by {@code next}; nested chains are flattened and {@link Identity}
     * steps dropped. Step {@code i} of the chain receives {@link Perturbations#stepSeed(long, int)}.
     */
    default ImagePerturbation andThen(ImagePerturbation next) {
        Objects.requireNonNull(next, "next");
        List<ImagePerturbation> steps = new ArrayList<>();
        Chain.flattenInto(this, steps);
        Chain.flattenInto(next, steps);
        return Chain.of(steps);
    }
}
