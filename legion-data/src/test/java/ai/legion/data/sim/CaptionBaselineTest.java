package ai.legion.data.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionBaselineTest {

    @Test
    void tokenizesLikeRougeScore() {
        assertEquals(List.of("the", "car", "s", "wheels", "3d"), CaptionBaseline.tokens("The car's  WHEELS:3D."));
        assertEquals(List.of(), CaptionBaseline.tokens(" ,.; "));
    }

    @Test
    void f1OfTheLongestCommonSubsequence() {
        List<String> p = CaptionBaseline.tokens("the cat sat on the mat");
        List<String> r = CaptionBaseline.tokens("the cat is on the mat");
        assertEquals(5.0 / 6, CaptionBaseline.f1(p, r), 1e-12); // LCS "the cat on the mat"
        assertEquals(1.0, CaptionBaseline.f1(r, r), 1e-12);
        assertEquals(0.0, CaptionBaseline.f1(CaptionBaseline.tokens("a b"), CaptionBaseline.tokens("c d")));
        assertEquals(0.0, CaptionBaseline.f1(List.of(), r));
        // precision 2/2, recall 2/4
        assertEquals(2 * 1.0 * 0.5 / 1.5,
                CaptionBaseline.f1(CaptionBaseline.tokens("a c"), CaptionBaseline.tokens("a b c d")), 1e-12);
    }

    @Test
    void medoidIsTheMostTypicalCaption() {
        List<String> caps = List.of("x y z", "a b c d", "a b c e", "a b c f");
        assertEquals("a b c d", CaptionBaseline.medoid(caps));
    }
}
