package ai.legion.data.augment;

/**
 * CNNSpot / UniFD training presets.
 *
 * <p>CNNSpot ({@code PeterWang512/CNNDetection}, {@code data/datasets.py}) trains with
 * {@code Resize(loadSize=256)} → {@code data_augment} (blur, then JPEG) → {@code RandomCrop(224)} →
 * {@code RandomHorizontalFlip()}. Its option defaults are {@code blur_prob 0}, {@code blur_sig 0.5},
 * {@code jpg_prob 0}, {@code jpg_method cv2}, {@code jpg_qual 75}; the released models use
 * {@code --blur_prob p --blur_sig 0.0,3.0 --jpg_prob p --jpg_method cv2,pil --jpg_qual 30,100} with
 * p = 0.1 ("Blur+JPEG (0.1)") or 0.5. UniFD ({@code WisconsinAIVision/UniversalFakeDetect}) has the
 * same code with defaults p = 0.5, σ ∈ [0, 3], quality 30..100.
 */
public final class Augmentations {

    private Augmentations() {}

    /** CNNSpot's "Blur+JPEG (0.1)" probability. */
    public static final double CNNSPOT_PROBABILITY = 0.1;
    /** UniFD's default blur/JPEG probability (CNNSpot's "Blur+JPEG (0.5)"). */
    public static final double UNIFD_PROBABILITY = 0.5;
    /** σ range of the blur augmentation, pixels. */
    public static final double BLUR_SIGMA_MIN = 0.0;
    /** σ range of the blur augmentation, pixels. */
    public static final double BLUR_SIGMA_MAX = 3.0;
    /** JPEG quality range (inclusive). */
    public static final int JPEG_QUALITY_MIN = 30;
    /** JPEG quality range (inclusive). */
    public static final int JPEG_QUALITY_MAX = 100;

    /**
     * CNNSpot's {@code data_augment}: blur with probability p (σ ~ U(0, 3)), then JPEG with probability p
     * (quality uniform in 30..100).
     */
    public static Compose blurJpeg(double probability) {
        return Compose.of(new BlurAugment(probability, BLUR_SIGMA_MIN, BLUR_SIGMA_MAX),
                new JpegAugment(probability, JPEG_QUALITY_MIN, JPEG_QUALITY_MAX));
    }

    /**
     * CNNSpot's training pipeline: shorter side to {@code loadSize} (bilinear), {@link #blurJpeg}, random
     * {@code cropSize} square crop, horizontal flip with probability 0.5 (CNNSpot: 256, 224).
     */
    public static Compose cnnSpotTraining(double probability, int loadSize, int cropSize) {
        return Compose.of(new ShortSideResize(loadSize), blurJpeg(probability), new RandomCrop(cropSize),
                new HorizontalFlip(0.5));
    }

    static void checkProbability(double p, String what) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(what + " probability must be in [0, 1], got " + p);
        }
    }
}
