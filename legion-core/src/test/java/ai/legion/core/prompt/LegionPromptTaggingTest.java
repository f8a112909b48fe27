package ai.legion.core.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.legion.core.config.AddedTokens;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Captions whose refs repeat, nest or overlap, tagged as LEGION's GCG dataset code tags them
 * (expected texts and mask orders in {@code prompt-tagging/cases.json}, produced by that code).
 */
class LegionPromptTaggingTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static LegionTokenizer fromModel;
    static LegionTokenizer fromJson;

    @BeforeAll
    static void load() throws Exception {
        Path prompt = Fixtures.path("prompt");
        fromModel = LegionTokenizer.load(prompt);
        fromJson = LegionTokenizer.create(Fixtures.resource("tokenizers/llama2/tokenizer.json"),
                AddedTokens.read(prompt.resolve("added_tokens.json")), prompt.resolve("special_tokens_map.json"));
    }

    @AfterAll
    static void close() {
        fromModel.close();
        fromJson.close();
    }

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : JSON.readTree(Fixtures.resource("prompt-tagging/cases.json").toFile()).get("cases")) {
            out.add(Arguments.of(c.get("name").asText(), c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tagsSpansAndMaskOrderEqualUpstream(String name, JsonNode c) {
        List<String> phrases = new ArrayList<>();
        c.get("phrases").forEach(p -> phrases.add(p.asText()));
        LegionPrompt.TaggedCaption tagged = LegionPrompt.tagCaption(c.get("caption").asText(), phrases);
        assertEquals(c.get("tagged").asText(), tagged.text());
        assertEquals(c.get("conversation").asText(), LegionPrompt.trainingConversation(tagged.text()));
        JsonNode spans = c.get("tokens_positive");
        assertEquals(spans.size(), tagged.spans().size(), "spans");
        for (int k = 0; k < spans.size(); k++) {
            assertArrayEquals(new int[] {spans.get(k).get(0).asInt(), spans.get(k).get(1).asInt()},
                    tagged.spans().get(k), "span " + k);
        }
        List<Integer> order = new ArrayList<>();
        c.get("mask_order").forEach(i -> order.add(i.asInt()));
        assertEquals(order, tagged.refOrder(), "mask order");
    }

    /**
     * Both tokenizers give the same ids, one [SEG] per kept ref, a {@code <p>}/{@code </p>} id for every
     * complete tag left in the text (broken ones such as {@code "<p </p>"} stay words), and every [SEG]
     * is supervised.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tokenizedConversationKeepsEverySeg(String name, JsonNode c) {
        String conversation = c.get("conversation").asText();
        int maxTokens = LegionPrompt.maxTextTokens(576);
        LegionPrompt.Tokenized a = LegionPrompt.tokenizeTraining(fromModel, conversation, maxTokens);
        LegionPrompt.Tokenized b = LegionPrompt.tokenizeTraining(fromJson, conversation, maxTokens);
        assertArrayEquals(a.inputIds(), b.inputIds(), "tokenizer.model vs tokenizer.json");
        assertArrayEquals(a.labels(), b.labels(), "labels");
        long seg = fromModel.tokenId("[SEG]");
        int[] segs = a.positionsOf(seg);
        assertEquals(c.get("seg_count").asInt(), segs.length, "[SEG] tokens");
        for (int p : segs) {
            assertEquals(seg, a.labels()[p], "label at [SEG] " + p);
        }
        String answer = c.get("tagged").asText();
        assertEquals(occurrences(answer, "<p>"), a.positionsOf(fromModel.tokenId("<p>")).length, "<p> tokens");
        assertEquals(occurrences(answer, "</p>"), a.positionsOf(fromModel.tokenId("</p>")).length, "</p> tokens");
    }

    private static int occurrences(String text, String tag) {
        int n = 0;
        for (int i = text.indexOf(tag); i >= 0; i = text.indexOf(tag, i + tag.length())) {
            n++;
        }
        return n;
    }
}
