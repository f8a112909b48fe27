package ai.legion.core.config;

import static ai.legion.core.config.ConfigJson.invalid;
import static ai.legion.core.config.ConfigJson.or;
import static ai.legion.core.config.ConfigJson.MAX_LAYERS;
import static ai.legion.core.config.ConfigJson.MAX_MLP_WIDTH;
import static ai.legion.core.config.ConfigJson.MAX_POSITIONS;
import static ai.legion.core.config.ConfigJson.MAX_VOCAB;
import static ai.legion.core.config.ConfigJson.MAX_WIDTH;
import static ai.legion.core.config.ConfigJson.requireAtMost;
import static ai.legion.core.config.ConfigJson.requireDivisible;
import static ai.legion.core.config.ConfigJson.requirePositive;
import static ai.legion.core.config.ConfigJson.requirePositiveFinite;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The LLaMA/Vicuna part of an HF {@code config.json} ({@code LlamaConfig} of transformers 4.28; also
 * the flat LLM fields of a LEGION/GLaMM {@code "llava"} config, see {@link LegionConfig#llama()}).
 *
 * <p>Absent fields take the transformers 4.28 class defaults (given per field below); the fields that
 * 4.28 does not know ({@code num_key_value_heads}, {@code rope_theta}, {@code rope_scaling}) take the
 * values that reproduce 4.28's behaviour. An explicit JSON {@code null} counts as absent.
 * {@code rope_scaling} is not stored: any value other than null is rejected when reading, because
 * 4.28 has no RoPE scaling.
 *
 * @param vocabSize {@code vocab_size}: rows of {@code embed_tokens} and {@code lm_head} (default 32000;
 *     LEGION 32007 after adding its 7 tokens)
 * @param hiddenSize {@code hidden_size}: model width (default 4096)
 * @param intermediateSize {@code intermediate_size}: SwiGLU MLP width (default 11008)
 * @param numHiddenLayers {@code num_hidden_layers}: decoder layers (default 32)
 * @param numAttentionHeads {@code num_attention_heads}: query heads (default 32)
 * @param numKeyValueHeads {@code num_key_value_heads}: key/value heads, fewer than the query heads for
 *     grouped-query attention (default: {@code num_attention_heads}, i.e. plain multi-head attention)
 * @param hiddenAct {@code hidden_act}: MLP activation; only {@code "silu"} is supported (default silu)
 * @param maxPositionEmbeddings {@code max_position_embeddings}: rotary cache length (default 2048)
 * @param rmsNormEps {@code rms_norm_eps}: RMSNorm epsilon (default 1e-6; Vicuna v1.5 uses 1e-5)
 * @param ropeTheta {@code rope_theta}: rotary base (default 10000, the constant hard-wired in 4.28)
 * @param tieWordEmbeddings {@code tie_word_embeddings}: whether {@code lm_head} shares the embedding
 *     matrix (default false)
 * @param bosTokenId {@code bos_token_id} (default 1)
 * @param eosTokenId {@code eos_token_id} (default 2)
 * @param padTokenId {@code pad_token_id} (default 0)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LlamaConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("num_hidden_layers") int numHiddenLayers,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("num_key_value_heads") int numKeyValueHeads,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
        @JsonProperty("rms_norm_eps") double rmsNormEps,
        @JsonProperty("rope_theta") double ropeTheta,
        @JsonProperty("tie_word_embeddings") boolean tieWordEmbeddings,
        @JsonProperty("bos_token_id") int bosTokenId,
        @JsonProperty("eos_token_id") int eosTokenId,
        @JsonProperty("pad_token_id") int padTokenId) {

    /** transformers 4.28 {@code LlamaConfig} defaults. */
    public static final int DEFAULT_VOCAB_SIZE = 32000;
    public static final int DEFAULT_HIDDEN_SIZE = 4096;
    public static final int DEFAULT_INTERMEDIATE_SIZE = 11008;
    public static final int DEFAULT_NUM_HIDDEN_LAYERS = 32;
    public static final int DEFAULT_NUM_ATTENTION_HEADS = 32;
    public static final String DEFAULT_HIDDEN_ACT = "silu";
    public static final int DEFAULT_MAX_POSITION_EMBEDDINGS = 2048;
    public static final double DEFAULT_RMS_NORM_EPS = 1e-6;
    public static final double DEFAULT_ROPE_THETA = 10000.0;
    public static final int DEFAULT_BOS_TOKEN_ID = 1;
    public static final int DEFAULT_EOS_TOKEN_ID = 2;
    public static final int DEFAULT_PAD_TOKEN_ID = 0;

    /** Values are checked by {@link #validate()}, not here, so invalid configs can be built and reported. */
    public LlamaConfig {
        Objects.requireNonNull(hiddenAct, "hiddenAct");
    }

    @JsonCreator
    private static LlamaConfig fromJson(
            @JsonProperty("vocab_size") Integer vocabSize,
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("intermediate_size") Integer intermediateSize,
            @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
            @JsonProperty("num_attention_heads") Integer numAttentionHeads,
            @JsonProperty("num_key_value_heads") Integer numKeyValueHeads,
            @JsonProperty("hidden_act") String hiddenAct,
            @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
            @JsonProperty("rms_norm_eps") Double rmsNormEps,
            @JsonProperty("rope_theta") Double ropeTheta,
            @JsonProperty("rope_scaling") Object ropeScaling,
            @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings,
            @JsonProperty("bos_token_id") Integer bosTokenId,
            @JsonProperty("eos_token_id") Integer eosTokenId,
            @JsonProperty("pad_token_id") Integer padTokenId) {
        if (ropeScaling != null) {
            throw new ConfigJson.InvalidField("rope_scaling", ropeScaling
                    + " is not supported (only null/absent: LLaMA of transformers 4.28 has no RoPE scaling)");
        }
        int heads = or(numAttentionHeads, DEFAULT_NUM_ATTENTION_HEADS);
        return new LlamaConfig(
                or(vocabSize, DEFAULT_VOCAB_SIZE),
                or(hiddenSize, DEFAULT_HIDDEN_SIZE),
                or(intermediateSize, DEFAULT_INTERMEDIATE_SIZE),
                or(numHiddenLayers, DEFAULT_NUM_HIDDEN_LAYERS),
                heads,
                or(numKeyValueHeads, heads),
                or(hiddenAct, DEFAULT_HIDDEN_ACT),
                or(maxPositionEmbeddings, DEFAULT_MAX_POSITION_EMBEDDINGS),
                or(rmsNormEps, DEFAULT_RMS_NORM_EPS),
                or(ropeTheta, DEFAULT_ROPE_THETA),
                or(tieWordEmbeddings, false),
                or(bosTokenId, DEFAULT_BOS_TOKEN_ID),
                or(eosTokenId, DEFAULT_EOS_TOKEN_ID),
                or(padTokenId, DEFAULT_PAD_TOKEN_ID));
    }

    /**
     * Reads and validates an HF LLaMA {@code config.json} (a LEGION/GLaMM config works too: its extra
     * fields are ignored).
     *
     * @throws ConfigException naming the file (and field) if it cannot be read, is malformed, or
     *     fails {@link #validate()}
     */
    public static LlamaConfig read(Path file) throws ConfigException {
        return ConfigJson.readValidated(file, LlamaConfig.class, LlamaConfig::validate);
    }

    /**
     * Checks that the values describe a model this implementation can build: positive sizes, heads
     * dividing the width, query heads a multiple of the KV heads, an even head dim (rotary pairs), sizes
     * below generous upper bounds (at most 1024 layers, widths 65536, vocabulary 2^22),
     * SiLU, positive finite eps/theta, token ids inside the vocabulary.
     *
     * @throws ConfigException naming the field (no file: {@link #read} adds it)
     */
    public void validate() throws ConfigException {
        requirePositive("", "vocab_size hidden_size intermediate_size num_hidden_layers num_attention_heads"
                + " num_key_value_heads max_position_embeddings", vocabSize, hiddenSize, intermediateSize,
                numHiddenLayers, numAttentionHeads, numKeyValueHeads, maxPositionEmbeddings);
        requireAtMost("num_hidden_layers", numHiddenLayers, MAX_LAYERS);
        requireAtMost("", "hidden_size num_attention_heads num_key_value_heads", MAX_WIDTH, hiddenSize,
                numAttentionHeads, numKeyValueHeads);
        requireAtMost("intermediate_size", intermediateSize, MAX_MLP_WIDTH);
        requireAtMost("vocab_size", vocabSize, MAX_VOCAB);
        requireAtMost("max_position_embeddings", maxPositionEmbeddings, MAX_POSITIONS);
        requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        requireDivisible("num_attention_heads", numAttentionHeads, "num_key_value_heads", numKeyValueHeads);
        if (headDim() % 2 != 0) {
            throw invalid("head dim hidden_size/num_attention_heads = " + headDim()
                    + " must be even (rotary embeddings rotate halves)");
        }
        if (!"silu".equals(hiddenAct)) {
            throw invalid("hidden_act \"" + hiddenAct + "\" is not supported (only \"silu\")");
        }
        requirePositiveFinite("rms_norm_eps", rmsNormEps);
        requirePositiveFinite("rope_theta", ropeTheta);
        requireTokenId("bos_token_id", bosTokenId);
        requireTokenId("eos_token_id", eosTokenId);
        requireTokenId("pad_token_id", padTokenId);
    }

    private void requireTokenId(String field, int id) throws ConfigException {
        if (id < 0 || id >= vocabSize) {
            throw invalid(field + " " + id + " is outside the vocabulary [0, vocab_size " + vocabSize + ")");
        }
    }

    /** These sizes with {@code layers} decoder layers. */
    public LlamaConfig withNumHiddenLayers(int layers) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, layers, numAttentionHeads, numKeyValueHeads,
                hiddenAct, maxPositionEmbeddings, rmsNormEps, ropeTheta, tieWordEmbeddings, bosTokenId, eosTokenId,
                padTokenId);
    }

    /** Per-head width: {@code hidden_size / num_attention_heads} (128 for LLaMA-7B). */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Query heads sharing one key/value head: {@code num_attention_heads / num_key_value_heads}. */
    public int numKeyValueGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Output width of {@code k_proj}/{@code v_proj}: {@code num_key_value_heads * headDim()}. */
    public int kvDim() {
        return numKeyValueHeads * headDim();
    }
}
