package ai.legion.data.perturb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.image.RgbImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PerturbationsTest {

    @ParameterizedTest
    @ValueSource(strings = {"jpeg:50", "noise:0.1", "blur:5", "identity", "blur:5+jpeg:50", "noise:0.3:12.5",
        "noise:1.0E-4", "noise:2", "jpeg:20+noise:0.2+blur:15"})
    void roundTripsThroughName(String spec) {
        ImagePerturbation p = Perturbations.parse(spec);
        assertEquals(spec, p.name());
        assertEquals(p, Perturbations.parse(p.name()));
    }

    @Test
    void parsesComponentsAndNormalizes() {
        assertEquals(new JpegCompression(50), Perturbations.parse("jpeg:50"));
        assertEquals(new GaussianNoise(0.1, 0), Perturbations.parse("noise:0.1"));
        assertEquals(new GaussianNoise(0.2, -3), Perturbations.parse("noise:0.2:-3"));
        assertEquals(new GaussianBlur(9), Perturbations.parse(" BLUR : 9 "));
        assertSame(Identity.INSTANCE, Perturbations.parse("none"));
        assertSame(Identity.INSTANCE, Perturbations.parse("clean+identity"));
        assertEquals(new GaussianBlur(5), Perturbations.parse("identity+blur:5"));
        assertEquals(new Chain(List.of(new GaussianBlur(5), new JpegCompression(50))),
                Perturbations.parse("blur:5 + jpeg:50"));
        assertEquals("noise:0.1", new GaussianNoise(0.1, -0.0).name());
        assertEquals(new GaussianNoise(0.1, -0.0), Perturbations.parse("noise:0.1"));
    }

    @Test
    void andThenFlattens() {
        ImagePerturbation p = new GaussianBlur(5).andThen(new JpegCompression(50)).andThen(Identity.INSTANCE)
                .andThen(new GaussianNoise(0.1).andThen(new GaussianBlur(3)));
        assertEquals("blur:5+jpeg:50+noise:0.1+blur:3", p.name());
        assertEquals(4, ((Chain) p).steps().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jpeg:abc", "jpeg:0", "jpeg", "jpeg:50:1", "blur:4", "blur:-1", "noise:-0.1", "noise:x",
        "noise:0.1:NaN", "noise:Infinity", "noise:1d", "sharpen:3", "identity:1"})
    void errorsNameTheBadToken(String token) {
        String spec = "blur:5+" + token;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Perturbations.parse(spec));
        assertTrue(e.getMessage().contains("'" + token + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(spec), e.getMessage());
    }

    @Test
    void emptyStepsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> Perturbations.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Perturbations.parse("  "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Perturbations.parse("blur:5++jpeg:50"));
        assertTrue(e.getMessage().contains("empty step"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Perturbations.parse("jpeg:50+"));
    }

    @Test
    void robustnessSuiteIsThePaperGrid() {
        List<String> names = Perturbations.ROBUSTNESS_SUITE.stream().map(ImagePerturbation::name).toList();
        assertEquals(List.of("jpeg:50", "jpeg:35", "jpeg:20", "noise:0.1", "noise:0.2", "noise:0.3", "blur:5",
                "blur:9", "blur:15"), names);
        assertThrows(UnsupportedOperationException.class, () -> Perturbations.ROBUSTNESS_SUITE.add(Identity.INSTANCE));
    }

    @Test
    void seeds() {
        long a = Perturbations.seedFor(1L, "img_001.png");
        assertEquals(a, Perturbations.seedFor(1L, "img_001.png"));
        assertNotEquals(a, Perturbations.seedFor(2L, "img_001.png"));
        assertNotEquals(a, Perturbations.seedFor(1L, "img_002.png"));
        assertEquals(5L, Perturbations.stepSeed(5L, 0));
        assertNotEquals(Perturbations.stepSeed(5L, 1), Perturbations.stepSeed(5L, 2));
        assertThrows(IllegalArgumentException.class, () -> Perturbations.stepSeed(5L, -1));
    }

    @Test
    void chainAppliesInOrderWithStepSeeds() {
        byte[] rgb = new byte[20 * 10 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 7);
        }
        RgbImage img = new RgbImage(20, 10, rgb);
        ImagePerturbation chain = Perturbations.parse("noise:0.1+blur:3");
        RgbImage expected = new GaussianBlur(3).apply(new GaussianNoise(0.1).apply(img, 77L), 0L);
        assertEquals(expected, chain.apply(img, 77L));
        // two noise steps draw different noise
        RgbImage twice = Perturbations.parse("noise:0.1+noise:0.1").apply(img, 77L);
        RgbImage same = new GaussianNoise(0.1).apply(new GaussianNoise(0.1).apply(img, 77L), 77L);
        assertFalse(twice.equals(same));
        assertEquals(twice, Perturbations.parse("noise:0.1+noise:0.1").apply(img, 77L));
    }
}
