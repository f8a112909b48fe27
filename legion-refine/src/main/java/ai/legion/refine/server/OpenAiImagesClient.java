package ai.legion.refine.server;

import ai.legion.core.image.RgbImage;
import ai.legion.refine.GenerateRequest;
import ai.legion.refine.GenerationSettings;
import ai.legion.refine.GeneratorException;
import ai.legion.refine.ImageCodec;
import ai.legion.refine.ImageGenerator;
import ai.legion.refine.InpaintRequest;
import ai.legion.refine.Inpainter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;

/**
 * An OpenAI-compatible images API (OpenAI, or local servers that speak it): {@code POST
 * /v1/images/generations} (JSON) and {@code POST /v1/images/edits} (multipart: {@code image}, {@code mask},
 * {@code prompt}, ...), answers {@code {"data": [{"b64_json": ...}]}}. The edit mask is an RGBA PNG whose
 * transparent pixels mark the region to repaint (OpenAI's convention). Seed, steps and guidance have no
 * field in this API and are not sent. The API key comes from an environment variable or a {@code char[]}
 * supplier ({@link ApiKey}), is sent as {@code Authorization: Bearer}, and never appears in logs or errors.
 *
 * <pre>{@code
 * OpenAiImagesClient openai = OpenAiImagesClient.builder(URI.create("https://api.openai.com"))
 *         .apiKey(ApiKey.fromEnv("OPENAI_API_KEY")).model("gpt-image-1").build();
 * }</pre>
 */
public final class OpenAiImagesClient extends OpenAiClient implements ImageGenerator, Inpainter {

    /** OpenAI's API. */
    public static final URI DEFAULT_URI = URI.create("https://api.openai.com");

    private final Boolean responseFormat;
    private final String editSize;

    private OpenAiImagesClient(Builder b) {
        super(b, "OpenAI images", "OpenAI images URL", status -> switch (status) {
            case 401 -> "the API key is missing or wrong";
            case 404 -> "no such route or model on this server";
            default -> null;
        });
        this.responseFormat = b.responseFormat;
        this.editSize = b.editSize;
    }

    /** A builder for the server at {@code base} ({@link #DEFAULT_URI}, or a local one; {@code /v1} optional). */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** Options of an {@link OpenAiImagesClient}; the model defaults to {@code dall-e-2}, which does masked edits. */
    public static final class Builder extends OpenAiClient.Builder<Builder> {
        private Boolean responseFormat;
        private String editSize;

        private Builder(URI base) {
            super(base, HttpOptions.defaults(), "dall-e-2");
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Whether to send {@code response_format: b64_json} (default: yes, except for {@code gpt-image-*}
         * models, which always answer base64 and reject the field).
         */
        public Builder sendResponseFormat(boolean value) {
            this.responseFormat = value;
            return this;
        }

        /** The {@code size} of edits, e.g. {@code 1024x1024} (default: not sent, the input's size). */
        public Builder editSize(String size) {
            this.editSize = size;
            return this;
        }

        /** The client. */
        public OpenAiImagesClient build() {
            return new OpenAiImagesClient(this);
        }
    }

    private boolean sendFormat() {
        return responseFormat != null ? responseFormat : !model.startsWith("gpt-image");
    }

    /** The JSON body of a generation. */
    ObjectNode generationBody(GenerateRequest request) {
        GenerationSettings s = request.settings();
        ObjectNode n = HttpSupport.JSON.createObjectNode();
        n.put("model", model);
        n.put("prompt", request.prompt());
        n.put("n", 1);
        if (s.width() > 0 && s.height() > 0) {
            n.put("size", s.width() + "x" + s.height());
        }
        if (sendFormat()) {
            n.put("response_format", "b64_json");
        }
        return n;
    }

    @Override
    public RgbImage generate(GenerateRequest request) throws GeneratorException {
        URI uri = URI.create(base + "/images/generations");
        return image(http.postJson(uri, generationBody(request), auth()), "POST " + uri);
    }

    @Override
    public RgbImage inpaint(InpaintRequest request) throws GeneratorException {
        URI uri = URI.create(base + "/images/edits");
        Multipart mp = new Multipart().file("image", "image.png", "image/png", ImageCodec.png(request.image()))
                .file("mask", "mask.png", "image/png", ImageCodec.transparentMaskPng(request.mask()))
                .field("prompt", request.prompt()).field("model", model).field("n", "1");
        if (editSize != null) {
            mp.field("size", editSize);
        }
        if (sendFormat()) {
            mp.field("response_format", "b64_json");
        }
        HttpSupport.Response r = http.send("POST", uri, mp.body(), mp.contentType(), auth());
        return image(http.json(r, "POST " + uri), "POST " + uri);
    }

    private RgbImage image(JsonNode answer, String endpoint) throws GeneratorException {
        JsonNode first = answer.path("data").path(0);
        if (first.path("b64_json").isTextual()) {
            return Automatic1111Client.decodeBase64Image(http, endpoint, first.get("b64_json").asText(), "data[0].b64_json");
        }
        if (first.path("url").isTextual()) {
            throw http.fail(endpoint, 200, "answered with an image URL instead of base64: send response_format=b64_json"
                    + " (sendResponseFormat(true))", null);
        }
        String err = answer.path("error").path("message").asText("");
        throw http.fail(endpoint, 200, "answered without data[0].b64_json" + (err.isEmpty() ? "" : ": " + err), null);
    }
}
