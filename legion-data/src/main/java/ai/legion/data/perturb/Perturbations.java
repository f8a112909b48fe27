package ai.legion.data.perturb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Parsing of perturbation specs, the paper's robustness grid, and seed derivation.
 *
 * <h2>Spec syntax ({@link #parse})</h2>
 * Steps joined by {@code +}, applied left to right; names are case-insensitive, spaces around tokens
 * are ignored:
 * <ul>
 *   <li>{@code jpeg:Q} — {@link JpegCompression}, Q in 1..100;
 *   <li>{@code noise:SIGMA} or {@code noise:SIGMA:MEAN} — {@link GaussianNoise}, σ on the [0, 1] scale,
 *       mean in 0–255 levels;
 *   <li>{@code blur:K} — {@link GaussianBlur}, K odd ≥ 1;
 *   <li>{@code identity} (also {@code none}, {@code clean}) — {@link Identity}.
 * </ul>
 * Example: {@code blur:5+jpeg:50}. {@code parse(p.name())} equals {@code p} for every perturbation.
 */
public final class Perturbations {

    private Perturbations() {}

    /**
     * The robustness grid of the paper's Table 10 (Appendix C), in its order: JPEG quality 50/35/20,
     * Gaussian noise σ 0.1/0.2/0.3 (on the [0, 1] scale), Gaussian blur kernel 5/9/15.
     */
    public static final List<ImagePerturbation> ROBUSTNESS_SUITE = List.of(
            new JpegCompression(50), new JpegCompression(35), new JpegCompression(20),
            new GaussianNoise(0.1), new GaussianNoise(0.2), new GaussianNoise(0.3),
            new GaussianBlur(5), new GaussianBlur(9), new GaussianBlur(15));

    /**
     * Parses a spec (see the class comment).
     *
     * @throws IllegalArgumentException naming the offending token and the whole spec: empty spec or step,
     *     unknown name, missing/extra/non-numeric parameter, or a value out of range
     */
    public static ImagePerturbation parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.isBlank()) {
            throw new IllegalArgumentException("empty perturbation spec (expected e.g. jpeg:50, noise:0.1, blur:5, "
                    + "blur:5+jpeg:50 or identity)");
        }
        List<ImagePerturbation> steps = new ArrayList<>();
        for (String raw : spec.split("\\+", -1)) {
            String token = raw.strip();
            try {
                steps.add(parseStep(token));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad perturbation token '" + token + "' in '" + spec + "': "
                        + e.getMessage(), e);
            }
        }
        return Chain.of(steps);
    }

    private static ImagePerturbation parseStep(String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("empty step (two '+' in a row, or a leading/trailing '+')");
        }
        String[] parts = token.split(":", -1);
        String kind = parts[0].strip().toLowerCase(Locale.ROOT);
        switch (kind) {
            case "identity", "none", "clean" -> {
                arity(parts, 0, 0, kind);
                return Identity.INSTANCE;
            }
            case "jpeg" -> {
                arity(parts, 1, 1, "jpeg:QUALITY");
                return new JpegCompression(parseInt(parts[1], "JPEG quality"));
            }
            case "blur" -> {
                arity(parts, 1, 1, "blur:KERNEL_SIZE");
                return new GaussianBlur(parseInt(parts[1], "blur kernel size"));
            }
            case "noise" -> {
                arity(parts, 1, 2, "noise:SIGMA[:MEAN]");
                double sigma = parseDouble(parts[1], "noise sigma");
                double mean = parts.length > 2 ? parseDouble(parts[2], "noise mean") : 0.0;
                return new GaussianNoise(sigma, mean);
            }
            default -> throw new IllegalArgumentException("unknown perturbation '" + parts[0].strip()
                    + "' (expected jpeg, noise, blur or identity)");
        }
    }

    private static void arity(String[] parts, int min, int max, String form) {
        int n = parts.length - 1;
        if (n < min || n > max) {
            throw new IllegalArgumentException("expected " + form + " (" + (min == max ? min : min + " or " + max)
                    + " parameter" + (max == 1 ? "" : "s") + "), got " + n);
        }
    }

    private static int parseInt(String s, String what) {
        String t = s.strip();
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + t + "' is not an integer");
        }
    }

    private static double parseDouble(String s, String what) {
        String t = s.strip();
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + t + "' is not a number");
        }
        if (!Double.isFinite(v) || t.endsWith("d") || t.endsWith("D") || t.endsWith("f") || t.endsWith("F")) {
            // Double.parseDouble accepts "NaN", "Infinity" and Java type suffixes; a CLI spec should not
            throw new IllegalArgumentException(what + " '" + t + "' is not a finite decimal number");
        }
        return v;
    }

    /**
     * Formats a parameter so that {@link #parse} reads back the same double: integers without a
     * fraction ({@code 5}), others as {@link Double#toString} ({@code 0.1}, {@code 1.0E-4}).
     */
    static String formatNumber(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /**
     * A per-image seed from a run seed and an image key (e.g. the record id or file name), stable across
     * runs, JVMs and iteration order: SplitMix64 finalizer of {@code runSeed} mixed with the 64-bit
     * FNV-1a hash of the key's UTF-8 bytes.
     */
    public static long seedFor(long runSeed, String imageKey) {
        Objects.requireNonNull(imageKey, "imageKey");
        long h = 0xcbf29ce484222325L;
        for (byte b : imageKey.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return mix64(mix64(runSeed) ^ h);
    }

    /**
     * The seed step {@code index} of a {@link Chain} receives: the chain's seed itself for step 0,
     * otherwise {@code mix64(seed + index·0x9E3779B97F4A7C15)} (SplitMix64), independent per step.
     */
    public static long stepSeed(long seed, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative step index " + index);
        }
        return index == 0 ? seed : mix64(seed + index * 0x9E3779B97F4A7C15L);
    }

    /** SplitMix64's output function (Steele, Lea, Flood 2014). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
