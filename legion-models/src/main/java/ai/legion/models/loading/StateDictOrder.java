package ai.legion.models.loading;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order of {@code torch.nn.Module.state_dict()}: depth first, each module's own parameters and buffers
 * before its submodules, submodules in the order their constructor registered them. The Java blocks
 * declare in upstream constructor order except where listed here (the registration order of transformers
 * 4.28 {@code LlamaDecoderLayer}/{@code LlamaMLP}/{@code CLIPAttention}, SAM's {@code PromptEncoder} and
 * {@code MaskDecoder}, GLaMM's {@code LlavaMetaModel}/{@code GLaMMBaseModel}); the order decides which
 * tensors share a shard.
 */
final class StateDictOrder {

    private static final List<String> CLIP_LAYER = List.of("self_attn", "layer_norm1", "mlp", "layer_norm2");
    private static final List<String> CLIP_ATTENTION = List.of("k_proj", "v_proj", "q_proj", "out_proj");

    private static final Map<String, List<String>> CHILDREN = Map.ofEntries(
            Map.entry("", List.of("model", "lm_head", "prediction_head", "text_model", "vision_model",
                    "visual_projection", "text_projection")),
            Map.entry("model", List.of("embed_tokens", "layers", "norm", "vision_tower", "mm_projector",
                    "region_encoder", "grounding_encoder", "text_hidden_fcs")),
            Map.entry("model.layers.N", List.of("self_attn", "mlp", "input_layernorm", "post_attention_layernorm")),
            Map.entry("model.layers.N.mlp", List.of("gate_proj", "down_proj", "up_proj")),
            Map.entry("model.grounding_encoder.prompt_encoder", List.of("pe_layer", "point_embeddings",
                    "not_a_point_embed", "mask_downscaling", "no_mask_embed")),
            Map.entry("model.grounding_encoder.mask_decoder", List.of("transformer", "iou_token", "mask_tokens",
                    "output_upscaling", "output_hypernetworks_mlps", "iou_prediction_head")),
            Map.entry("text_model", List.of("embeddings", "encoder", "final_layer_norm")),
            Map.entry("vision_model", List.of("embeddings", "pre_layrnorm", "encoder", "post_layernorm")),
            Map.entry("text_model.encoder.layers.N", CLIP_LAYER),
            Map.entry("vision_model.encoder.layers.N", CLIP_LAYER),
            Map.entry("text_model.encoder.layers.N.self_attn", CLIP_ATTENTION),
            Map.entry("vision_model.encoder.layers.N.self_attn", CLIP_ATTENTION));

    private StateDictOrder() {}

    private static final class Node {
        final String path;
        final List<CheckpointMaker.Tensor> leaves = new ArrayList<>();
        final Map<String, Node> children = new LinkedHashMap<>();

        Node(String path) {
            this.path = path;
        }
    }

    static List<CheckpointMaker.Tensor> order(List<CheckpointMaker.Tensor> tensors) {
        Node root = new Node("");
        for (CheckpointMaker.Tensor t : tensors) {
            String[] parts = t.info().name().split("\\.");
            Node n = root;
            for (int i = 0; i < parts.length - 1; i++) {
                String child = n.path.isEmpty() ? parts[i] : n.path + "." + parts[i];
                n = n.children.computeIfAbsent(parts[i], k -> new Node(child));
            }
            n.leaves.add(t);
        }
        List<CheckpointMaker.Tensor> out = new ArrayList<>(tensors.size());
        emit(root, out);
        return out;
    }

    private static void emit(Node n, List<CheckpointMaker.Tensor> out) {
        out.addAll(n.leaves);
        List<String> names = new ArrayList<>(n.children.keySet());
        List<String> preferred = CHILDREN.get(n.path.replaceAll("(^|\\.)\\d+(?=\\.|$)", "$1N"));
        if (preferred != null) {
            names.sort(Comparator.comparingInt(s -> preferred.contains(s) ? preferred.indexOf(s)
                    : preferred.size()));
        }
        for (String name : names) {
            emit(n.children.get(name), out);
        }
    }
}
