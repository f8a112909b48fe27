package ai.legion.data.augment;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import java.util.List;
import java.util.Objects;

/**
 * An image with its masks (e.g. one ground-truth mask per artifact reference), all of the image's size.
 *
 * @param image the image (treated as read-only)
 * @param masks the masks, in order (possibly none); copied into an unmodifiable list
 */
public record Sample(RgbImage image, List<BinaryMask> masks) {

    /**
     * @throws IllegalArgumentException naming the first mask whose size differs from the image's
     */
    public Sample {
        Objects.requireNonNull(image, "image");
        masks = List.copyOf(Objects.requireNonNull(masks, "masks"));
        for (int i = 0; i < masks.size(); i++) {
            BinaryMask m = masks.get(i);
            if (m.width() != image.width() || m.height() != image.height()) {
                throw new IllegalArgumentException("mask " + i + " is " + m.width() + "x" + m.height()
                        + " but the image is " + image.width() + "x" + image.height() + " (width x height)");
            }
        }
    }

    /** An image without masks. */
    public static Sample of(RgbImage image) {
        return new Sample(image, List.of());
    }

    /** The same masks with another image of the same size (for photometric operations). */
    Sample withImage(RgbImage newImage) {
        return new Sample(newImage, masks);
    }
}
