package ai.legion.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The offline reviser: constraints from artifacts, priorities and the word budget. */
class RuleBasedReviserTest {

    static Artifact artifact(int i, String phrase, String explanation) {
        return new Artifact(i, phrase, explanation, BinaryMask.full(2, 2), 0.8f);
    }

    static MemoryBank bank(String prompt, List<List<Artifact>> rounds) {
        MemoryBank m = MemoryBank.start(prompt);
        for (int t = 0; t < rounds.size(); t++) {
            ArtifactReport r = ArtifactReport.builder("i", 2, 2).artifacts(rounds.get(t)).build();
            m = m.with(new MemoryBank.Entry(t, prompt, r));
        }
        return m;
    }

    static int words(String s) {
        return s.strip().split("\\s+").length;
    }

    @Test
    void phrasesMapToConstraintsAndUnknownPhrasesToAGenericOne() {
        assertEquals(List.of("anatomically correct hands with five fingers"),
                RuleBasedReviser.constraints(artifact(0, "the left hand", "It has six fingers.")));
        assertEquals(List.of("consistent lighting and shadows", "physically accurate reflections"),
                RuleBasedReviser.constraints(artifact(0, "shadow and reflection", "")));
        assertEquals(List.of("clean legible text"),
                RuleBasedReviser.constraints(artifact(0, "the sign", "letters are garbled")));
        assertEquals(List.of("physically plausible scene"),
                RuleBasedReviser.constraints(artifact(0, "cup", "The cup defies gravity.")), "explanation used when the phrase has no rule");
        assertEquals(List.of("realistic well-formed teapot spout"),
                RuleBasedReviser.constraints(artifact(0, "The teapot spout!", "odd")));
        assertEquals(List.of(), RuleBasedReviser.constraints(artifact(0, "", "")));
    }

    @Test
    void addsConstraintsAfterTheSceneAndKeepsTheUsersModifiers() {
        MemoryBank m = bank("a man waving, golden hour", List.of(List.of(artifact(0, "hand", "six fingers"))));
        String revised = new RuleBasedReviser().revise("a man waving, golden hour", m);
        assertEquals("a man waving, golden hour, anatomically correct hands with five fingers", revised);
        // a second revision with the same finding adds nothing new
        assertEquals(revised, new RuleBasedReviser().revise(revised, m));
    }

    @Test
    void withoutArtifactsThePromptComesBackUnchanged() {
        MemoryBank m = bank("a quiet lake, fog", List.of(List.of()));
        assertEquals("a quiet lake, fog", new RuleBasedReviser().revise("a quiet lake, fog", m));
    }

    @Test
    void theBudgetFavoursSceneThenLatestFindingsThenOwnModifiersThenOlderFindings() {
        String prompt = "a busy street market at dusk, cinematic, ultra detailed, bokeh";
        MemoryBank m = bank(prompt, List.of(List.of(artifact(0, "sign", "")), List.of(artifact(0, "hand", ""))));
        String tight = new RuleBasedReviser(15).revise(prompt, m);
        // scene (6) + latest "anatomically correct hands with five fingers" (6) + cinematic (1) + ultra detailed (2) = 15;
        // bokeh (16) and the older "clean legible text" no longer fit
        assertEquals("a busy street market at dusk, cinematic, ultra detailed, anatomically correct hands with five fingers",
                tight);
        String roomy = new RuleBasedReviser().revise(prompt, m);
        assertTrue(roomy.endsWith("anatomically correct hands with five fingers, clean legible text"), roomy);
        assertTrue(words(roomy) <= RuleBasedReviser.DEFAULT_MAX_WORDS);
        String longScene = String.join(" ", java.util.Collections.nCopies(60, "word"));
        assertEquals(49, words(new RuleBasedReviser().revise(longScene, m)));
    }

    @Test
    void manyArtifactsStayUnderUpstreamsFiftyWords() {
        List<Artifact> many = List.of(artifact(0, "hand", ""), artifact(1, "face", ""), artifact(2, "text", ""),
                artifact(3, "shadow", ""), artifact(4, "reflection", ""), artifact(5, "building", ""),
                artifact(6, "texture", ""), artifact(7, "dog", ""), artifact(8, "car wheel", ""), artifact(9, "vase", ""));
        String p = "a family picnic in a park, sunny";
        String revised = new RuleBasedReviser().revise(p, bank(p, List.of(many)));
        assertTrue(words(revised) < 50, revised);
        assertTrue(revised.startsWith("a family picnic in a park, sunny, anatomically correct hands"), revised);
    }
}
