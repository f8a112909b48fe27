package ai.legion.data.sim;

import java.util.List;
import java.util.Locale;

/**
 * The artifact catalogue, grouped into SynthScars' three categories. Each kind names the object part
 * it affects (the ref phrase is {@code "The <noun>'s <part>"}), a short clause for the one-sentence
 * summary and three explanation wordings.
 *
 * <p>Placeholders: {@code {o}} the object with its colour ("red car", "person in red"), {@code {t}}
 * the bare noun, {@code {b}} a second colour word (blotch or reflection), {@code {l}} the light
 * source ("sun", "lamp"), {@code {s}} the shape of a mismatched shadow.
 */
enum ArtifactKind {
    // ---- structure: deformed, missing or extra parts
    EXTRA_WHEEL(Category.STRUCTURE, ObjectType.CAR, "wheels", "a car with an extra wheel",
            "The {o} has a third wheel in the middle of its body, while a car like this should show only two wheels.",
            "An extra wheel appears under the {o}, which is structurally impossible for this car.",
            "The {o} is drawn with one wheel too many, a typical generation error."),
    MISSING_WHEEL(Category.STRUCTURE, ObjectType.CAR, "wheels", "a car missing a wheel",
            "The {o} is missing one of its wheels, so its body has nothing to rest on at that end.",
            "One wheel of the {o} is absent, leaving the car unsupported on one side.",
            "The {o} shows only a single wheel, although a car should have two visible wheels."),
    DEFORMED_WHEEL(Category.STRUCTURE, ObjectType.CAR, "wheels", "a car with a square wheel",
            "One wheel of the {o} is square instead of round, which is physically implausible.",
            "The {o} has a deformed, angular wheel that could never roll.",
            "A wheel of the {o} is distorted into a square shape."),
    EXTRA_ARM(Category.STRUCTURE, ObjectType.PERSON, "arms", "a person with three arms",
            "The {o} has a third arm growing out of the shoulder, which is anatomically impossible.",
            "An extra arm sprouts from the body of the {o}, giving the figure three arms.",
            "The {o} is drawn with three arms instead of two."),
    MISSING_ARM(Category.STRUCTURE, ObjectType.PERSON, "arms", "a person missing an arm",
            "The {o} is missing an arm, leaving one shoulder empty.",
            "One arm of the {o} is absent, so the body looks incomplete.",
            "The {o} has only one arm, which is anatomically wrong."),
    EXTRA_LEG(Category.STRUCTURE, ObjectType.PERSON, "legs", "a person with three legs",
            "The {o} stands on three legs, which is anatomically impossible.",
            "An extra leg grows from the hips of the {o}.",
            "The {o} is drawn with one leg too many."),
    DOUBLE_HEAD(Category.STRUCTURE, ObjectType.PERSON, "head", "a person with two heads",
            "The {o} has two heads fused together at the neck.",
            "A second head grows beside the head of the {o}, which is anatomically impossible.",
            "The {o} is drawn with a duplicated head."),
    ODD_WINDOW(Category.STRUCTURE, ObjectType.HOUSE, "windows", "a house with mismatched windows",
            "One window of the {o} differs in size and shape from the other, breaking the symmetry of the facade.",
            "The windows of the {o} do not match, one of them is distorted.",
            "The {o} has mismatched windows, which looks unnatural for a symmetric facade."),
    FLOATING_DOOR(Category.STRUCTURE, ObjectType.HOUSE, "door", "a house with a floating door",
            "The door of the {o} floats above the ground, so it could not be used.",
            "The {o} has a door that hangs in the middle of the wall instead of reaching the ground.",
            "The door of the {o} is detached from the ground, which is structurally implausible."),
    BROKEN_ROOF(Category.STRUCTURE, ObjectType.HOUSE, "roof", "a house with a detached roof",
            "The roof of the {o} is detached from the walls and slanted to one side.",
            "The {o} has a roof that floats above the walls with a lopsided peak.",
            "The roof of the {o} is broken off and skewed, which is structurally impossible."),
    FLOATING_CROWN(Category.STRUCTURE, ObjectType.TREE, "crown", "a tree with a floating crown",
            "The crown of the {o} floats above its trunk without any connection.",
            "The {o} has a crown that is detached from the trunk, leaving a gap.",
            "The foliage of the {o} hovers in the air above a short trunk."),
    SPLIT_TRUNK(Category.STRUCTURE, ObjectType.TREE, "trunk", "a tree with a split trunk",
            "The trunk of the {o} splits into two separate stems near the ground, which looks unnatural.",
            "The {o} grows from two diverging trunks that do not match its crown.",
            "The trunk of the {o} is duplicated and bent apart."),
    GARBLED_TEXT(Category.STRUCTURE, ObjectType.SIGN, "text", "a sign with garbled text",
            "The text on the {o} is garbled, the glyphs are random blocks of different sizes and colours.",
            "The {o} shows unreadable, scrambled lettering that does not form words.",
            "The characters on the {o} are malformed and misaligned, a typical generation error."),
    BENT_POST(Category.STRUCTURE, ObjectType.SIGN, "post", "a sign on a bent post",
            "The post of the {o} is bent in a zigzag, so it could not hold the board.",
            "The {o} stands on a crooked, broken post.",
            "The post under the {o} is twisted into an impossible shape."),
    LUMPY_OUTLINE(Category.STRUCTURE, ObjectType.BALL, "outline", "a lumpy ball",
            "The outline of the {o} is lumpy instead of perfectly round.",
            "The {o} has a deformed, uneven contour.",
            "The {o} is not a clean circle, its edge bulges irregularly."),
    MISSING_CORNER(Category.STRUCTURE, ObjectType.BOX, "corner", "a box with a missing corner",
            "A corner of the {o} is cut away, leaving an impossible notch in its front face.",
            "The {o} is missing a piece of its front face at one corner.",
            "The front face of the {o} has a missing corner, which breaks its shape."),
    MELTED(Category.STRUCTURE, null, "side", "a {t} that looks melted",
            "The side of the {o} looks melted, with wavy edges that bend unnaturally.",
            "Part of the {o} is warped as if it were melting.",
            "The contour of the {o} ripples and warps on one side."),
    // ---- distortion: colour, texture and sharpness defects
    COLOR_BLOTCH(Category.DISTORTION, null, "surface", "a {b} blotch on the {t}",
            "A {b} blotch covers part of the {o}, a colour that does not belong to the object.",
            "The surface of the {o} has an unnatural {b} stain.",
            "A patch of the {o} is tinted {b}, which is inconsistent with the rest of the object."),
    NOISE_PATCH(Category.DISTORTION, null, "texture", "a noisy patch on the {t}",
            "A patch of the {o} is covered with coloured noise, like a rendering glitch.",
            "The texture of the {o} dissolves into random speckles in one area.",
            "Part of the {o} shows grainy, noisy pixels that do not match its smooth surface."),
    SMEAR(Category.DISTORTION, null, "edge", "a smeared edge on the {t}",
            "The edge of the {o} is smeared and blurred, unlike the sharp edges elsewhere.",
            "Part of the {o} is smudged, producing a ghosted, blurry outline.",
            "The outline of the {o} is blurred into the background in one place."),
    // ---- physics: light, shadow and reflection inconsistent with the scene
    SHADOW_TOWARD_LIGHT(Category.PHYSICS, null, "shadow", "a shadow of the {t} that falls toward the light",
            "The shadow of the {o} falls toward the light source instead of away from it.",
            "The {o} casts its shadow on the same side as the {l}, which is physically impossible.",
            "The shadow of the {o} points toward the {l}, contradicting the lighting of the scene."),
    SHADOW_WRONG_SHAPE(Category.PHYSICS, null, "shadow", "a {t} with a mismatched shadow",
            "The shadow of the {o} has a shape that does not match the object.",
            "The {o} casts a {s} shadow, which is inconsistent with its outline.",
            "The shadow under the {o} does not correspond to its silhouette."),
    REFLECTION_MISMATCH(Category.PHYSICS, null, "reflection", "a {t} with a wrongly coloured reflection",
            "The reflection of the {o} on the floor has a different colour from the object.",
            "The {o} is mirrored on the glossy floor in {b}, which does not match its colour.",
            "The floor reflection of the {o} is inconsistent with the object above it."),
    WRONG_HIGHLIGHT(Category.PHYSICS, ObjectType.BALL, "highlight", "a ball lit from the wrong side",
            "The highlight on the {o} is on the side facing away from the {l}.",
            "The {o} is lit from the wrong side, its bright spot faces away from the {l}.",
            "The shiny spot on the {o} contradicts the direction of the light.");

    /** SynthScars' artifact categories. */
    enum Category {
        STRUCTURE, DISTORTION, PHYSICS;

        /** The name written to the annotations: lower case. */
        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    final Category category;
    /** The only object type this kind applies to, or null for any. */
    final ObjectType only;
    final String part;
    final String clause;
    final List<String> explanations;

    ArtifactKind(Category category, ObjectType only, String part, String clause, String... explanations) {
        this.category = category;
        this.only = only;
        this.part = part;
        this.clause = clause;
        this.explanations = List.of(explanations);
    }

    /** The name written to the annotations: lower snake case. */
    String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this kind can affect an object of type {@code t} in a scene of kind {@code scene}. */
    boolean appliesTo(ObjectType t, SceneKind scene) {
        if (only != null && only != t) {
            return false;
        }
        return this != REFLECTION_MISMATCH || scene.glossy;
    }

    /** Drawn as a pixel effect over the finished scene (the annotation is exactly the painted area). */
    boolean pixelEffect() {
        return this == MELTED || this == COLOR_BLOTCH || this == NOISE_PATCH || this == SMEAR;
    }
}
