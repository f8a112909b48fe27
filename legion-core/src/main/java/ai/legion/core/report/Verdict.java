package ai.legion.core.report;

import java.util.Locale;
import java.util.Objects;

/**
 * The real/fake decision of LEGION's detection head (stage 2 checkpoints only).
 *
 * <p>LEGION's convention ({@code scripts/cls/train.py::LegionClsDataset.__getitem__} labels real 1, else 0;
 * {@code scripts/cls/eval.py::validate} takes the argmax): the head has two logits, class index 0 = fake and 1 =
 * real, and the label is their argmax ({@code torch.argmax}: a tie goes to the first index, fake). Probabilities are
 * the softmax of the two logits, so {@code pFake = softmax(logits)[0]} as in upstream's detection metrics.
 *
 * @param label the predicted label
 * @param probability the probability of {@code label} ({@code pReal} or {@code pFake})
 * @param pReal softmax probability of class 1 (real)
 * @param pFake softmax probability of class 0 (fake)
 * @param fakeLogit logit of class 0
 * @param realLogit logit of class 1
 */
public record Verdict(Label label, double probability, double pReal, double pFake, float fakeLogit, float realLogit) {

    /** Tolerance for the probability consistency checks of the constructor. */
    private static final double EPS = 1e-9;

    /** The two classes of the detection head. */
    public enum Label {
        /** Class index 0: synthetic / AI-generated. */
        FAKE(0),
        /** Class index 1: a real photograph. */
        REAL(1);

        private final int classIndex;

        Label(int classIndex) {
            this.classIndex = classIndex;
        }

        /** The head's output index for this label. */
        public int classIndex() {
            return classIndex;
        }

        /** The label of a class index. */
        public static Label ofClassIndex(int index) {
            return switch (index) {
                case 0 -> FAKE;
                case 1 -> REAL;
                default -> throw new IllegalArgumentException("class index must be 0 (fake) or 1 (real), got " + index);
            };
        }
    }

    /** Validates that the numbers are finite, consistent with each other and with the label. */
    public Verdict {
        Objects.requireNonNull(label, "label");
        if (!Float.isFinite(fakeLogit) || !Float.isFinite(realLogit)) {
            throw new IllegalArgumentException("verdict logits must be finite, got [" + fakeLogit + ", " + realLogit + "]");
        }
        for (double p : new double[] {probability, pReal, pFake}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("verdict probabilities must lie in [0, 1], got probability="
                        + probability + " pReal=" + pReal + " pFake=" + pFake);
            }
        }
        if (Math.abs(pReal + pFake - 1) > 1e-6) {
            throw new IllegalArgumentException("pReal + pFake must be 1, got " + pReal + " + " + pFake);
        }
        double expected = label == Label.REAL ? pReal : pFake;
        if (Math.abs(probability - expected) > EPS) {
            throw new IllegalArgumentException("probability " + probability + " is not the " + label
                    + " probability " + expected);
        }
        Label argmax = realLogit > fakeLogit ? Label.REAL : Label.FAKE;
        if (argmax != label) {
            throw new IllegalArgumentException("label " + label + " is not the argmax of logits [fake=" + fakeLogit
                    + ", real=" + realLogit + "]");
        }
    }

    /**
     * The verdict of the two detection-head logits {@code [fake, real]} (class index order).
     *
     * @throws IllegalArgumentException unless there are exactly two finite logits
     */
    public static Verdict fromLogits(float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length != 2) {
            throw new IllegalArgumentException("the detection head has 2 logits [fake, real], got " + logits.length);
        }
        return fromLogits(logits[0], logits[1]);
    }

    /** The verdict of the logits of class 0 (fake) and class 1 (real). */
    public static Verdict fromLogits(float fakeLogit, float realLogit) {
        if (!Float.isFinite(fakeLogit) || !Float.isFinite(realLogit)) {
            throw new IllegalArgumentException("verdict logits must be finite, got [" + fakeLogit + ", " + realLogit + "]");
        }
        // softmax in double, shifted by the max so large logits cannot overflow
        double max = Math.max(fakeLogit, realLogit);
        double ef = Math.exp(fakeLogit - max);
        double er = Math.exp(realLogit - max);
        double pFake = ef / (ef + er);
        double pReal = er / (ef + er);
        Label label = realLogit > fakeLogit ? Label.REAL : Label.FAKE;
        return new Verdict(label, label == Label.REAL ? pReal : pFake, pReal, pFake, fakeLogit, realLogit);
    }

    /** The logits in class-index order {@code [fake, real]} (a fresh array). */
    public float[] logits() {
        return new float[] {fakeLogit, realLogit};
    }

    /** Whether the image is judged synthetic. */
    public boolean isFake() {
        return label == Label.FAKE;
    }

    /** A short human-readable form, e.g. {@code FAKE (p = 0.973)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (p = %.3f)", label, probability);
    }

    /** {@link #describe()}: what a person reads in a notebook or log; the logits are in the accessors. */
    @Override
    public String toString() {
        return describe();
    }
}
