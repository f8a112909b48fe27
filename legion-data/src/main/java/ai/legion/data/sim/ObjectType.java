package ai.legion.data.sim;

import java.util.List;

/** The object catalogue: caption noun, width/height ratio of the bounding box and allowed colours. */
enum ObjectType {
    BALL("ball", 1.0, List.of(Palette.RED, Palette.BLUE, Palette.YELLOW, Palette.ORANGE, Palette.PURPLE, Palette.PINK,
            Palette.WHITE)),
    BOX("box", 1.0, List.of(Palette.BROWN, Palette.RED, Palette.BLUE, Palette.GREEN, Palette.GREY, Palette.YELLOW)),
    HOUSE("house", 0.9, List.of(Palette.WHITE, Palette.YELLOW, Palette.PINK, Palette.BLUE, Palette.ORANGE)),
    TREE("tree", 0.65, List.of(Palette.GREEN, Palette.ORANGE, Palette.YELLOW)),
    PERSON("person", 0.55, List.of(Palette.RED, Palette.BLUE, Palette.GREEN, Palette.YELLOW, Palette.PURPLE,
            Palette.ORANGE)),
    CAR("car", 2.0, List.of(Palette.RED, Palette.BLUE, Palette.YELLOW, Palette.WHITE, Palette.BLACK, Palette.GREEN,
            Palette.ORANGE, Palette.PURPLE)),
    SIGN("sign", 0.75, List.of(Palette.RED, Palette.BLUE, Palette.GREEN, Palette.YELLOW, Palette.WHITE));

    final String noun;
    final double aspect;
    final List<Palette.Colour> colours;

    ObjectType(String noun, double aspect, List<Palette.Colour> colours) {
        this.noun = noun;
        this.aspect = aspect;
        this.colours = colours;
    }

    /** Without article: "red car", "person in red". */
    String named(Palette.Colour c) {
        return this == PERSON ? "person in " + c.name() : c.name() + " " + noun;
    }

    /** With the indefinite article: "a red car", "an orange ball", "a person in red". */
    String indefinite(Palette.Colour c) {
        return this == PERSON ? "a person in " + c.name() : c.article() + " " + c.name() + " " + noun;
    }
}
