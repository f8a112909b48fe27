package ai.legion.data.augment;

import ai.legion.data.perturb.JpegCompression;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * CNNSpot's JPEG augmentation: draws {@code u = rng.nextDouble()}; when {@code u < p}, draws the quality
 * uniformly from the integers {@code qualityMin..qualityMax} (both included, like CNNSpot's
 * {@code random.choice(range(30, 101))}) and does a {@link JpegCompression} round trip. Masks are
 * untouched.
 *
 * <p>CNNSpot also picks the codec ({@code cv2} or {@code pil}) at random; both are libjpeg with the same
 * IJG tables and 4:2:0 subsampling, which is what {@link JpegCompression} writes, so no codec is drawn.
 *
 * @param probability probability of compressing, in [0, 1] (CNNSpot Blur+JPEG(0.1): 0.1; UniFD default 0.5)
 * @param qualityMin lowest quality (CNNSpot 30)
 * @param qualityMax highest quality (CNNSpot 100)
 */
public record JpegAugment(double probability, int qualityMin, int qualityMax) implements Augmentation {

    /**
     * @throws IllegalArgumentException if the probability is outside [0, 1] or the qualities are not
     *     {@code 1 <= min <= max <= 100}
     */
    public JpegAugment {
        Augmentations.checkProbability(probability, "JPEG");
        if (qualityMin < 1 || qualityMax > 100 || qualityMin > qualityMax) {
            throw new IllegalArgumentException("JPEG quality range must satisfy 1 <= min <= max <= 100, got "
                    + qualityMin + ".." + qualityMax);
        }
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        if (!(rng.nextDouble() < probability)) {
            return sample;
        }
        int quality = qualityMin == qualityMax ? qualityMin : rng.nextInt(qualityMin, qualityMax + 1);
        return sample.withImage(JpegCompression.roundTrip(sample.image(), quality));
    }

    @Override
    public String name() {
        return "jpeg(p=" + probability + ", q=" + qualityMin + ".." + qualityMax + ")";
    }
}
