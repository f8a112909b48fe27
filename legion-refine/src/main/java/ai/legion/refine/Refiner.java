package ai.legion.refine;

/**
 * The entry point of the controller role (paper section 4.2):
 *
 * <pre>{@code
 * Refiner.inpainting().artifacts(legion::analyze).inpainter(new Automatic1111Client(uri))
 *         .rounds(3).dilation(5, 5).output(dir).run(image);
 * Refiner.regeneration().artifacts(legion::analyze).generator(new Automatic1111Client(uri))
 *         .reviser(new RuleBasedReviser()).iterations(3).output(dir).run("a prompt");
 * }</pre>
 */
public final class Refiner {

    private Refiner() {}

    /** The inpainting loop (Eq. 6). */
    public static InpaintingRefiner inpainting() {
        return new InpaintingRefiner();
    }

    /** The regeneration loop (Eq. 5). */
    public static RegenerationRefiner regeneration() {
        return new RegenerationRefiner();
    }
}
