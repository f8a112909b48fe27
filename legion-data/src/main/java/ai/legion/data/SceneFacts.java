package ai.legion.data;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a synthetic dataset knows about a scene beyond SynthScars' schema: every object in the image and, for
 * each ref, the object it is on and the artifact's kind. scars-sim writes them (docs/EVAL.md, "Grounding");
 * real datasets have none, and their records carry no facts.
 *
 * @param objects every object of the scene, in the file's order; types are distinct
 * @param refs one entry per ref of the record, in the same order
 */
public record SceneFacts(List<SceneObject> objects, List<RefFacts> refs) {

    /** Copies the lists. */
    public SceneFacts {
        objects = List.copyOf(objects);
        refs = List.copyOf(refs);
    }

    /**
     * One object of the scene.
     *
     * @param type its noun, one lower-case word ({@code "car"}, {@code "person"})
     * @param colour its colour word ({@code "yellow"})
     * @param name how the captions name it ({@code "yellow car"}, {@code "person in red"})
     */
    public record SceneObject(String type, String colour, String name) {
        /** Checks for nulls. */
        public SceneObject {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(colour, "colour");
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * The facts of one ref.
     *
     * @param object the {@link SceneObject#type} of the object the artifact is on
     * @param objectName that object's {@link SceneObject#name}
     * @param kind the artifact kind, lower snake case ({@code "smear"}, {@code "shadow_toward_light"})
     * @param category SynthScars' category of the kind: {@code structure}, {@code distortion} or {@code physics}
     */
    public record RefFacts(String object, String objectName, String kind, String category) {
        /** Checks for nulls. */
        public RefFacts {
            Objects.requireNonNull(object, "object");
            Objects.requireNonNull(objectName, "objectName");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(category, "category");
        }
    }

    /** The object types of the scene, in order. */
    public List<String> types() {
        return objects.stream().map(SceneObject::type).toList();
    }

    /** The object of type {@code type}, if the scene has one. */
    public Optional<SceneObject> object(String type) {
        return objects.stream().filter(o -> o.type().equals(type)).findFirst();
    }
}
