package ai.legion.data.augment;

import ai.legion.core.image.RgbImage;
import ai.legion.core.report.BinaryMask;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * torchvision's {@code CenterCrop((height, width))} (≥ 0.9): an image smaller than the crop is first
 * zero-padded ({@code (cw − w) // 2} left, {@code (cw − w + 1) // 2} right, likewise vertically; masks
 * padded with unset pixels), then the window starts at
 * {@code top = int(round((H − h) / 2))}, {@code left = int(round((W − w) / 2))} with Python's
 * round-half-to-even. (The CLIP/HF processors use {@code (H − h) // 2} instead; this class is the
 * torchvision one used by CNNSpot/UniFD evaluation.) Draws nothing from the generator.
 *
 * @param width crop width (≥ 1)
 * @param height crop height (≥ 1)
 */
public record CenterCrop(int width, int height) implements Augmentation {

    /**
     * @throws IllegalArgumentException if a size is below 1
     */
    public CenterCrop {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("crop size must be positive, got " + width + "x" + height);
        }
    }

    /** A square crop. */
    public CenterCrop(int size) {
        this(size, size);
    }

    @Override
    public Sample apply(Sample sample, RandomGenerator rng) {
        Objects.requireNonNull(sample, "sample");
        Sample s = sample;
        int w = s.image().width();
        int h = s.image().height();
        if (width > w || height > h) {
            int left = width > w ? (width - w) / 2 : 0;
            int top = height > h ? (height - h) / 2 : 0;
            int right = width > w ? (width - w + 1) / 2 : 0;
            int bottom = height > h ? (height - h + 1) / 2 : 0;
            RgbImage img = Geometry.pad(s.image(), left, top, right, bottom);
            List<BinaryMask> masks = new ArrayList<>(s.masks().size());
            for (BinaryMask m : s.masks()) {
                masks.add(Geometry.pad(m, left, top, right, bottom));
            }
            s = new Sample(img, masks);
            w = img.width();
            h = img.height();
        }
        int top = (int) Math.rint((h - height) / 2.0);
        int left = (int) Math.rint((w - width) / 2.0);
        return Geometry.crop(s, left, top, width, height);
    }

    @Override
    public String name() {
        return "center-crop(" + width + "x" + height + ")";
    }
}
