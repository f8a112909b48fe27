package ai.legion.core.config;

/**
 * What CLIP's transformer encoder needs from a tower config: HF {@code CLIPEncoder} is the same module in
 * {@code CLIPVisionTransformer} and {@code CLIPTextTransformer}, sized by the fields both
 * {@link ClipVisionConfig} and {@link ClipTextConfig} carry.
 */
public interface ClipEncoderConfig {

    /** {@code hidden_size}. */
    int hiddenSize();

    /** {@code intermediate_size}: MLP width. */
    int intermediateSize();

    /** {@code num_hidden_layers}. */
    int numHiddenLayers();

    /** {@code num_attention_heads}. */
    int numAttentionHeads();

    /** {@code hidden_act}: {@code "quick_gelu"} or {@code "gelu"}. */
    String hiddenAct();

    /** {@code layer_norm_eps}. */
    double layerNormEps();

    /** Per-head width: {@code hidden_size / num_attention_heads}. */
    default int headDim() {
        return hiddenSize() / numAttentionHeads();
    }

    /**
     * Checks every field.
     *
     * @throws ConfigException naming the field
     */
    void validate() throws ConfigException;
}
