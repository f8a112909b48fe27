package ai.legion.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossScalerTest {

    @Test
    void overflowSkipsTheStepAndHalvesTheScaleGoodStepsDoubleIt() {
        LossScaler s = LossScaler.dynamic(8, 2, 3);
        assertTrue(s.update(false));
        assertTrue(s.update(false));
        assertEquals(8, s.scale());
        assertTrue(s.update(false));
        assertEquals(16, s.scale(), "doubled after 3 good steps");
        assertFalse(s.update(true), "an overflowing step is skipped");
        assertEquals(8, s.scale());
        assertEquals(0, s.goodSteps(), "the window restarts");
        assertFalse(s.update(true));
        assertEquals(4, s.scale());
        assertFalse(s.update(true));
        assertEquals(2, s.scale());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.update(true));
        assertTrue(e.getMessage().contains("loss scale 2.0"), e.getMessage());
    }

    @Test
    void withoutScalingAnOverflowIsDivergence() {
        LossScaler s = LossScaler.none();
        for (int i = 0; i < 5000; i++) {
            assertTrue(s.update(false));
        }
        assertEquals(1, s.scale(), "never grows");
        assertThrows(IllegalStateException.class, () -> s.update(true));
    }

    @Test
    void defaultsAreDeepSpeeds() {
        LossScaler s = LossScaler.dynamic();
        assertEquals(65536, s.scale());
        assertTrue(s.isDynamic());
        assertThrows(IllegalArgumentException.class, () -> LossScaler.dynamic(0.5, 1, 10));
    }
}
