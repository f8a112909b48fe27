package ai.legion.refine;

import java.util.Objects;

/**
 * Sampling settings passed to a generator or inpainter; each adapter maps them onto its protocol and
 * ignores what the protocol lacks (OpenAI image endpoints have no seed, steps or guidance).
 *
 * @param seed the noise seed; negative = random (A1111's {@code -1})
 * @param steps denoising steps (&gt; 0)
 * @param guidance classifier-free guidance scale ({@code cfg_scale}, &ge; 0)
 * @param strength img2img denoising strength in (0, 1] (ignored by txt2img)
 * @param width output width for txt2img, 0 = the server's default; for inpainting 0 = the input's width
 * @param height output height, as {@code width}
 * @param negativePrompt the negative prompt ("" for none)
 * @param sampler a sampler name of the server ({@code sampler_name}), or null for the server's default
 */
public record GenerationSettings(long seed, int steps, double guidance, double strength, int width, int height,
        String negativePrompt, String sampler) {

    /** Validates the values. */
    public GenerationSettings {
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be positive, got " + steps);
        }
        if (!(guidance >= 0) || Double.isInfinite(guidance)) {
            throw new IllegalArgumentException("guidance must be a finite value >= 0, got " + guidance);
        }
        if (!(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength (denoising strength) must lie in (0, 1], got " + strength);
        }
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("width and height must be >= 0 (0 = default), got " + width + "x" + height);
        }
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
    }

    /**
     * LEGION's inpainting settings (upstream {@code scripts/refine/inpainter.py::sd_xl_inpainting_process}): seed 42,
     * 25 steps, guidance 8.0, strength 0.84, the input's size, no negative prompt, the server's sampler.
     */
    public static GenerationSettings inpaintingDefaults() {
        return new GenerationSettings(42, 25, 8.0, 0.84, 0, 0, "", null);
    }

    /**
     * Regeneration settings: diffusers' SD3.5 defaults that upstream's regenerator relies on
     * ({@code scripts/refine/regenerator.py::t2i_sd35.inference} passes only the prompt):
     * 28 steps, guidance 7.0, 1024x1024, random seed.
     */
    public static GenerationSettings generationDefaults() {
        return new GenerationSettings(-1, 28, 7.0, 1.0, 1024, 1024, "", null);
    }

    /** Whether the seed is fixed (&ge; 0). */
    public boolean hasSeed() {
        return seed >= 0;
    }

    /**
     * The seed of the {@code call}-th generator call of a loop: {@code seed + call} for a fixed seed (one
     * seeded generator shared by all calls, as upstream, yet reproducible per call), -1 for random.
     */
    public long seedForCall(int call) {
        return seed < 0 ? -1 : seed + call;
    }

    /** A copy with another seed. */
    public GenerationSettings withSeed(long value) {
        return new GenerationSettings(value, steps, guidance, strength, width, height, negativePrompt, sampler);
    }

    /** A copy with another step count. */
    public GenerationSettings withSteps(int value) {
        return new GenerationSettings(seed, value, guidance, strength, width, height, negativePrompt, sampler);
    }

    /** A copy with another guidance scale. */
    public GenerationSettings withGuidance(double value) {
        return new GenerationSettings(seed, steps, value, strength, width, height, negativePrompt, sampler);
    }

    /** A copy with another denoising strength. */
    public GenerationSettings withStrength(double value) {
        return new GenerationSettings(seed, steps, guidance, value, width, height, negativePrompt, sampler);
    }

    /** A copy with another output size (0 = default). */
    public GenerationSettings withSize(int w, int h) {
        return new GenerationSettings(seed, steps, guidance, strength, w, h, negativePrompt, sampler);
    }

    /** A copy with another negative prompt. */
    public GenerationSettings withNegativePrompt(String value) {
        return new GenerationSettings(seed, steps, guidance, strength, width, height, value, sampler);
    }

    /** A copy with another sampler name (null = the server's default). */
    public GenerationSettings withSampler(String value) {
        return new GenerationSettings(seed, steps, guidance, strength, width, height, negativePrompt, value);
    }

    @Override
    public String toString() {
        return "GenerationSettings[seed=" + seed + ", steps=" + steps + ", guidance=" + guidance + ", strength="
                + strength + ", size=" + width + "x" + height + ", sampler=" + Objects.requireNonNullElse(sampler, "default")
                + "]";
    }
}
