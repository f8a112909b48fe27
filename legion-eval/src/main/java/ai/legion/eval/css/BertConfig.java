package ai.legion.eval.css;

import ai.legion.core.config.ConfigException;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * HF {@code BertConfig} (transformers 4.28), the fields {@link BertModel} needs, with upstream's defaults
 * for absent ones (BERT-base). {@code sentence-transformers/paraphrase-MiniLM-L6-v2}: vocab 30522, hidden
 * 384, 6 layers, 12 heads, intermediate 1536, 512 positions, gelu, eps 1e-12.
 *
 * @param vocabSize {@code vocab_size} (default 30522)
 * @param hiddenSize {@code hidden_size} (default 768)
 * @param numHiddenLayers {@code num_hidden_layers} (default 12)
 * @param numAttentionHeads {@code num_attention_heads} (default 12)
 * @param intermediateSize {@code intermediate_size} (default 3072)
 * @param hiddenAct {@code hidden_act}: only {@code "gelu"} (exact erf) is supported (default gelu)
 * @param maxPositionEmbeddings {@code max_position_embeddings} (default 512)
 * @param typeVocabSize {@code type_vocab_size} (default 2)
 * @param layerNormEps {@code layer_norm_eps} (default 1e-12)
 * @param padTokenId {@code pad_token_id} (default 0)
 * @param positionEmbeddingType {@code position_embedding_type}: only {@code "absolute"} (default)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        int maxPositionEmbeddings,
        int typeVocabSize,
        double layerNormEps,
        int padTokenId,
        String positionEmbeddingType) {

    /**
     * Strict like legion-core's config mapper: unknown fields are ignored, but no value is coerced
     * ({@code "32"} or {@code 32.5} for an int is an error, not a different model).
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** Values are checked by {@link #validate()}, so invalid configs can be built and reported. */
    public BertConfig {
        Objects.requireNonNull(hiddenAct, "hiddenAct");
        Objects.requireNonNull(positionEmbeddingType, "positionEmbeddingType");
    }

    @JsonCreator
    static BertConfig fromJson(
            @JsonProperty("vocab_size") Integer vocabSize,
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
            @JsonProperty("num_attention_heads") Integer numAttentionHeads,
            @JsonProperty("intermediate_size") Integer intermediateSize,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
            @JsonProperty("type_vocab_size") Integer typeVocabSize,
            @JsonProperty("layer_norm_eps") Double layerNormEps,
            @JsonProperty("pad_token_id") Integer padTokenId,
            @JsonProperty("position_embedding_type") String positionEmbeddingType) {
        return new BertConfig(
                or(vocabSize, 30522),
                or(hiddenSize, 768),
                or(numHiddenLayers, 12),
                or(numAttentionHeads, 12),
                or(intermediateSize, 3072),
                or(hiddenAct, "gelu"),
                or(maxPositionEmbeddings, 512),
                or(typeVocabSize, 2),
                or(layerNormEps, 1e-12),
                or(padTokenId, 0),
                or(positionEmbeddingType, "absolute"));
    }

    private static <T> T or(T value, T dflt) {
        return value != null ? value : dflt;
    }

    /** The sizes of {@code sentence-transformers/paraphrase-MiniLM-L6-v2}. */
    public static BertConfig paraphraseMiniLmL6() {
        return new BertConfig(30522, 384, 6, 12, 1536, "gelu", 512, 2, 1e-12, 0, "absolute");
    }

    /**
     * Reads and validates a {@code config.json}.
     *
     * @throws ConfigException naming the file (and field) on IO, JSON or validation errors
     */
    public static BertConfig read(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(file, null, "cannot read: " + e, e);
        }
        BertConfig c;
        try {
            c = MAPPER.readValue(bytes, BertConfig.class);
        } catch (ValueInstantiationException e) {
            throw new ConfigException(file, null, "invalid BERT config: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, null, "invalid BERT config JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file, null, "cannot parse: " + e, e);
        }
        if (c == null) {
            throw new ConfigException(file, null, "empty file (expected a JSON object)");
        }
        try {
            c.validate();
        } catch (ConfigException e) {
            throw e.inFile(file);
        }
        return c;
    }

    /**
     * Checks positive sizes, {@code hidden_size % num_attention_heads == 0}, a supported activation and
     * position embedding type, a positive finite eps and a pad id inside the vocabulary.
     */
    public void validate() throws ConfigException {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        positive("type_vocab_size", typeVocabSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw invalid("hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (!"gelu".equals(hiddenAct)) {
            throw invalid("hidden_act \"" + hiddenAct + "\" is not supported (\"gelu\")");
        }
        if (!"absolute".equals(positionEmbeddingType)) {
            throw invalid("position_embedding_type \"" + positionEmbeddingType + "\" is not supported (\"absolute\")");
        }
        if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps)) {
            throw invalid("layer_norm_eps " + layerNormEps + " must be a positive finite number");
        }
        if (padTokenId < 0 || padTokenId >= vocabSize) {
            throw invalid("pad_token_id " + padTokenId + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    private static void positive(String field, int value) throws ConfigException {
        if (value <= 0) {
            throw invalid(field + " " + value + " must be positive");
        }
    }

    private static ConfigException invalid(String message) {
        return new ConfigException(null, null, message);
    }

    /** Per-head width {@code hidden_size / num_attention_heads}. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
