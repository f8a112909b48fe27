package ai.legion.data.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SimConfigTest {

    @Test
    void documentedDefaults() {
        SimConfig c = SimConfig.defaults();
        assertEquals(0, c.seed());
        assertEquals(1000, c.trainCount());
        assertEquals(200, c.testCount());
        assertEquals(500, c.detectTrainCount());
        assertEquals(200, c.detectTestCount());
        assertEquals(128, c.imageSize());
        assertEquals(1, c.minObjects());
        assertEquals(4, c.maxObjects());
        assertEquals(1, c.minArtifacts());
        assertEquals(3, c.maxArtifacts());
        assertEquals(1.0, c.artifactContrast());
        assertEquals(2.0, c.noiseLevel());
        assertEquals(0.035, c.artifactAreaMin());
        assertEquals(0.10, c.artifactAreaMax());
        assertEquals(6.0, c.fingerprintStrength());
        assertEquals(8, c.fingerprintPeriod());
        assertEquals(3, c.templateVariants());
        assertTrue(c.threads() >= 1);
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void rejectsBadValuesNamingEveryField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimConfig.builder().trainCount(-1).imageSize(8).objects(3, 2).fingerprintStrength(-1).build());
        assertTrue(e.getMessage().contains("trainCount"), e.getMessage());
        assertTrue(e.getMessage().contains("imageSize"), e.getMessage());
        assertTrue(e.getMessage().contains("minObjects"), e.getMessage());
        assertTrue(e.getMessage().contains("fingerprintStrength"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().objects(1, 5).build());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().artifacts(0, 2).build());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().artifactArea(0.2, 0.1).build());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().categoryWeights(0, 0, 0).build());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().artifactContrast(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().templateVariants(4).build());
        assertThrows(IllegalArgumentException.class, () -> SimConfig.builder().threads(0).build());
    }
}
