package ai.legion.data.sample;

import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.data.ArtifactRecord;
import java.util.Objects;
import java.util.function.BiFunction;

/** Builds stage-2 (detection) samples: CLIP preprocessing and the class index. Thread-safe. */
public final class Stage2SampleBuilder {

    private final ClipImageProcessor clip;
    private final ImageLoader loader;
    private final ClassIndex classes;
    private final BiFunction<RgbImage, Long, RgbImage> augment;

    /**
     * @param augment photometric/geometric augmentation applied before preprocessing (seeded), or null
     */
    public Stage2SampleBuilder(ClipImageProcessor clip, ImageLoader loader, ClassIndex classes,
            BiFunction<RgbImage, Long, RgbImage> augment) {
        this.clip = Objects.requireNonNull(clip);
        this.loader = Objects.requireNonNull(loader);
        this.classes = Objects.requireNonNull(classes);
        this.augment = augment;
    }

    /**
     * The sample of a record.
     *
     * @throws SkippedRecordException if the image cannot be read or the record has no label
     */
    public Stage2Sample build(ArtifactRecord record, long seed) throws SkippedRecordException {
        RgbImage image;
        try {
            image = loader.load(record.image());
        } catch (ImageException e) {
            throw new SkippedRecordException(record.id() + ": " + e.getMessage(), e);
        }
        int label;
        try {
            label = classes.of(record.authenticity());
        } catch (IllegalArgumentException e) {
            throw new SkippedRecordException(record.id() + ": " + e.getMessage(), e);
        }
        if (augment != null) {
            image = augment.apply(image, seed);
        }
        ClipImageProcessor.Result c = clip.process(image);
        return new Stage2Sample(record.id(), c.pixelValues(), c.height(), label);
    }

    /** The label convention. */
    public ClassIndex classes() {
        return classes;
    }
}
