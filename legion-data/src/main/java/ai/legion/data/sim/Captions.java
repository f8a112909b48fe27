package ai.legion.data.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * SynthScars caption text:
 * {@code "Upon examining the image. I have found: <summary>\nTo elaborate, I have found the following
 * artifacts. <phrase1>:<explanation1><phrase2>:<explanation2>"} (no separator between a period and
 * the next phrase, as in the published annotations).
 */
final class Captions {

    /** Start of every caption. */
    static final String PREFIX = "Upon examining the image. I have found: ";
    /** Between the summary and the per-artifact part. */
    static final String MIDDLE = "\nTo elaborate, I have found the following artifacts. ";

    private Captions() {
    }

    /** The ref sentence, e.g. "The car's wheels". */
    static String phrase(Scene.Artifact a) {
        return phrase(a.target.type, a.kind);
    }

    static String phrase(ObjectType type, ArtifactKind kind) {
        return "The " + type.noun + "'s " + kind.part;
    }

    static String explanation(Scene s, Scene.Artifact a) {
        return fill(a.kind.explanations.get(a.variant), s, a);
    }

    static String clause(Scene s, Scene.Artifact a) {
        return fill(a.kind.clause, s, a);
    }

    /** One sentence naming the objects, the place and every artifact. */
    static String summary(Scene s) {
        List<String> objs = new ArrayList<>();
        for (SceneObject o : s.objects) {
            objs.add(o.type.indefinite(o.colour));
        }
        List<String> clauses = new ArrayList<>();
        for (Scene.Artifact a : s.artifacts) {
            clauses.add(clause(s, a));
        }
        String objects = join(objs);
        if (s.summaryVariant == 0) {
            return Character.toUpperCase(objects.charAt(0)) + objects.substring(1) + " " + s.kind.location + ", with "
                    + join(clauses) + ".";
        }
        return s.kind.sceneNoun + " with " + objects + ", showing " + join(clauses) + ".";
    }

    /** The full caption of a fake scene. */
    static String caption(Scene s) {
        StringBuilder sb = new StringBuilder(PREFIX).append(summary(s)).append(MIDDLE);
        for (Scene.Artifact a : s.artifacts) {
            sb.append(phrase(a)).append(':').append(explanation(s, a));
        }
        return sb.toString();
    }

    private static String fill(String template, Scene s, Scene.Artifact a) {
        SceneObject o = a.target;
        return template.replace("{o}", o.type.named(o.colour))
                .replace("{t}", o.type.noun)
                .replace("{b}", a.extra == null ? "" : a.extra.name())
                .replace("{l}", s.kind.light)
                .replace("{s}", a.shapeWord == null ? "" : a.shapeWord);
    }

    /** "a", "a and b", "a, b and c". */
    static String join(List<String> items) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }
}
