package ai.legion.refine.server;

import ai.legion.core.image.ImageException;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A ComfyUI server (its {@code server.py} routes): the image (and mask) are uploaded with {@code POST /upload/image} /
 * {@code POST /upload/mask}, a workflow template ({@link ComfyWorkflow}) is filled in and queued with
 * {@code POST /prompt}, {@code GET /history/{prompt_id}} is polled until the prompt finished, and the
 * output image is fetched with {@code GET /view}. (ComfyUI's WebSocket only speeds up the notification;
 * polling the history is enough and needs no extra dependency.)
 *
 * <p>Masks: {@link MaskMode#ALPHA} (default) uploads the image, then the mask through {@code /upload/mask}
 * with {@code original_ref} pointing at it: the server copies the mask's alpha (transparent = repaint) into
 * a new image file, and {@code LoadImage} of that file gives the mask as its {@code MASK} output (ComfyUI's
 * mask-editor convention). {@link MaskMode#SEPARATE} uploads the mask as its own grayscale PNG (white =
 * repaint) for a {@code LoadImageMask} node.
 *
 * <pre>{@code
 * ComfyUiClient comfy = ComfyUiClient.builder(URI.create("http://127.0.0.1:8188"))
 *         .checkpoint("sd_xl_base_1.0.safetensors").build();       // built-in workflows
 * ComfyUiClient custom = ComfyUiClient.builder(uri)
 *         .inpaintWorkflow(ComfyWorkflow.read(Path.of("inpaint_api.json"))).build();
 * }</pre>
 */
public final class ComfyUiClient implements ImageGenerator, Inpainter {

    /** ComfyUI's default address. */
    public static final URI DEFAULT_URI = URI.create("http://127.0.0.1:8188");

    /** How the mask reaches the workflow. */
    public enum MaskMode {
        /** Through {@code /upload/mask} into the image's alpha channel; {@code LoadImage} yields the mask. */
        ALPHA,
        /** As a separate grayscale PNG through {@code /upload/image}, for {@code LoadImageMask}. */
        SEPARATE
    }

    private static final Set<String> SAMPLING = Set.of("prompt", "negative_prompt", "seed", "steps", "cfg", "denoise",
            "sampler", "width", "height");

    private final URI base;
    private final HttpSupport http;
    private final ComfyWorkflow txt2img;
    private final ComfyWorkflow inpaint;
    private final MaskMode maskMode;
    private final String checkpoint;
    private final Map<String, Object> variables;
    private final Duration pollInterval;
    private final Duration generationTimeout;
    private final String user;
    private final String outputNode;
    private final String defaultSampler;
    private final String txt2imgProblem;
    private final String inpaintProblem;
    private final String clientId = UUID.randomUUID().toString();

    private ComfyUiClient(Builder b) {
        this.base = HttpSupport.baseUri(b.base, "ComfyUI server URL");
        this.http = new HttpSupport("ComfyUI", b.http, List.of(), status -> switch (status) {
            case 400 -> "the server rejected the workflow or upload; see node_errors";
            case 404 -> "no such route or file: is this a ComfyUI server?";
            default -> null;
        });
        this.maskMode = b.maskMode;
        this.txt2img = b.txt2img != null ? b.txt2img : ComfyWorkflow.defaultTxt2Img();
        this.inpaint = b.inpaint != null ? b.inpaint : ComfyWorkflow.defaultInpaint(b.maskMode);
        this.checkpoint = b.checkpoint;
        this.variables = Map.copyOf(b.variables);
        this.pollInterval = b.pollInterval;
        this.generationTimeout = b.generationTimeout;
        this.user = b.user;
        this.outputNode = b.outputNode;
        this.defaultSampler = b.sampler;
        String p1 = problem(txt2img, Set.of("prompt"), Set.of());
        String p2 = problem(inpaint, maskMode == MaskMode.SEPARATE ? Set.of("prompt", "image", "mask")
                : Set.of("prompt", "image"), Set.of("image", "mask"));
        // a problem of a workflow the caller gave, or of both built-in ones, fails now; a built-in workflow that
        // lacks only its checkpoint while the other mode has a custom workflow fails when it is first used
        if (p1 != null && (b.txt2img != null || b.inpaint == null)) {
            throw new IllegalArgumentException(p1);
        }
        if (p2 != null && (b.inpaint != null || b.txt2img == null)) {
            throw new IllegalArgumentException(p2);
        }
        this.txt2imgProblem = p1;
        this.inpaintProblem = p2;
    }

    /** What is wrong with a workflow for this client, or null. */
    private String problem(ComfyWorkflow w, Set<String> required, Set<String> files) {
        for (String r : required) {
            if (!w.placeholders().contains(r)) {
                return "ComfyUI workflow " + w.name() + " has no {{" + r + "}} placeholder";
            }
        }
        Set<String> known = new HashSet<>(SAMPLING);
        known.addAll(files);
        known.addAll(variables.keySet());
        if (checkpoint != null) {
            known.add("checkpoint");
        }
        for (String p : w.placeholders()) {
            if (!known.contains(p)) {
                return "ComfyUI workflow " + w.name() + " uses {{" + p + "}}, which has no value"
                        + (p.equals("checkpoint") ? ": set checkpoint(name) (--checkpoint) to a file of ComfyUI's"
                                + " models/checkpoints" : ": set it with variable(\"" + p + "\", value)");
            }
        }
        if (outputNode != null && !w.hasNode(outputNode)) {
            return "ComfyUI workflow " + w.name() + " has no output node '" + outputNode + "'";
        }
        return null;
    }

    /** A client with the built-in workflows, which need a checkpoint name. */
    public ComfyUiClient(URI base, String checkpoint) {
        this(builder(base).checkpoint(checkpoint));
    }

    /** A builder for the server at {@code base} (e.g. {@link #DEFAULT_URI}). */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** Options of a {@link ComfyUiClient}. */
    public static final class Builder {
        private final URI base;
        private HttpOptions http = HttpOptions.defaults().withRequestTimeout(Duration.ofMinutes(2));
        private ComfyWorkflow txt2img;
        private ComfyWorkflow inpaint;
        private MaskMode maskMode = MaskMode.ALPHA;
        private String checkpoint;
        private final Map<String, Object> variables = new LinkedHashMap<>();
        private Duration pollInterval = Duration.ofMillis(500);
        private Duration generationTimeout = Duration.ofMinutes(10);
        private String user;
        private String outputNode;
        private String sampler = "euler";

        private Builder(URI base) {
            this.base = base;
        }

        /** Timeouts and retries of each HTTP call (default: request timeout 2 min, 3 retries). */
        public Builder http(HttpOptions options) {
            this.http = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The text-to-image workflow (default {@link ComfyWorkflow#defaultTxt2Img()}). */
        public Builder txt2imgWorkflow(ComfyWorkflow w) {
            this.txt2img = Objects.requireNonNull(w, "workflow");
            return this;
        }

        /** The inpainting workflow (default {@link ComfyWorkflow#defaultInpaint(MaskMode)}). */
        public Builder inpaintWorkflow(ComfyWorkflow w) {
            this.inpaint = Objects.requireNonNull(w, "workflow");
            return this;
        }

        /** How the mask is uploaded (default {@link MaskMode#ALPHA}). */
        public Builder maskMode(MaskMode mode) {
            this.maskMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The value of {@code {{checkpoint}}}: a file name of ComfyUI's {@code models/checkpoints}. */
        public Builder checkpoint(String name) {
            this.checkpoint = name;
            return this;
        }

        /** The value of a custom placeholder {@code {{name}}} (string, number or boolean). */
        public Builder variable(String name, Object value) {
            variables.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The sampler when the request names none (default {@code euler}, as upstream's Euler scheduler). */
        public Builder sampler(String name) {
            this.sampler = Objects.requireNonNull(name, "sampler");
            return this;
        }

        /** How often {@code /history} is polled (default 500 ms). */
        public Builder pollInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("poll interval must be positive");
            }
            this.pollInterval = d;
            return this;
        }

        /** How long to wait for a queued prompt to finish (default 10 min). */
        public Builder generationTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("generation timeout must be positive");
            }
            this.generationTimeout = d;
            return this;
        }

        /** The {@code comfy-user} header of multi-user servers. */
        public Builder user(String name) {
            this.user = name;
            return this;
        }

        /** The id of the node whose images are the result (default: the workflow's first {@code SaveImage}). */
        public Builder outputNode(String id) {
            this.outputNode = id;
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalArgumentException naming the workflow and placeholder when a workflow lacks a
         *     required placeholder or uses one without a value (a built-in workflow that only lacks its
         *     checkpoint while the other mode has a custom workflow fails at its first use instead)
         */
        public ComfyUiClient build() {
            return new ComfyUiClient(this);
        }
    }

    @Override
    public RgbImage generate(GenerateRequest request) throws GeneratorException {
        if (txt2imgProblem != null) {
            throw new GeneratorException("", 0, "ComfyUI: " + txt2imgProblem, null);
        }
        GenerationSettings s = request.settings();
        Map<String, Object> values = values(request.prompt(), s, s.width() > 0 ? s.width() : 1024,
                s.height() > 0 ? s.height() : 1024, 1.0);
        return run(txt2img, values);
    }

    @Override
    public RgbImage inpaint(InpaintRequest request) throws GeneratorException {
        if (inpaintProblem != null) {
            throw new GeneratorException("", 0, "ComfyUI: " + inpaintProblem, null);
        }
        GenerationSettings s = request.settings();
        RgbImage img = request.image();
        Map<String, Object> values = values(request.prompt(), s, img.width(), img.height(), s.strength());
        String stem = "legion_" + UUID.randomUUID().toString().replace("-", "");
        JsonNode uploaded = upload("/upload/image", stem + ".png", ImageCodec.png(img), null);
        String imageRef = reference(uploaded);
        if (maskMode == MaskMode.ALPHA) {
            ObjectNode original = HttpSupport.JSON.createObjectNode().put("filename", uploaded.path("name").asText())
                    .put("subfolder", uploaded.path("subfolder").asText("")).put("type", uploaded.path("type").asText("input"));
            JsonNode masked = upload("/upload/mask", stem + "_mask.png", ImageCodec.transparentMaskPng(request.mask()),
                    original.toString());
            imageRef = reference(masked);
            values.put("mask", imageRef);
        } else {
            JsonNode mask = upload("/upload/image", stem + "_mask.png", ImageCodec.maskPng(request.mask()), null);
            values.put("mask", reference(mask));
        }
        values.put("image", imageRef);
        return run(inpaint, values);
    }

    private Map<String, Object> values(String prompt, GenerationSettings s, int width, int height, double denoise) {
        Map<String, Object> v = new HashMap<>(variables);
        v.put("prompt", prompt);
        v.put("negative_prompt", s.negativePrompt());
        // KSampler seeds are unsigned: a random seed is drawn here (53 bits, exact in JSON readers)
        v.put("seed", s.hasSeed() ? s.seed() : ThreadLocalRandom.current().nextLong(1L << 53));
        v.put("steps", s.steps());
        v.put("cfg", s.guidance());
        v.put("denoise", denoise);
        v.put("sampler", s.sampler() != null ? s.sampler() : defaultSampler);
        v.put("width", width);
        v.put("height", height);
        if (checkpoint != null) {
            v.put("checkpoint", checkpoint);
        }
        return v;
    }

    private Map<String, String> headers() {
        return user == null ? Map.of() : Map.of("comfy-user", user);
    }

    /** Uploads a PNG; {@code originalRef} is set for {@code /upload/mask}. */
    private JsonNode upload(String path, String filename, byte[] png, String originalRef) throws GeneratorException {
        Multipart mp = new Multipart().file("image", filename, "image/png", png).field("type", "input")
                .field("subfolder", "").field("overwrite", "true");
        if (originalRef != null) {
            mp.field("original_ref", originalRef);
        }
        URI uri = URI.create(base + path);
        HttpSupport.Response r = http.send("POST", uri, mp.body(), mp.contentType(), headers());
        JsonNode n = http.json(r, "POST " + uri);
        if (!n.path("name").isTextual() || n.path("name").asText().isEmpty()) {
            throw http.fail("POST " + uri, r.status(), "answered without the uploaded file's 'name': "
                    + HttpSupport.snippet(r), null);
        }
        return n;
    }

    private static String reference(JsonNode uploaded) {
        String sub = uploaded.path("subfolder").asText("");
        String name = uploaded.path("name").asText();
        return sub.isEmpty() ? name : sub + "/" + name;
    }

    private RgbImage run(ComfyWorkflow workflow, Map<String, Object> values) throws GeneratorException {
        ObjectNode graph;
        try {
            graph = workflow.render(values);
        } catch (IllegalArgumentException e) {
            throw new GeneratorException("", 0, "ComfyUI: " + e.getMessage(), e);
        }
        URI promptUri = URI.create(base + "/prompt");
        ObjectNode body = HttpSupport.JSON.createObjectNode();
        body.set("prompt", graph);
        body.put("client_id", clientId);
        JsonNode queued = http.postJson(promptUri, body, headers());
        String endpoint = "POST " + promptUri;
        if (queued.has("error")) {
            throw http.fail(endpoint, 200, "rejected the workflow " + workflow.name() + ": " + queued.get("error")
                    + " node_errors: " + queued.path("node_errors"), null);
        }
        if (queued.path("node_errors").isObject() && !queued.path("node_errors").isEmpty()) {
            throw http.fail(endpoint, 200, "reported node errors for workflow " + workflow.name() + ": "
                    + queued.get("node_errors"), null);
        }
        String id = queued.path("prompt_id").asText("");
        if (id.isEmpty()) {
            throw http.fail(endpoint, 200, "answered without a 'prompt_id': " + queued, null);
        }
        JsonNode entry = awaitHistory(id);
        JsonNode image = pickImage(entry, workflow, id);
        String query = "filename=" + enc(image.path("filename").asText()) + "&subfolder="
                + enc(image.path("subfolder").asText("")) + "&type=" + enc(image.path("type").asText("output"));
        URI view = URI.create(base + "/view?" + query);
        HttpSupport.Response r = http.send("GET", view, null, null, headers());
        try {
            return ImageCodec.decode(r.body(), "ComfyUI /view " + image.path("filename").asText());
        } catch (ImageException e) {
            throw http.fail("GET " + view, r.status(), "did not send a readable image: " + e.getMessage() + " ("
                    + HttpSupport.snippet(r) + ")", e);
        }
    }

    private JsonNode awaitHistory(String id) throws GeneratorException {
        URI uri = URI.create(base + "/history/" + enc(id));
        long deadline = System.nanoTime() + generationTimeout.toNanos();
        while (true) {
            JsonNode history = http.getJson(uri, headers());
            JsonNode entry = history.path(id);
            if (entry.isObject()) {
                JsonNode status = entry.path("status");
                if ("error".equals(status.path("status_str").asText())) {
                    throw http.fail("GET " + uri, 200, "reports that prompt " + id + " failed: " + executionError(status), null);
                }
                boolean completed = status.path("completed").asBoolean(!status.isObject());
                if (completed || (entry.path("outputs").isObject() && !entry.path("outputs").isEmpty()
                        && !status.isObject())) {
                    return entry;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new GeneratorException("GET " + uri, 0, "ComfyUI: prompt " + id + " did not finish within "
                        + generationTimeout.toSeconds() + " s (still queued or running; see the server's queue)", null);
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GeneratorException("GET " + uri, 0, "ComfyUI: interrupted while waiting for prompt " + id, e);
            }
        }
    }

    private static String executionError(JsonNode status) {
        for (JsonNode m : status.path("messages")) {
            if (m.isArray() && m.size() == 2 && "execution_error".equals(m.get(0).asText())) {
                JsonNode d = m.get(1);
                return d.path("node_type").asText("?") + " (node " + d.path("node_id").asText("?") + "): "
                        + d.path("exception_message").asText("").strip();
            }
        }
        return status.path("messages").toString();
    }

    private JsonNode pickImage(JsonNode entry, ComfyWorkflow workflow, String id) throws GeneratorException {
        JsonNode outputs = entry.path("outputs");
        List<String> order = new ArrayList<>();
        if (outputNode != null) {
            order.add(outputNode);
        } else {
            order.addAll(workflow.saveImageNodes());
            outputs.fieldNames().forEachRemaining(order::add);
        }
        for (String node : order) {
            for (JsonNode img : outputs.path(node).path("images")) {
                if (img.path("filename").isTextual() && (outputNode != null || "output".equals(img.path("type").asText("output")))) {
                    return img;
                }
            }
        }
        throw new GeneratorException("GET " + base + "/history/" + id, 200, "ComfyUI: prompt " + id + " finished without an"
                + " output image" + (outputNode != null ? " from node " + outputNode : "") + " (does workflow "
                + workflow.name() + " end in a SaveImage node?)", null);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ComfyUiClient[" + base + ", " + maskMode.name().toLowerCase(java.util.Locale.ROOT) + " mask, txt2img "
                + txt2img.name() + ", inpaint " + inpaint.name() + (checkpoint != null ? ", checkpoint " + checkpoint : "")
                + "]";
    }
}
