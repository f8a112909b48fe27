package ai.legion.refine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ComfyUI workflow in API format (the graph {@code {"<node id>": {"class_type": ..., "inputs": {...}}}}
 * that "Save (API Format)" exports; a {@code {"prompt": graph}} wrapper is accepted) with placeholders.
 *
 * <p>A placeholder is {@code {{name}}} inside a JSON string. A string that is exactly one placeholder is
 * replaced by the value with its JSON type (so {@code "seed": "{{seed}}"} becomes a number); a placeholder
 * inside a longer string is replaced by the value's text. Names the clients fill in: {@code prompt},
 * {@code negative_prompt}, {@code seed}, {@code steps}, {@code cfg}, {@code denoise}, {@code sampler},
 * {@code width}, {@code height}, {@code image} and {@code mask} (uploaded file names), {@code checkpoint},
 * plus any variable given to {@link ComfyUiClient.Builder#variable}. A placeholder without a value is an
 * error naming it.
 */
public final class ComfyWorkflow {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z_][A-Za-z0-9_]*)}}");

    private final String name;
    private final ObjectNode graph;
    private final Set<String> placeholders;

    private ComfyWorkflow(String name, ObjectNode graph) {
        this.name = name;
        this.graph = graph;
        Set<String> found = new LinkedHashSet<>();
        collect(graph, found);
        this.placeholders = Set.copyOf(found);
    }

    /**
     * Reads a workflow file.
     *
     * @throws IllegalArgumentException naming the file when it is unreadable or not an API-format graph
     */
    public static ComfyWorkflow read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read ComfyUI workflow " + file + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses a workflow.
     *
     * @param name what to call it in errors
     * @throws IllegalArgumentException naming it when it is not JSON or not an API-format graph
     */
    public static ComfyWorkflow parse(String json, String name) {
        JsonNode root;
        try {
            root = HttpSupport.JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("ComfyUI workflow " + name + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root != null && root.isObject() && root.path("prompt").isObject()) {
            root = root.get("prompt");
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new IllegalArgumentException("ComfyUI workflow " + name + " must be a JSON object of nodes");
        }
        if (root.has("nodes") && root.has("links")) {
            throw new IllegalArgumentException("ComfyUI workflow " + name + " is in the UI format (it has 'nodes' and"
                    + " 'links'): export it with 'Save (API Format)' (enable dev mode options in the settings)");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode node = e.getValue();
            if (!node.isObject() || !node.path("class_type").isTextual() || !node.path("inputs").isObject()) {
                throw new IllegalArgumentException("ComfyUI workflow " + name + ": node '" + e.getKey()
                        + "' needs a 'class_type' string and an 'inputs' object");
            }
        }
        return new ComfyWorkflow(name, (ObjectNode) root.deepCopy());
    }

    /** The file name or label the workflow came from. */
    public String name() {
        return name;
    }

    /** The placeholder names the workflow uses. */
    public Set<String> placeholders() {
        return placeholders;
    }

    /** Ids of the {@code SaveImage} nodes, in file order (where the result is looked for first). */
    public List<String> saveImageNodes() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : graph.properties()) {
            if ("SaveImage".equals(e.getValue().path("class_type").asText())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Whether the graph has a node with id {@code id}. */
    public boolean hasNode(String id) {
        return graph.has(id);
    }

    /**
     * The graph with every placeholder replaced.
     *
     * @param values values by placeholder name: strings, numbers or booleans
     * @throws IllegalArgumentException naming the workflow and the placeholder that has no value
     */
    public ObjectNode render(Map<String, ?> values) {
        for (String p : placeholders) {
            if (values.get(p) == null) {
                throw new IllegalArgumentException("ComfyUI workflow " + name + " uses {{" + p + "}} but no value is set"
                        + " for it");
            }
        }
        return (ObjectNode) substitute(graph.deepCopy(), values);
    }

    private static JsonNode substitute(JsonNode n, Map<String, ?> values) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                o.set(k, substitute(o.get(k), values));
            }
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = (ArrayNode) n;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, substitute(a.get(i), values));
            }
            return a;
        }
        if (n.isTextual()) {
            String s = n.asText();
            Matcher whole = PLACEHOLDER.matcher(s);
            if (whole.matches()) {
                return HttpSupport.JSON.valueToTree(values.get(whole.group(1)));
            }
            Matcher m = PLACEHOLDER.matcher(s);
            if (m.find()) {
                StringBuilder sb = new StringBuilder();
                m.reset();
                while (m.find()) {
                    m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(values.get(m.group(1)))));
                }
                m.appendTail(sb);
                return TextNode.valueOf(sb.toString());
            }
        }
        return n;
    }

    private static void collect(JsonNode n, Set<String> out) {
        if (n.isContainerNode()) {
            n.forEach(c -> collect(c, out));
        } else if (n.isTextual()) {
            Matcher m = PLACEHOLDER.matcher(n.asText());
            while (m.find()) {
                out.add(m.group(1));
            }
        }
    }

    /**
     * The built-in text-to-image graph: checkpoint loader ({@code {{checkpoint}}}), positive and negative
     * {@code CLIPTextEncode}, {@code EmptyLatentImage} ({@code {{width}}} x {@code {{height}}}), {@code KSampler}
     * (seed, steps, cfg, sampler, scheduler "normal", denoise 1), {@code VAEDecode}, {@code SaveImage}.
     */
    public static ComfyWorkflow defaultTxt2Img() {
        return parse("""
                {
                  "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "{{checkpoint}}"}},
                  "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["1", 1]}},
                  "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt}}", "clip": ["1", 1]}},
                  "4": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1}},
                  "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0],
                        "latent_image": ["4", 0], "seed": "{{seed}}", "steps": "{{steps}}", "cfg": "{{cfg}}",
                        "sampler_name": "{{sampler}}", "scheduler": "normal", "denoise": 1.0}},
                  "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
                  "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "legion_regen"}}
                }
                """, "built-in txt2img");
    }

    /**
     * The built-in inpainting graph. {@link ComfyUiClient.MaskMode#ALPHA}: {@code LoadImage} of the uploaded
     * image whose alpha holds the mask (its {@code MASK} output); {@link ComfyUiClient.MaskMode#SEPARATE}:
     * {@code LoadImage} plus {@code LoadImageMask} (red channel) of the mask file. Then
     * {@code InpaintModelConditioning} (noise mask), {@code KSampler} with {@code {{denoise}}}, {@code VAEDecode},
     * {@code SaveImage}.
     */
    public static ComfyWorkflow defaultInpaint(ComfyUiClient.MaskMode mode) {
        String mask = mode == ComfyUiClient.MaskMode.ALPHA ? "[\"4\", 1]" : "[\"9\", 0]";
        String maskNode = mode == ComfyUiClient.MaskMode.ALPHA ? ""
                : ",\n  \"9\": {\"class_type\": \"LoadImageMask\", \"inputs\": {\"image\": \"{{mask}}\", \"channel\": \"red\"}}";
        return parse("""
                {
                  "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "{{checkpoint}}"}},
                  "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["1", 1]}},
                  "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt}}", "clip": ["1", 1]}},
                  "4": {"class_type": "LoadImage", "inputs": {"image": "{{image}}"}},
                  "5": {"class_type": "InpaintModelConditioning", "inputs": {"positive": ["2", 0], "negative": ["3", 0],
                        "vae": ["1", 2], "pixels": ["4", 0], "mask": %s, "noise_mask": true}},
                  "6": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["5", 0], "negative": ["5", 1],
                        "latent_image": ["5", 2], "seed": "{{seed}}", "steps": "{{steps}}", "cfg": "{{cfg}}",
                        "sampler_name": "{{sampler}}", "scheduler": "normal", "denoise": "{{denoise}}"}},
                  "7": {"class_type": "VAEDecode", "inputs": {"samples": ["6", 0], "vae": ["1", 2]}},
                  "8": {"class_type": "SaveImage", "inputs": {"images": ["7", 0], "filename_prefix": "legion_inpaint"}}%s
                }
                """.formatted(mask, maskNode), "built-in inpaint (" + mode.name().toLowerCase(java.util.Locale.ROOT) + " mask)");
    }

    @Override
    public String toString() {
        return "ComfyWorkflow[" + name + ", placeholders " + placeholders + "]";
    }
}
