package ai.legion.refine.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.refine.GeneratorException;
import ai.legion.refine.MemoryBank;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link OpenAiChatReviser} against {@code /v1/chat/completions}. */
class OpenAiChatReviserTest {

    FakeServer server;

    @BeforeEach
    void start() throws Exception {
        server = FakeServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static FakeServer.Reply answer(String content) {
        return FakeServer.Reply.json(200, Map.of("id", "c1", "choices",
                List.of(Map.of("index", 0, "message", Map.of("role", "assistant", "content", content)))));
    }

    static MemoryBank memory(String... explanations) {
        MemoryBank m = MemoryBank.start("a man waving");
        for (int i = 0; i < explanations.length; i++) {
            ArtifactReport r = ArtifactReport.builder("x", 4, 4).addArtifact(new Artifact(0, "hand",
                    explanations[i], BinaryMask.full(4, 4), 0.9f)).build();
            m = m.with(new MemoryBank.Entry(i, i == 0 ? "a man waving" : "prompt " + i, r));
        }
        return m;
    }

    OpenAiChatReviser.Builder builder() {
        return OpenAiChatReviser.builder(server.uri()).http(Automatic1111ClientTest.FAST)
                .apiKey(ApiKey.of("sk-chat-abcdef123456"::toCharArray));
    }

    @Test
    void sendsUpstreamsProtocolAndReturnsTheTaggedPrompt() throws Exception {
        server.route("POST", "/v1/chat/completions", r -> answer("Sure!\n<START> a man waving, five fingers <END>"));
        String revised = builder().build().revise("a man waving", memory("the hand has six fingers"));
        assertEquals("a man waving, five fingers", revised);
        FakeServer.Request req = server.requests().get(0);
        assertEquals("/v1/chat/completions", req.path());
        assertEquals("Bearer sk-chat-abcdef123456", req.header("Authorization"));
        JsonNode b = req.json();
        assertEquals("gpt-4o", b.get("model").asText());
        assertEquals(0.0, b.get("temperature").asDouble());
        assertEquals(0.5, b.get("top_p").asDouble());
        assertEquals(1024, b.get("max_tokens").asInt());
        assertEquals("system", b.at("/messages/0/role").asText());
        assertTrue(b.at("/messages/0/content").asText().contains("less than 50 words"));
        String user = b.at("/messages/1/content").asText();
        assertEquals("user", b.at("/messages/1/role").asText());
        assertTrue(user.startsWith("user_prompt:a man waving\n"), user);
        assertTrue(user.contains(OpenAiChatReviser.ITERATE), user);
        assertTrue(user.contains("Reflection: hand: the hand has six fingers"), user);
        assertTrue(user.contains("<START>") && user.contains("<END>"), user);
        assertFalse(user.contains("Earlier rounds"), "upstream sends the latest reflection only");
    }

    @Test
    void retriesOnceAtTemperature01WithoutTagsThenKeepsThePrompt() throws Exception {
        AtomicInteger n = new AtomicInteger();
        server.route("POST", "/v1/chat/completions", r -> n.incrementAndGet() == 1 ? answer("no tags here")
                : answer("<START>better prompt<END>"));
        assertEquals("better prompt", builder().build().revise("p", memory("e")));
        assertEquals(0.1, server.requests().get(1).json().get("temperature").asDouble());

        server.route("POST", "/v1/chat/completions", r -> answer("still no tags"));
        assertEquals("p", builder().build().revise("p", memory("e")));
        assertEquals(4, server.requests().size());
    }

    @Test
    void fullHistoryAddsEarlierRounds() {
        OpenAiChatReviser r = builder().fullHistory(true).build();
        String msg = r.userMessage("prompt 1", memory("six fingers", "blurry face"));
        assertTrue(msg.contains("Round 1 prompt: a man waving"), msg);
        assertTrue(msg.contains("Round 1 reflection: hand: six fingers"), msg);
        assertTrue(msg.contains("Reflection: hand: blurry face"), msg);
    }

    @Test
    void extractionAndErrors() {
        assertEquals("x", OpenAiChatReviser.extract("<START> x <END><START>y<END>"));
        assertNull(OpenAiChatReviser.extract("<START>unterminated"));
        assertNull(OpenAiChatReviser.extract("<START> <END>"));
        server.route("POST", "/v1/chat/completions", r -> FakeServer.Reply.json(200, "{\"error\": {\"message\": \"quota\"}}"));
        GeneratorException e = assertThrows(GeneratorException.class, () -> builder().build().revise("p", memory("e")));
        assertTrue(e.getMessage().contains("choices[0].message.content") && e.getMessage().contains("quota"), e.getMessage());
        assertFalse(e.getMessage().contains("abcdef123456"));
    }
}
