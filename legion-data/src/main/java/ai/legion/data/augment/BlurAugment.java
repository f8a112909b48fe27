package ai.legion.data.augment;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * CNNSpot's blur augmentation: draws {@code u = rng.nextDouble()}; when {@code u < p}, draws
 * {@code σ = min + (max − min)·rng.nextDouble()} (CNNSpot's {@code sample_continuous}) and applies
 * {@link ScipyGaussianFilter} (SciPy {@code gaussian_filter} per channel; σ ≈ 0 is a no-op). Masks are
 * untouched.
 *
 * @param probability probability of blurring, in [0, 1] (CNNSpot Blur+JPEG(0.1): 0.1; UniFD default 0.5)
 * @param sigmaMin smallest σ in pixels (CNNSpot 0)
 * @param sigmaMax largest σ in pixels (CNNSpot 3)
 */
public record BlurAugment(double probability, double sigmaMin, double sigmaMax) implements Augmentation {

    /**
     * @throws IllegalArgumentException if the probability is outside [0, 1] or the σ range is not
     *     {@code 0 <= min <= max}, finite
     */
    public BlurAugment {
        Augmentations.checkProbability(probability, "blur");
        if (!Double.isFinite(sigmaMin) || !Double.isFinite(sigmaMax) || sigmaMin < 0 || sigmaMax < sigmaMin) {
            throw new IllegalArgumentException("blur sigma range must satisfy 0 <= min <= max (finite), got "
                    + sigmaMin + ".." + sigmaMax);
        }
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        if (!(rng.nextDouble() < probability)) {
            return sample;
        }
        double sigma = sigmaMin + (sigmaMax - sigmaMin) * rng.nextDouble();
        return sample.withImage(ScipyGaussianFilter.blur(sample.image(), sigma));
    }

    @Override
    public String name() {
        return "blur(p=" + probability + ", sigma=" + sigmaMin + ".." + sigmaMax + ")";
    }
}
