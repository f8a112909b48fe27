package ai.legion.data.sim;

import java.util.List;

/** Named colours: the words the captions use for objects, blotches and reflections. */
final class Palette {

    /** A colour and its caption word. */
    record Colour(String name, int rgb) {
        /** "a" or "an", for "a red car" / "an orange ball". */
        String article() {
            return "aeiou".indexOf(name.charAt(0)) >= 0 ? "an" : "a";
        }
    }

    static final Colour RED = new Colour("red", Canvas.rgb(200, 35, 35));
    static final Colour GREEN = new Colour("green", Canvas.rgb(45, 150, 55));
    static final Colour BLUE = new Colour("blue", Canvas.rgb(40, 75, 200));
    static final Colour YELLOW = new Colour("yellow", Canvas.rgb(235, 200, 35));
    static final Colour ORANGE = new Colour("orange", Canvas.rgb(240, 125, 25));
    static final Colour PURPLE = new Colour("purple", Canvas.rgb(125, 55, 165));
    static final Colour WHITE = new Colour("white", Canvas.rgb(238, 238, 238));
    static final Colour BLACK = new Colour("black", Canvas.rgb(30, 30, 34));
    static final Colour BROWN = new Colour("brown", Canvas.rgb(125, 80, 40));
    static final Colour PINK = new Colour("pink", Canvas.rgb(240, 135, 180));
    static final Colour GREY = new Colour("grey", Canvas.rgb(120, 120, 125));

    /** Unnatural colours for distortion blotches, far from every object colour. */
    static final List<Colour> BLOTCH = List.of(
            new Colour("magenta", Canvas.rgb(235, 30, 215)),
            new Colour("cyan", Canvas.rgb(25, 230, 235)),
            new Colour("lime", Canvas.rgb(170, 250, 30)));

    /** Colours a wrong reflection may take. */
    static final List<Colour> REFLECTION = List.of(RED, GREEN, BLUE, YELLOW, PURPLE, WHITE);

    static final int[] SKIN = {Canvas.rgb(236, 200, 165), Canvas.rgb(200, 150, 110), Canvas.rgb(140, 95, 65)};
    static final int TRUNK = Canvas.rgb(110, 70, 35);
    static final int WHEEL = Canvas.rgb(28, 28, 30);
    static final int HUB = Canvas.rgb(170, 170, 175);
    static final int GLASS = Canvas.rgb(165, 210, 240);
    static final int FRAME = Canvas.rgb(60, 45, 35);
    static final int DOOR = Canvas.rgb(110, 65, 30);
    static final int ROOF = Canvas.rgb(150, 45, 35);
    static final int PANTS = Canvas.rgb(35, 45, 80);
    static final int POST = Canvas.rgb(105, 105, 110);
    static final int HEADLIGHT = Canvas.rgb(250, 235, 140);

    private Palette() {
    }
}
