package ai.legion.data;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One image of a dataset with what the dataset says about it, before any decoding: every reader
 * produces these, every sample builder and evaluator consumes them.
 *
 * @param id the dataset's id for the record (SynthScars annotation id, LOKI id, file stem, ...)
 * @param dataset which reader produced it (e.g. {@code "synthscars"})
 * @param image the image file
 * @param authenticity real/fake as the dataset labels it
 * @param caption the dataset's full answer text ("" if none; SynthScars {@code caption})
 * @param refs annotated artifacts in the dataset's order
 * @param attributes extra labels when present: {@code split}, {@code content_type}, {@code artifact_type},
 *     {@code generator}, {@code category}, ...
 * @param facts the scene's objects and each ref's object and kind when the dataset records them (scars-sim),
 *     else {@code null}; when present it has one {@link SceneFacts.RefFacts} per ref
 */
public record ArtifactRecord(String id, String dataset, Path image, Authenticity authenticity, String caption,
        List<Ref> refs, Map<String, String> attributes, SceneFacts facts) {

    public ArtifactRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(authenticity, "authenticity");
        Objects.requireNonNull(caption, "caption");
        refs = List.copyOf(refs);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        if (facts != null && facts.refs().size() != refs.size()) {
            throw new IllegalArgumentException("record " + id + ": " + facts.refs().size() + " ref facts for "
                    + refs.size() + " refs");
        }
    }

    /** A record without scene facts (every dataset but scars-sim). */
    public ArtifactRecord(String id, String dataset, Path image, Authenticity authenticity, String caption,
            List<Ref> refs, Map<String, String> attributes) {
        this(id, dataset, image, authenticity, caption, refs, attributes, null);
    }

    /** The scene facts, when the dataset records them. */
    public Optional<SceneFacts> sceneFacts() {
        return Optional.ofNullable(facts);
    }

    /** An attribute, or {@code null}. */
    public String attribute(String key) {
        return attributes.get(key);
    }
}
