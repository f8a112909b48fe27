package ai.legion.data.perturb;

import ai.legion.core.image.RgbImage;
import java.util.Objects;

/**
 * The clean (unperturbed) setting: returns the input image itself (images are treated as read-only,
 * so no copy is made). Spec token {@code identity} (parse also accepts {@code none} and {@code clean}).
 */
public record Identity() implements ImagePerturbation {

    /** The single instance needed. */
    public static final Identity INSTANCE = new Identity();

    @Override
    public RgbImage apply(RgbImage image, long seed) {
        return Objects.requireNonNull(image, "image");
    }

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public String toString() {
        return name();
    }
}
