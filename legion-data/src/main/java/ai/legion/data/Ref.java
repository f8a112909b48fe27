package ai.legion.data;

import java.util.Objects;

/**
 * One annotated artifact.
 *
 * @param phrase the words naming it (SynthScars {@code sentence}; wrapped as {@code <p> phrase </p> [SEG]})
 * @param explanation why it is an artifact ("" if the dataset has none)
 * @param region where it is
 */
public record Ref(String phrase, String explanation, Region region) {
    public Ref {
        Objects.requireNonNull(phrase, "phrase");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(region, "region");
    }
}
