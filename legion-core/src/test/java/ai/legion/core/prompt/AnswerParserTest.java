package ai.legion.core.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerParserTest {

    /** Shaped like the slow tokenizer's decode: added tokens joined to their neighbours with spaces. */
    static final String DECODED = "<s> A chat ... USER: The <im_start> <im_end> provides an overview of the picture."
            + "\nPlease provide ... answer. ASSISTANT: Upon examining the image. I have found: A man with mismatched "
            + "pupils.\nTo elaborate, I have found the following artifacts. <p> man's eyes </p> [SEG] :The inner "
            + "pupil of a man's two eyes is not the same size. <p> Left  hand </p> [SEG] :It has six fingers.</s>";

    @Test
    void splitsSummaryPhrasesExplanationsAndMaskIndices() {
        AnswerParser.ParsedAnswer a = AnswerParser.parse(DECODED);
        assertEquals("A man with mismatched pupils.", a.summary());
        assertEquals(2, a.segCount());
        assertEquals(List.of(
                new AnswerParser.Artifact("man's eyes", "The inner pupil of a man's two eyes is not the same size.", 0),
                new AnswerParser.Artifact("Left hand", "It has six fingers.", 1)), a.artifacts());
        assertEquals(List.of("man's eyes", "Left hand"), a.phrases());
        // infer.py: tags and [SEG] removed, whitespace collapsed
        assertEquals("Upon examining the image. I have found: A man with mismatched pupils.To elaborate, I have found "
                + "the following artifacts. man's eyes :The inner pupil of a man's two eyes is not the same size. "
                + "Left hand :It has six fingers.", a.text());
    }

    @Test
    void phraseWithoutSegGetsNoMaskAndLaterPhrasesKeepTheirIndex() {
        AnswerParser.ParsedAnswer a = AnswerParser.parse("ASSISTANT: <p> a </p> :x <p> b </p> [SEG] :y</s>");
        assertEquals(-1, a.artifacts().get(0).maskIndex());
        assertEquals(0, a.artifacts().get(1).maskIndex());
        assertEquals(1, a.segCount());
        assertEquals("", a.summary());
    }

    @Test
    void emptyAndUngroundedAnswers() {
        AnswerParser.ParsedAnswer empty = AnswerParser.parse("ASSISTANT: </s>");
        assertEquals("", empty.text());
        assertEquals(0, empty.artifacts().size());
        AnswerParser.ParsedAnswer plain = AnswerParser.parse("'Nothing unusual here.'");
        assertEquals("Nothing unusual here.", plain.text());
        assertEquals(0, plain.segCount());
    }
}
