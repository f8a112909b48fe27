package ai.legion.core.report;

import java.util.Locale;

/**
 * Whether a report's summary and artifacts were generated, and why not. Upstream LEGION runs localization and
 * explanation only on images the detector calls fake; an analyzer that explains every image would otherwise put
 * "REAL" next to a list of artifacts without saying how the two relate.
 */
public enum Explanations {
    /** Generated: the verdict is FAKE, or there is no verdict (a checkpoint without detection head). */
    GENERATED,
    /** Not generated because the verdict is REAL (the default policy): no summary, no artifacts. */
    SKIPPED,
    /**
     * Generated on request although the verdict is REAL: the artifacts are what the model points at when asked to
     * explain, and contradict its own verdict; read them as low-confidence.
     */
    FORCED;

    /** The JSON value: {@code "generated"}, {@code "skipped"} or {@code "forced"}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The constant of a JSON value.
     *
     * @throws IllegalArgumentException for any other value
     */
    public static Explanations fromJson(String value) {
        for (Explanations e : values()) {
            if (e.jsonName().equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("expected \"generated\", \"skipped\" or \"forced\", got \"" + value + "\"");
    }
}
