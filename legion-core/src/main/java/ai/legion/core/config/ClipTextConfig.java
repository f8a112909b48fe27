package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.MAX_LAYERS;
import static ai.legion.core.config.ConfigJson.MAX_MLP_WIDTH;
import static ai.legion.core.config.ConfigJson.MAX_POSITIONS;
import static ai.legion.core.config.ConfigJson.MAX_VOCAB;
import static ai.legion.core.config.ConfigJson.MAX_WIDTH;
import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.requireAtMost;
import static ai.legion.core.config.ConfigJson.requireDivisible;
import static ai.legion.core.config.ConfigJson.requirePositive;
import static ai.legion.core.config.ConfigJson.requirePositiveFinite;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * HF {@code CLIPTextConfig} (transformers 4.28 {@code models/clip/configuration_clip.py}): CLIP's text tower, used
 * here only to pretrain a vision tower contrastively. Absent fields take HF's defaults.
 *
 * @param vocabSize {@code vocab_size} (default 49408, CLIP's BPE; any tokenizer's size works for a tower trained
 *     from scratch)
 * @param hiddenSize {@code hidden_size} (default 512)
 * @param intermediateSize {@code intermediate_size} (default 2048)
 * @param numHiddenLayers {@code num_hidden_layers} (default 12)
 * @param numAttentionHeads {@code num_attention_heads} (default 8)
 * @param maxPositionEmbeddings {@code max_position_embeddings}: the context length (default 77)
 * @param hiddenAct {@code hidden_act} (default quick_gelu)
 * @param layerNormEps {@code layer_norm_eps} (default 1e-5)
 * @param projectionDim {@code projection_dim} (default 512)
 * @param padTokenId {@code pad_token_id} (default 1)
 * @param bosTokenId {@code bos_token_id} (default 0)
 * @param eosTokenId {@code eos_token_id} (default 2): the text is pooled at its first occurrence
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClipTextConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("num_hidden_layers") int numHiddenLayers,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("layer_norm_eps") double layerNormEps,
        @JsonProperty("projection_dim") int projectionDim,
        @JsonProperty("pad_token_id") int padTokenId,
        @JsonProperty("bos_token_id") int bosTokenId,
        @JsonProperty("eos_token_id") int eosTokenId) implements ClipEncoderConfig {

    /** Values are checked by {@link #validate()}, so invalid configs can be built and reported. */
    public ClipTextConfig {
        Objects.requireNonNull(hiddenAct, "hiddenAct");
    }

    @JsonCreator
    private static ClipTextConfig fromJson(
            @JsonProperty("vocab_size") Integer vocabSize,
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("intermediate_size") Integer intermediateSize,
            @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
            @JsonProperty("num_attention_heads") Integer numAttentionHeads,
            @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("layer_norm_eps") Double layerNormEps,
            @JsonProperty("projection_dim") Integer projectionDim,
            @JsonProperty("pad_token_id") Integer padTokenId,
            @JsonProperty("bos_token_id") Integer bosTokenId,
            @JsonProperty("eos_token_id") Integer eosTokenId) {
        return new ClipTextConfig(or(vocabSize, 49408), or(hiddenSize, 512), or(intermediateSize, 2048),
                or(numHiddenLayers, 12), or(numAttentionHeads, 8), or(maxPositionEmbeddings, 77),
                or(hiddenAct, "quick_gelu"), or(layerNormEps, 1e-5), or(projectionDim, 512), or(padTokenId, 1),
                or(bosTokenId, 0), or(eosTokenId, 2));
    }

    /** Checks sizes, divisibility, the activation, eps and that the special ids fall inside the vocabulary. */
    @Override
    public void validate() throws ConfigException {
        requirePositive("", "vocab_size hidden_size intermediate_size num_hidden_layers num_attention_heads"
                + " max_position_embeddings projection_dim", vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
                numAttentionHeads, maxPositionEmbeddings, projectionDim);
        requireAtMost("vocab_size", vocabSize, MAX_VOCAB);
        requireAtMost("num_hidden_layers", numHiddenLayers, MAX_LAYERS);
        requireAtMost("", "hidden_size num_attention_heads projection_dim", MAX_WIDTH, hiddenSize, numAttentionHeads,
                projectionDim);
        requireAtMost("intermediate_size", intermediateSize, MAX_MLP_WIDTH);
        requireAtMost("max_position_embeddings", maxPositionEmbeddings, MAX_POSITIONS);
        requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        if (!"quick_gelu".equals(hiddenAct) && !"gelu".equals(hiddenAct)) {
            throw invalid("hidden_act \"" + hiddenAct + "\" is not supported (\"quick_gelu\" or \"gelu\")");
        }
        requirePositiveFinite("layer_norm_eps", layerNormEps);
        for (int id : new int[] {padTokenId, bosTokenId, eosTokenId}) {
            if (id < 0 || id >= vocabSize) {
                throw invalid("special token ids (pad " + padTokenId + ", bos " + bosTokenId + ", eos " + eosTokenId
                        + ") must be in [0, vocab_size " + vocabSize + ")");
            }
        }
    }
}
