package ai.legion.refine.server;

import ai.legion.core.image.RgbImage;
import ai.legion.refine.ImageCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * The ComfyUI API subset, with state: {@code /upload/image} stores files, {@code /upload/mask} copies the
 * mask's alpha into the referenced image (as ComfyUI does), {@code /prompt} "executes" the graph
 * (LoadImage -> inverted image; EmptyLatentImage -> {@link Pictures#pattern}) into an output file,
 * {@code /history/{id}} answers {} for the first {@link #pendingPolls} polls, {@code /view} serves files.
 */
public final class FakeComfyUi {

    /** Uploaded and output files by name. */
    public final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** History entries by prompt id. */
    public final Map<String, ObjectNode> history = new ConcurrentHashMap<>();
    /** How many polls of a prompt's history answer {} before it is done. */
    public volatile int pendingPolls = 2;
    /** When set, executions fail with this message (status_str "error"). */
    public volatile String executionError;
    private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    private final AtomicInteger counter = new AtomicInteger();

    /** Installs the routes on {@code s}. */
    public FakeServer install(FakeServer s) {
        return s.route("POST", "/upload/image", this::uploadImage).route("POST", "/upload/mask", this::uploadMask)
                .route("POST", "/prompt", this::prompt).route("GET", "/history/", this::history).route("GET", "/view", this::view);
    }

    private FakeServer.Reply uploadImage(FakeServer.Request r) {
        Multiparts.Part image = r.parts().get("image");
        files.put(image.filename(), image.data());
        return uploaded(image.filename());
    }

    private static FakeServer.Reply uploaded(String name) {
        return FakeServer.Reply.json(200, Map.of("name", name, "subfolder", "", "type", "input"));
    }

    private FakeServer.Reply uploadMask(FakeServer.Request r) {
        Map<String, Multiparts.Part> parts = r.parts();
        JsonNode ref;
        try {
            ref = FakeServer.JSON.readTree(parts.get("original_ref").text());
        } catch (IOException e) {
            return FakeServer.Reply.text(400, "bad original_ref");
        }
        byte[] original = files.get(ref.path("filename").asText());
        if (original == null) {
            return FakeServer.Reply.text(404, "no original " + ref);
        }
        BufferedImage o = read(original);
        BufferedImage m = read(parts.get("image").data());
        BufferedImage out = new BufferedImage(o.getWidth(), o.getHeight(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < o.getHeight(); y++) {
            for (int x = 0; x < o.getWidth(); x++) {
                int alpha = m.getColorModel().hasAlpha() ? (m.getRGB(x, y) >>> 24) : 255;
                out.setRGB(x, y, (o.getRGB(x, y) & 0xFFFFFF) | alpha << 24);
            }
        }
        String name = parts.get("image").filename();
        files.put(name, ImageCodec.png(out));
        return uploaded(name);
    }

    static BufferedImage read(byte[] png) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private FakeServer.Reply prompt(FakeServer.Request r) {
        JsonNode body = r.json();
        JsonNode graph = body.path("prompt");
        if (!body.path("client_id").isTextual() || !graph.isObject()) {
            return FakeServer.Reply.json(400, Map.of("error", Map.of("message", "bad request")));
        }
        RgbImage out = null;
        String save = null;
        for (Map.Entry<String, JsonNode> e : graph.properties()) {
            JsonNode in = e.getValue().path("inputs");
            switch (e.getValue().path("class_type").asText()) {
                case "LoadImage" -> {
                    byte[] f = files.get(in.path("image").asText());
                    if (f == null) {
                        return FakeServer.Reply.json(400, Map.of("error", Map.of("message", "no file " + in.path("image")),
                                "node_errors", Map.of(e.getKey(), "missing")));
                    }
                    out = Pictures.invert(Pictures.decode(f));
                }
                case "EmptyLatentImage" -> {
                    if (out == null) {
                        out = Pictures.pattern(in.path("width").asInt(), in.path("height").asInt(), 7);
                    }
                }
                case "SaveImage" -> save = e.getKey();
                default -> { }
            }
        }
        String id = "p-" + counter.incrementAndGet();
        ObjectNode entry = FakeServer.JSON.createObjectNode();
        entry.putArray("prompt").add(graph);
        ObjectNode status = entry.putObject("status");
        if (executionError != null) {
            status.put("status_str", "error").put("completed", false);
            status.putArray("messages").addArray().add("execution_error").addObject().put("node_id", "6")
                    .put("node_type", "KSampler").put("exception_message", executionError);
            entry.putObject("outputs");
        } else {
            String file = String.format("legion_%05d_.png", counter.get());
            files.put(file, ImageCodec.png(out));
            entry.putObject("outputs").putObject(save).putArray("images").addObject().put("filename", file)
                    .put("subfolder", "").put("type", "output");
            status.put("status_str", "success").put("completed", true).putArray("messages");
        }
        history.put(id, entry);
        return FakeServer.Reply.json(200, Map.of("prompt_id", id, "number", counter.get(), "node_errors", Map.of()));
    }

    private FakeServer.Reply history(FakeServer.Request r) {
        String id = r.path().substring("/history/".length());
        int n = polls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        if (n <= pendingPolls || !history.containsKey(id)) {
            return FakeServer.Reply.json(200, Map.of());
        }
        return FakeServer.Reply.json(200, Map.of(id, history.get(id)));
    }

    private FakeServer.Reply view(FakeServer.Request r) {
        byte[] f = files.get(r.param("filename"));
        if (f == null || !"output".equals(r.param("type"))) {
            return FakeServer.Reply.text(404, "not found");
        }
        return FakeServer.Reply.bytes(200, "image/png", f);
    }
}
