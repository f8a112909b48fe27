package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VerdictTest {

    @Test
    void classZeroIsFake() {
        Verdict v = Verdict.fromLogits(new float[] {2f, -1f});
        assertEquals(Verdict.Label.FAKE, v.label());
        assertTrue(v.isFake());
        double pFake = 1 / (1 + Math.exp(-3.0)); // softmax of [2, -1] at index 0
        assertEquals(pFake, v.pFake(), 1e-15);
        assertEquals(1 - pFake, v.pReal(), 1e-15);
        assertEquals(v.pFake(), v.probability(), 0.0);
        assertArrayEquals(new float[] {2f, -1f}, v.logits());
        assertEquals("FAKE (p = 0.953)", v.describe());
    }

    @Test
    void classOneIsReal() {
        Verdict v = Verdict.fromLogits(-0.5f, 1.5f);
        assertEquals(Verdict.Label.REAL, v.label());
        assertFalse(v.isFake());
        assertEquals(1 / (1 + Math.exp(-2.0)), v.pReal(), 1e-15);
        assertEquals(v.pReal(), v.probability(), 0.0);
        assertEquals(1, v.label().classIndex());
        assertEquals(Verdict.Label.FAKE, Verdict.Label.ofClassIndex(0));
    }

    @Test
    void tieGoesToTheFirstIndexLikeArgmax() {
        Verdict v = Verdict.fromLogits(new float[] {0.25f, 0.25f});
        assertEquals(Verdict.Label.FAKE, v.label());
        assertEquals(0.5, v.probability(), 0.0);
    }

    @Test
    void extremeLogitsStayFinite() {
        Verdict v = Verdict.fromLogits(1000f, -1000f);
        assertEquals(1.0, v.pFake(), 0.0);
        assertEquals(0.0, v.pReal(), 0.0);
        Verdict r = Verdict.fromLogits(-3e38f, 3e38f);
        assertEquals(Verdict.Label.REAL, r.label());
        assertEquals(1.0, r.probability(), 0.0);
    }

    @Test
    void invalidInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Verdict.fromLogits(new float[] {1f}));
        assertThrows(IllegalArgumentException.class, () -> Verdict.fromLogits(new float[] {1f, 2f, 3f}));
        assertThrows(IllegalArgumentException.class, () -> Verdict.fromLogits(Float.NaN, 0f));
        assertThrows(IllegalArgumentException.class, () -> Verdict.fromLogits(0f, Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Verdict.Label.ofClassIndex(2));
        // label that is not the argmax, probabilities that do not add up, probability of the other label
        assertThrows(IllegalArgumentException.class,
                () -> new Verdict(Verdict.Label.REAL, 0.3, 0.3, 0.7, 1f, 0f));
        assertThrows(IllegalArgumentException.class,
                () -> new Verdict(Verdict.Label.FAKE, 0.7, 0.4, 0.7, 1f, 0f));
        assertThrows(IllegalArgumentException.class,
                () -> new Verdict(Verdict.Label.FAKE, 0.3, 0.3, 0.7, 1f, 0f));
        Verdict ok = new Verdict(Verdict.Label.FAKE, 0.7, 0.3, 0.7, 1f, 0f);
        assertEquals(0.7, ok.pFake(), 0.0);
    }
}
