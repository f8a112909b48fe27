package ai.legion.refine.server;

import ai.legion.refine.GeneratorException;
import ai.legion.refine.MemoryBank;
import ai.legion.refine.PromptReviser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ai.legion.refine.PromptReviser} backed by an OpenAI-compatible chat model
 * ({@code POST /v1/chat/completions}) with upstream's reviser protocol
 * ({@code scripts/refine/regenerator.py::gptv_query}, {@code optimize_image_with_reflection}): a system message with
 * the prompt rules, a user message {@code user_prompt:<prompt>} + the instruction to improve it by the given
 * reflection + {@code Reflection: <LEGION's explanation>} + the request for one prompt wrapped in {@code <START>} and
 * {@code <END>}; {@code temperature 0, top_p 0.5, max_tokens 1024}. When the answer has no tags the request is
 * repeated once at temperature 0.1 (as upstream); if it still has none, the current prompt is kept and a warning
 * logged (upstream would use "blank image").
 *
 * <p>Upstream passes only the latest reflection; {@link Builder#fullHistory(boolean)} adds the earlier
 * rounds' prompts and reflections.
 */
public final class OpenAiChatReviser extends OpenAiClient implements PromptReviser {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatReviser.class);

    /*
     * The protocol strings below come from upstream scripts/refine/regenerator.py
     * (optimize_image_with_reflection): the "user_prompt:" and "Reflection:" prefixes, the
     * iterative-improvement sentence, the <START>/<END> tags and the under-50-words rule are what the
     * answer parsing and the paper's setup depend on; the rest of the rules is paraphrased.
     */
    static final String SYSTEM = String.join("\n",
            "You are a helpful assistant that rewrites prompts for a text-to-image model so that the generated image"
                    + " improves.",
            "Rules for a good prompt:",
            "- Each prompt should consist of a description of the scene followed by modifiers divided by commas.",
            "- Modifiers adjust mood, style, lighting, spatial details and other aspects of the scene.",
            "- Prefer concrete visual descriptions to abstract psychological or emotional ones.",
            "- Describe unusual entities of the idea in concrete detail.",
            "- Never refer to 'the given image'; describe the scene in words.",
            "- Output prompt should have less than 50 words.");
    static final String ITERATE = "You are iteratively improving the user prompt by the given reflection.";
    static final String REQUEST = "Based on the above information, to improve the image, write 1 detailed prompt"
            + " following the rules. Do not repeat a prompt of an earlier round. Wrap the prompt with <START> and <END>.";

    private static final Pattern TAGGED = Pattern.compile("<START>(.*?)<END>", Pattern.DOTALL);

    private final double temperature;
    private final double topP;
    private final int maxTokens;
    private final boolean fullHistory;

    private OpenAiChatReviser(Builder b) {
        super(b, "chat reviser", "chat completions URL",
                status -> status == 401 ? "the API key is missing or wrong" : null);
        this.temperature = b.temperature;
        this.topP = b.topP;
        this.maxTokens = b.maxTokens;
        this.fullHistory = b.fullHistory;
    }

    /** A builder for the server at {@code base} (e.g. {@code https://api.openai.com}; {@code /v1} optional). */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** Options of an {@link OpenAiChatReviser}: the chat model defaults to {@code gpt-4o} (upstream's). */
    public static final class Builder extends OpenAiClient.Builder<Builder> {
        private double temperature = 0;
        private double topP = 0.5;
        private int maxTokens = 1024;
        private boolean fullHistory;

        private Builder(URI base) {
            super(base, HttpOptions.defaults().withRequestTimeout(Duration.ofMinutes(2)), "gpt-4o");
        }

        @Override
        Builder self() {
            return this;
        }

        /** Sampling (default temperature 0, top_p 0.5, as upstream). */
        public Builder sampling(double temp, double p) {
            if (!(temp >= 0 && temp <= 2) || !(p > 0 && p <= 1)) {
                throw new IllegalArgumentException("temperature must lie in [0, 2] and top_p in (0, 1]");
            }
            this.temperature = temp;
            this.topP = p;
            return this;
        }

        /** {@code max_tokens} (default 1024). */
        public Builder maxTokens(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("max_tokens must be positive");
            }
            this.maxTokens = n;
            return this;
        }

        /** Also send the earlier rounds' prompts and reflections (default false, as upstream). */
        public Builder fullHistory(boolean value) {
            this.fullHistory = value;
            return this;
        }

        /** The reviser. */
        public OpenAiChatReviser build() {
            return new OpenAiChatReviser(this);
        }
    }

    /** The user message for {@code prompt} and the memory. */
    String userMessage(String prompt, MemoryBank memory) {
        StringBuilder sb = new StringBuilder();
        if (fullHistory && memory.size() > 1) {
            sb.append("Earlier rounds:\n");
            for (MemoryBank.Entry e : memory.entries().subList(0, memory.size() - 1)) {
                sb.append("Round ").append(e.iteration() + 1).append(" prompt: ").append(e.prompt()).append('\n')
                        .append("Round ").append(e.iteration() + 1).append(" reflection: ").append(orNone(e.reflection()))
                        .append('\n');
            }
        }
        String reflection = memory.latest().map(MemoryBank.Entry::reflection).orElse("");
        sb.append("user_prompt:").append(prompt).append('\n');
        sb.append(ITERATE).append('\n');
        sb.append("Reflection: ").append(orNone(reflection)).append('\n');
        sb.append(REQUEST).append('\n');
        return sb.toString();
    }

    private static String orNone(String reflection) {
        return reflection.isBlank() ? "No artifact was found in the image." : reflection;
    }

    /** The request body. */
    ObjectNode body(String prompt, MemoryBank memory, double temp) {
        ObjectNode n = HttpSupport.JSON.createObjectNode();
        n.put("model", model);
        n.put("temperature", temp);
        n.put("top_p", topP);
        n.put("max_tokens", maxTokens);
        ArrayNode messages = n.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        messages.addObject().put("role", "user").put("content", userMessage(prompt, memory));
        return n;
    }

    @Override
    public String revise(String prompt, MemoryBank memory) throws GeneratorException {
        String answer = ask(body(prompt, memory, temperature));
        String revised = extract(answer);
        if (revised == null) {
            LOG.info("chat reviser: answer without <START>...<END>; asking once more at temperature 0.1");
            revised = extract(ask(body(prompt, memory, 0.1)));
        }
        if (revised == null) {
            LOG.warn("chat reviser: no <START>...<END> prompt in two answers; keeping the current prompt");
            return prompt;
        }
        return revised;
    }

    /** The first tagged prompt of an answer, or null. */
    static String extract(String answer) {
        if (answer == null) {
            return null;
        }
        Matcher m = TAGGED.matcher(answer);
        while (m.find()) {
            String p = m.group(1).strip();
            if (!p.isEmpty()) {
                return p;
            }
        }
        return null;
    }

    private String ask(ObjectNode body) throws GeneratorException {
        URI uri = URI.create(base + "/chat/completions");
        JsonNode answer = http.postJson(uri, body, auth());
        JsonNode content = answer.path("choices").path(0).path("message").path("content");
        if (!content.isTextual()) {
            String err = answer.path("error").path("message").asText("");
            throw http.fail("POST " + uri, 200, "answered without choices[0].message.content"
                    + (err.isEmpty() ? "" : ": " + err), null);
        }
        return content.asText();
    }
}
