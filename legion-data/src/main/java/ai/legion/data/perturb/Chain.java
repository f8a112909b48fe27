package ai.legion.data.perturb;

import ai.legion.core.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Perturbations applied in order ({@code blur:5+jpeg:50} blurs, then compresses). Step 0 receives
 * the caller's seed unchanged and step {@code i > 0} receives {@link Perturbations#stepSeed(long, int)},
 * so a chain's first step behaves exactly like the step alone, and two noise steps draw independent
 * noise.
 *
 * @param steps at least two steps, none of them a chain or {@link Identity} (use {@link #of})
 */
public record Chain(List<ImagePerturbation> steps) implements ImagePerturbation {

    /**
     * @throws IllegalArgumentException with fewer than two steps, or a nested chain / identity step
     */
    public Chain {
        steps = List.copyOf(Objects.requireNonNull(steps, "steps"));
        if (steps.size() < 2) {
            throw new IllegalArgumentException("a chain needs at least two steps, got " + steps.size()
                    + " (use Chain.of, which returns the single step or identity)");
        }
        for (ImagePerturbation p : steps) {
            if (p instanceof Chain || p instanceof Identity) {
                throw new IllegalArgumentException("chain steps must not be chains or identity: " + p.name()
                        + " (use Chain.of, which flattens)");
            }
        }
    }

    /**
     * The composition of {@code steps}, flattened: {@link Identity} for no (or only identity) steps,
     * the step itself for one, a chain otherwise.
     */
    public static ImagePerturbation of(List<? extends ImagePerturbation> steps) {
        List<ImagePerturbation> flat = new ArrayList<>();
        for (ImagePerturbation p : Objects.requireNonNull(steps, "steps")) {
            flattenInto(Objects.requireNonNull(p, "step"), flat);
        }
        if (flat.isEmpty()) {
            return Identity.INSTANCE;
        }
        return flat.size() == 1 ? flat.get(0) : new Chain(flat);
    }

    static void flattenInto(ImagePerturbation p, List<ImagePerturbation> out) {
        if (p instanceof Chain c) {
            out.addAll(c.steps);
        } else if (!(p instanceof Identity)) {
            out.add(p);
        }
    }

    @Override
    public RgbImage apply(RgbImage image, long seed) {
        RgbImage cur = Objects.requireNonNull(image, "image");
        for (int i = 0; i < steps.size(); i++) {
            cur = steps.get(i).apply(cur, Perturbations.stepSeed(seed, i));
        }
        return cur;
    }

    @Override
    public String name() {
        return steps.stream().map(ImagePerturbation::name).collect(Collectors.joining("+"));
    }

    @Override
    public String toString() {
        return name();
    }
}
