package ai.legion.refine.server;

import ai.legion.core.image.RgbImage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The AUTOMATIC1111 API subset: {@code POST /sdapi/v1/txt2img} returns {@link Pictures#pattern} of the
 * requested size seeded by seed and prompt; {@code POST /sdapi/v1/img2img} returns its init image resized
 * to the requested width x height and inverted everywhere (so compositing is visible).
 */
public final class FakeA1111 {

    private FakeA1111() {}

    /** Installs the routes. */
    public static FakeServer install(FakeServer s) {
        return s.route("POST", "/sdapi/v1/txt2img", FakeA1111::txt2img).route("POST", "/sdapi/v1/img2img", FakeA1111::img2img);
    }

    static FakeServer.Reply txt2img(FakeServer.Request r) {
        JsonNode b = r.json();
        int w = b.path("width").asInt(512);
        int h = b.path("height").asInt(512);
        long seed = b.path("seed").asLong() ^ b.path("prompt").asText().hashCode();
        return answer(Pictures.pattern(w, h, seed), b);
    }

    static FakeServer.Reply img2img(FakeServer.Request r) {
        JsonNode b = r.json();
        RgbImage init = Pictures.decodeB64(b.path("init_images").path(0).asText());
        Pictures.decodeB64(b.path("mask").asText()); // must be an image
        int w = b.path("width").asInt(512);
        int h = b.path("height").asInt(512);
        return answer(Pictures.invert(Pictures.nearest(init, w, h)), b);
    }

    static FakeServer.Reply answer(RgbImage img, JsonNode params) {
        ObjectNode o = FakeServer.JSON.createObjectNode();
        o.putArray("images").add(Pictures.b64(img));
        o.set("parameters", params);
        o.put("info", "{\"seed\": " + params.path("seed").asLong() + "}");
        return FakeServer.Reply.json(200, o);
    }
}
