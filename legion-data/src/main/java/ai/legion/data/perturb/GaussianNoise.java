package ai.legion.data.perturb;

import ai.legion.core.image.RgbImage;
import java.util.Objects;
import java.util.Random;

/**
 * Additive Gaussian noise on the [0, 1] scale (LEGION {@code eval/utils.py::apply_gaussian_noise}):
 * {@code x' = clamp(x/255 + σ·N(0,1) + mean/255, 0, 1)}, then {@code (int)(x'·255)} — truncation, as upstream's
 * {@code astype(uint8)} of the float 0–255 array, so the result is on average half a level darker than rounding would
 * give. With σ = 0 and mean = 0 the image is unchanged ({@code (x/255)·255} is exact in double for every x in
 * 0..255).
 *
 * <p><b>Randomness.</b> The seed initializes a {@link java.util.Random} (whose algorithms the Java SE
 * specification fixes, so the same seed gives the same noise on every JVM); one
 * {@link Random#nextGaussian()} is drawn per sample in the order of {@link RgbImage#rgb()} (row-major,
 * R, G, B per pixel). Upstream draws from NumPy/PyTorch generators, so individual noise values cannot
 * match; only the distribution does. Use {@link Perturbations#seedFor} to derive per-image seeds.
 *
 * <p>σ is on the [0, 1] scale: the upstream utility default 0.1 is 25.5 levels. (The old LEGION eval
 * driver passes 25.5 without dividing by 255 — a quirk not reproduced: pass 0.1.)
 *
 * @param sigma standard deviation on the [0, 1] scale, finite and ≥ 0
 * @param mean offset in 0–255 levels (upstream {@code mean}, added as {@code mean/255}; default 0), finite
 */
public record GaussianNoise(double sigma, double mean) implements ImagePerturbation {

    /**
     * @throws IllegalArgumentException if sigma is negative or not finite, or mean is not finite
     */
    public GaussianNoise {
        if (!Double.isFinite(sigma) || sigma < 0) {
            throw new IllegalArgumentException("Gaussian noise sigma must be a finite number >= 0 (on the [0,1] "
                    + "scale, e.g. 0.1), got " + sigma);
        }
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("Gaussian noise mean must be finite (0-255 levels), got " + mean);
        }
        // -0.0 would print as "0" but compare unequal to 0.0 after a parse round trip
        sigma += 0.0;
        mean += 0.0;
    }

    /** Zero-mean noise with the given σ (on the [0, 1] scale). */
    public GaussianNoise(double sigma) {
        this(sigma, 0.0);
    }

    @Override
    public RgbImage apply(RgbImage image, long seed) {
        Objects.requireNonNull(image, "image");
        byte[] src = image.rgb();
        byte[] out = new byte[src.length];
        Random rng = new Random(seed);
        double offset = mean / 255.0;
        for (int i = 0; i < src.length; i++) {
            double v = (src[i] & 0xFF) / 255.0 + sigma * rng.nextGaussian() + offset;
            v = v < 0.0 ? 0.0 : Math.min(v, 1.0);
            out[i] = (byte) (int) (v * 255.0);
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    @Override
    public String name() {
        String s = "noise:" + Perturbations.formatNumber(sigma);
        return mean == 0.0 ? s : s + ":" + Perturbations.formatNumber(mean);
    }

    @Override
    public String toString() {
        return name();
    }
}
