package ai.legion.data.sample;

import ai.legion.data.Authenticity;

/**
 * Which class index means real. LEGION's detection head (and its data code) uses {@code 1 = real,
 * 0 = fake}; UniversalFakeDetect/CNNSpot use {@code 1 = fake}.
 */
public enum ClassIndex {
    /** LEGION: real 1, fake 0. */
    LEGION(1),
    /** UniFD / CNNSpot: real 0, fake 1. */
    UNIFD(0);

    private final int real;

    ClassIndex(int real) {
        this.real = real;
    }

    /** The index of {@code a}; UNKNOWN cannot be a training label. */
    public int of(Authenticity a) {
        return switch (a) {
            case REAL -> real;
            case FAKE -> 1 - real;
            case UNKNOWN -> throw new IllegalArgumentException("a record without a real/fake label cannot be a "
                    + "detection sample");
        };
    }

    /** The index of real images. */
    public int realIndex() {
        return real;
    }
}
