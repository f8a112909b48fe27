package ai.legion.models.inference;

/**
 * The entry point: {@code Legion.analyzer().model(dir).clip(clipDir).build()} returns a
 * {@link LegionAnalyzer}.
 */
public final class Legion {

    private Legion() {}

    /** A builder for an analyzer over a GLaMM/LEGION checkpoint folder. */
    public static LegionAnalyzer.Builder analyzer() {
        return LegionAnalyzer.builder();
    }
}
