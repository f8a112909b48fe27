package ai.legion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HardNegativesTest {

    private static final HardNegatives OBJECTS = new HardNegatives(List.of(List.of("car", "tree", "box"),
            List.of("red", "blue")));

    @Test
    void swapsOneWholeWordForAnotherOfItsGroup() {
        String caption = "A red car and a box near the carport.";
        List<String> c = OBJECTS.candidates(caption, new SplittableRandom(7));
        assertEquals(3, c.size(), "red, car and box occur as whole words; carport is not car: " + c);
        Set<String> seen = new HashSet<>();
        for (String neg : c) {
            String[] a = caption.split(" ");
            String[] b = neg.split(" ");
            assertEquals(a.length, b.length, neg);
            int diff = 0;
            for (int i = 0; i < a.length; i++) {
                if (!a[i].equals(b[i])) {
                    diff++;
                    assertTrue(sameGroup(a[i], b[i]), a[i] + " -> " + b[i]);
                }
            }
            assertEquals(1, diff, neg);
            assertTrue(neg.endsWith("the carport."), neg);
            seen.add(neg);
        }
        assertEquals(3, seen.size(), "each candidate swaps a different occurrence");
    }

    @Test
    void theSameGeneratorGivesTheSameNegatives() {
        String caption = "A tree, a blue box and a red car.";
        assertEquals(OBJECTS.candidates(caption, new SplittableRandom(42)),
                OBJECTS.candidates(caption, new SplittableRandom(42)));
        Set<String> firsts = new HashSet<>();
        for (int s = 0; s < 40; s++) {
            firsts.add(OBJECTS.candidates(caption, new SplittableRandom(s)).get(0));
        }
        assertTrue(firsts.size() > 4, "different generators pick different swaps: " + firsts);
        assertEquals(List.of(), OBJECTS.candidates("A beach at noon.", new SplittableRandom(1)));
    }

    @Test
    void badGroupsAreRejectedNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HardNegatives(List.of(List.of("car"))))
                .getMessage().contains("[car]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HardNegatives(List.of(List.of("car",
                "tree"), List.of("tree", "box")))).getMessage().contains("\"tree\" is in two groups"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HardNegatives(List.of(List.of("car",
                " tree")))).getMessage().contains("surrounding spaces"));
        assertThrows(IllegalArgumentException.class, () -> new HardNegatives(List.of()));
    }

    private static boolean sameGroup(String a, String b) {
        for (List<String> g : OBJECTS.groups()) {
            if (g.contains(a.replace(",", "")) && g.contains(b.replace(",", ""))) {
                return true;
            }
        }
        return false;
    }
}
