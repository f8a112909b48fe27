package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.legion.core.prompt.AnswerParser;
import org.junit.jupiter.api.Test;

/** {@code --stream}'s text grows to exactly upstream's explanation and never shows markup, even half-written. */
class StreamTextTest {

    @Test
    void growsToTheCleanExplanationWithoutEverShowingMarkup() {
        String answer = "Sure, I have found: <p> a warped hand </p> [SEG] and <p>an extra finger</p>[SEG]. To "
                + "elaborate, <p> a warped hand </p> [SEG] : the fingers   bend backwards; it's 'odd'.";
        StreamText text = new StreamText();
        StringBuilder printed = new StringBuilder();
        for (int i = 1; i <= answer.length(); i++) { // one character per step: every cut of every tag
            String delta = text.update(answer.substring(0, i));
            printed.append(delta);
            for (String markup : new String[] {"<", ">", "[", "]"}) {
                assertFalse(printed.toString().contains(markup), "after " + i + " chars: " + printed);
            }
        }
        String clean = AnswerParser.parse(answer).text();
        // the trailing quote is stripped from the final text; the rest arrives while streaming
        assertEquals(clean, printed.toString());
        assertEquals("Sure, I have found: a warped hand and an extra finger. To elaborate, a warped hand : the "
                + "fingers bend backwards; it's 'odd'.", clean);
    }

    @Test
    void heldBackMarkupIsOnlyAnUnclosedTag() {
        assertEquals("a ", StreamText.settled("a <p"));
        assertEquals("a <p> b </p> ", StreamText.settled("a <p> b </p> [SE"));
        assertEquals("a <p> b </p> [SEG] c", StreamText.settled("a <p> b </p> [SEG] c"));
    }
}
