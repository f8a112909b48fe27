package ai.legion.core.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.AddedTokens;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
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
 * The golden prompt fixture (ids and labels produced by LEGION's own code with the pinned slow
 * tokenizer), reproduced from the fixture's SentencePiece {@code tokenizer.model} (through our
 * conversion) and from the LLaMA-2 {@code tokenizer.json}.
 */
class LegionPromptFixtureTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static JsonNode expected;
    static JsonNode records;
    static LegionTokenizer fromModel;
    static LegionTokenizer fromJson;

    @BeforeAll
    static void load() throws Exception {
        Path prompt = Fixtures.path("prompt");
        expected = JSON.readTree(prompt.resolve("expected.json").toFile());
        fromModel = LegionTokenizer.load(prompt);
        fromJson = LegionTokenizer.create(Fixtures.resource("tokenizers/llama2/tokenizer.json"),
                AddedTokens.read(prompt.resolve("added_tokens.json")), prompt.resolve("special_tokens_map.json"));
        Path sample = Fixtures.resource("data/synthscars-format-sample.json");
        records = Files.exists(sample) ? JSON.readTree(sample.toFile()) : JSON.createArrayNode();
    }

    @AfterAll
    static void close() {
        fromModel.close();
        fromJson.close();
    }

    static Stream<Arguments> cases() throws Exception {
        JsonNode root = JSON.readTree(Fixtures.path("prompt/expected.json").toFile());
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (JsonNode c : root.get("cases")) {
            for (String tok : List.of("tokenizer.model", "tokenizer.json")) {
                out.add(Arguments.of(c.get("kind").asText() + "#" + i + " via " + tok, i, tok));
            }
            i++;
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reproducesUpstreamIdsAndLabels(String name, int index, String which) {
        JsonNode c = expected.get("cases").get(index);
        LegionTokenizer tok = which.equals("tokenizer.model") ? fromModel : fromJson;
        String text = c.get("text").asText();
        long[] ids = longs(c.get("input_ids"));
        if (c.get("kind").asText().equals("inference_prompt")) {
            assertEquals(LegionPrompt.inferencePrompt(expected.get("question").asText()), text);
            assertArrayEquals(ids, tok.encodeWithImage(text));
            return;
        }
        int maxTokens = LegionPrompt.maxTextTokens(576);
        LegionPrompt.Tokenized t = LegionPrompt.tokenizeTraining(tok, text, maxTokens);
        assertArrayEquals(ids, t.inputIds(), "input_ids");
        assertArrayEquals(longs(c.get("labels")), t.labels(), "labels");
        int[] seg = t.positionsOf(tok.tokenId("[SEG]"));
        assertArrayEquals(ints(c.get("seg_positions")), seg, "seg_positions");
        checkConversationFromRecord(c, text);
    }

    /** Where the fixture's annotation record is available, the conversation is rebuilt from it. */
    private static void checkConversationFromRecord(JsonNode c, String text) {
        String id = c.path("annotation_id").asText(null);
        JsonNode record = null;
        for (JsonNode r : records) {
            if (id != null && r.has(id)) {
                record = r.get(id);
            }
        }
        if (record == null) {
            return; // another fixture root whose records are not in the data sample: ids/labels were checked
        }
        List<String> phrases = new ArrayList<>();
        record.get("refs").forEach(ref -> phrases.add(ref.get("sentence").asText()));
        LegionPrompt.TaggedCaption tagged = LegionPrompt.tagCaption(record.get("caption").asText(), phrases);
        assertEquals(text, LegionPrompt.trainingConversation(tagged.text()));
        JsonNode spans = c.get("tokens_positive");
        assertEquals(spans.size(), tagged.spans().size());
        for (int k = 0; k < spans.size(); k++) {
            assertArrayEquals(ints(spans.get(k)), tagged.spans().get(k), "span " + k);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodingAndParsingRecoverThePhrases(String name, int index, String which) {
        JsonNode c = expected.get("cases").get(index);
        if (!c.get("kind").asText().equals("training_conversation")) {
            return;
        }
        LegionTokenizer tok = which.equals("tokenizer.model") ? fromModel : fromJson;
        long[] ids = longs(c.get("input_ids"));
        AnswerParser.ParsedAnswer a = AnswerParser.parse(tok.decode(ids, false));
        assertEquals(c.get("seg_positions").size(), a.segCount());
        assertEquals(c.get("tokens_positive").size(), a.artifacts().size());
        String text = c.get("text").asText();
        for (int k = 0; k < a.artifacts().size(); k++) {
            AnswerParser.Artifact art = a.artifacts().get(k);
            assertEquals(k, art.maskIndex());
            assertTrue(text.contains("<p> " + art.phrase() + " </p>"), art.phrase());
            assertTrue(!art.explanation().isEmpty() || text.contains("</p> [SEG]:<p>") || text.endsWith("[SEG]:</s>"),
                    "explanation of " + art.phrase());
        }
    }

    static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
