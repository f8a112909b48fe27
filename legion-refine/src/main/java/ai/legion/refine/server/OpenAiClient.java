package ai.legion.refine.server;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * What the clients of OpenAI-compatible servers share: the {@code /v1} base URL, the optional API key (sent
 * as a bearer token, redacted from messages), the model name and the HTTP exchange.
 */
abstract class OpenAiClient {

    final URI base;
    final HttpSupport http;
    final ApiKey apiKey;
    final String model;

    /**
     * @param label the server's name in messages
     * @param what what the base URL is, for its error message
     * @param hints an extra sentence for a status, or null
     */
    OpenAiClient(Builder<?> b, String label, String what, IntFunction<String> hints) {
        this.base = v1(HttpSupport.baseUri(b.base, what));
        this.apiKey = b.apiKey;
        this.model = b.model;
        this.http = new HttpSupport(label, b.http, apiKey == null ? List.of() : List.of(apiKey), hints);
    }

    /** {@code base} with {@code /v1} appended unless it already ends with it. */
    static URI v1(URI base) {
        String s = base.toString();
        return URI.create(s.endsWith("/v1") ? s : s + "/v1");
    }

    /** The request headers: the bearer token when there is a key. */
    Map<String, String> auth() {
        Map<String, String> h = new LinkedHashMap<>();
        if (apiKey != null) {
            h.put("Authorization", "Bearer " + apiKey.reveal());
        }
        return h;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + base + ", model " + model + (apiKey != null ? ", key " + apiKey : "")
                + "]";
    }

    /**
     * The options every OpenAI-compatible client has.
     *
     * @param <B> the client's builder
     */
    abstract static class Builder<B extends Builder<B>> {
        private final URI base;
        private HttpOptions http;
        private ApiKey apiKey;
        private String model;

        Builder(URI base, HttpOptions http, String model) {
            this.base = base;
            this.http = http;
            this.model = model;
        }

        abstract B self();

        /** Timeouts and retries. */
        public B http(HttpOptions options) {
            this.http = Objects.requireNonNull(options, "options");
            return self();
        }

        /** The API key (none by default: local servers may need none). */
        public B apiKey(ApiKey key) {
            this.apiKey = Objects.requireNonNull(key, "key");
            return self();
        }

        /** The model (each client documents its default). */
        public B model(String name) {
            this.model = Objects.requireNonNull(name, "model");
            return self();
        }
    }
}
