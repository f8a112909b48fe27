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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * AUTOMATIC1111 / Forge web UI started with {@code --api} ({@code modules/api/api.py},
 * {@code modules/api/models.py}): {@code POST /sdapi/v1/txt2img} for generation and {@code POST /sdapi/v1/img2img}
 * with {@code init_images} and {@code mask} (base64 PNGs, white = repaint) for inpainting; answers {@code {"images":
 * [base64 PNG], "parameters", "info"}}.
 *
 * <p>Inpainting defaults follow LEGION's settings as far as the API allows: {@code mask_blur 0},
 * {@code inpainting_fill 1} (original), whole-picture inpainting, and the request's steps, guidance,
 * strength and seed; the size is the image's, rounded to a multiple of 8 (the loop resizes the answer
 * back). {@code --api-auth user:pass} servers need {@link Builder#basicAuth}.
 *
 * <pre>{@code
 * Automatic1111Client a1111 = Automatic1111Client.builder(URI.create("http://127.0.0.1:7860"))
 *         .checkpoint("sd_xl_base_1.0.safetensors").build();
 * }</pre>
 */
public final class Automatic1111Client implements ImageGenerator, Inpainter {

    /** The web UI's default address. */
    public static final URI DEFAULT_URI = URI.create("http://127.0.0.1:7860");
    /** The text-to-image endpoint. */
    public static final String TXT2IMG = "/sdapi/v1/txt2img";
    /** The image-to-image (and inpainting) endpoint. */
    public static final String IMG2IMG = "/sdapi/v1/img2img";

    private final URI base;
    private final HttpSupport http;
    private final ApiKey basicAuth;
    private final String checkpoint;
    private final int maskBlur;
    private final int inpaintingFill;
    private final boolean inpaintOnlyMasked;
    private final Map<String, Object> extra;

    /** A client with default settings. */
    public Automatic1111Client(URI base) {
        this(builder(base));
    }

    private Automatic1111Client(Builder b) {
        this.base = HttpSupport.baseUri(b.base, "AUTOMATIC1111 server URL");
        this.basicAuth = b.basicAuth;
        this.checkpoint = b.checkpoint;
        this.maskBlur = b.maskBlur;
        this.inpaintingFill = b.inpaintingFill;
        this.inpaintOnlyMasked = b.inpaintOnlyMasked;
        this.extra = Map.copyOf(b.extra);
        List<ApiKey> secrets = new ArrayList<>();
        if (basicAuth != null) {
            secrets.add(basicAuth);
        }
        this.http = new HttpSupport("AUTOMATIC1111", b.http, secrets, status -> switch (status) {
            case 404 -> "no such API route: start the web UI with --api";
            case 401, 403 -> "the server wants credentials (--api-auth): set basicAuth";
            case 422 -> "the server rejected a field of the request";
            default -> null;
        });
    }

    /** A builder for the server at {@code base} (e.g. {@link #DEFAULT_URI}). */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** Options of an {@link Automatic1111Client}. */
    public static final class Builder {
        private final URI base;
        private HttpOptions http = HttpOptions.defaults();
        private ApiKey basicAuth;
        private String checkpoint;
        private int maskBlur;
        private int inpaintingFill = 1;
        private boolean inpaintOnlyMasked;
        private final Map<String, Object> extra = new LinkedHashMap<>();

        private Builder(URI base) {
            this.base = base;
        }

        /** Timeouts and retries (default {@link HttpOptions#defaults()}). */
        public Builder http(HttpOptions options) {
            this.http = Objects.requireNonNull(options, "options");
            return this;
        }

        /** HTTP Basic credentials for {@code --api-auth}: a supplier of {@code user:password}. */
        public Builder basicAuth(ApiKey userColonPassword) {
            this.basicAuth = Objects.requireNonNull(userColonPassword, "credentials");
            return this;
        }

        /** A model checkpoint to switch to ({@code override_settings.sd_model_checkpoint}); default: the loaded one. */
        public Builder checkpoint(String name) {
            this.checkpoint = name;
            return this;
        }

        /** {@code mask_blur} in pixels (default 0: the loop composites with the hard mask anyway). */
        public Builder maskBlur(int pixels) {
            if (pixels < 0) {
                throw new IllegalArgumentException("mask_blur must be >= 0, got " + pixels);
            }
            this.maskBlur = pixels;
            return this;
        }

        /** {@code inpainting_fill}: 0 fill, 1 original (default), 2 latent noise, 3 latent nothing. */
        public Builder inpaintingFill(int mode) {
            if (mode < 0 || mode > 3) {
                throw new IllegalArgumentException("inpainting_fill must be 0..3, got " + mode);
            }
            this.inpaintingFill = mode;
            return this;
        }

        /** {@code inpaint_full_res} ("only masked": the masked area is upscaled and repainted; default false). */
        public Builder inpaintOnlyMasked(boolean value) {
            this.inpaintOnlyMasked = value;
            return this;
        }

        /** Any other API field, sent with every request (e.g. {@code scheduler}, {@code alwayson_scripts}). */
        public Builder extra(String field, Object value) {
            extra.put(Objects.requireNonNull(field, "field"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The client. */
        public Automatic1111Client build() {
            return new Automatic1111Client(this);
        }
    }

    @Override
    public RgbImage generate(GenerateRequest request) throws GeneratorException {
        return call(TXT2IMG, txt2imgBody(request));
    }

    @Override
    public RgbImage inpaint(InpaintRequest request) throws GeneratorException {
        return call(IMG2IMG, img2imgBody(request));
    }

    /** The JSON body of a txt2img call. */
    ObjectNode txt2imgBody(GenerateRequest request) {
        ObjectNode n = common(request.prompt(), request.settings());
        GenerationSettings s = request.settings();
        if (s.width() > 0) {
            n.put("width", s.width());
        }
        if (s.height() > 0) {
            n.put("height", s.height());
        }
        addExtra(n);
        return n;
    }

    /** The JSON body of an img2img inpainting call. */
    ObjectNode img2imgBody(InpaintRequest request) {
        GenerationSettings s = request.settings();
        ObjectNode n = common(request.prompt(), s);
        RgbImage img = request.image();
        n.putArray("init_images").add(Base64.getEncoder().encodeToString(ImageCodec.png(img)));
        n.put("mask", Base64.getEncoder().encodeToString(ImageCodec.maskPng(request.mask())));
        n.put("denoising_strength", s.strength());
        n.put("mask_blur", maskBlur);
        n.put("inpainting_fill", inpaintingFill);
        n.put("inpaint_full_res", inpaintOnlyMasked);
        n.put("inpaint_full_res_padding", 32);
        n.put("inpainting_mask_invert", 0);
        n.put("resize_mode", 0);
        n.put("include_init_images", false);
        n.put("width", multipleOf8(s.width() > 0 ? s.width() : img.width()));
        n.put("height", multipleOf8(s.height() > 0 ? s.height() : img.height()));
        addExtra(n);
        return n;
    }

    private ObjectNode common(String prompt, GenerationSettings s) {
        ObjectNode n = HttpSupport.JSON.createObjectNode();
        n.put("prompt", prompt);
        n.put("negative_prompt", s.negativePrompt());
        n.put("seed", s.hasSeed() ? s.seed() : -1);
        n.put("steps", s.steps());
        n.put("cfg_scale", s.guidance());
        if (s.sampler() != null) {
            n.put("sampler_name", s.sampler());
        }
        n.put("batch_size", 1);
        n.put("n_iter", 1);
        n.put("send_images", true);
        n.put("save_images", false);
        if (checkpoint != null) {
            n.putObject("override_settings").put("sd_model_checkpoint", checkpoint);
        }
        return n;
    }

    private void addExtra(ObjectNode n) {
        extra.forEach((k, v) -> n.set(k, HttpSupport.JSON.valueToTree(v)));
    }

    static int multipleOf8(int v) {
        return Math.max(64, (v + 4) / 8 * 8);
    }

    private RgbImage call(String path, ObjectNode body) throws GeneratorException {
        URI uri = URI.create(base + path);
        Map<String, String> headers = new LinkedHashMap<>();
        if (basicAuth != null) {
            headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    basicAuth.reveal().getBytes(StandardCharsets.UTF_8)));
        }
        JsonNode answer = http.postJson(uri, body, headers);
        String endpoint = "POST " + uri;
        JsonNode images = answer.path("images");
        if (!images.isArray() || images.isEmpty() || !images.get(0).isTextual()) {
            String detail = answer.has("error") || answer.has("detail") ? ": " + answer.path("error").asText("")
                    + " " + answer.path("detail").toString() : "";
            throw http.fail(endpoint, 200, "answered without an 'images' array of base64 strings" + detail, null);
        }
        return decodeBase64Image(http, endpoint, images.get(0).asText(), "images[0]");
    }

    /** Decodes a base64 image (an optional {@code data:image/...;base64,} prefix is dropped). */
    static RgbImage decodeBase64Image(HttpSupport http, String endpoint, String b64, String field) throws GeneratorException {
        String data = b64;
        int comma = data.indexOf(',');
        if (data.startsWith("data:") && comma > 0) {
            data = data.substring(comma + 1);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data.strip());
        } catch (IllegalArgumentException e) {
            throw http.fail(endpoint, 200, "sent '" + field + "' that is not valid base64 (" + e.getMessage() + ")", e);
        }
        try {
            return ImageCodec.decode(bytes, http.label() + " " + field);
        } catch (ImageException e) {
            throw http.fail(endpoint, 200, "sent '" + field + "' that is not a readable image: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Automatic1111Client[" + base + (checkpoint != null ? ", checkpoint " + checkpoint : "")
                + (basicAuth != null ? ", basic auth" : "") + "]";
    }
}
