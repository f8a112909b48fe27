package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.assertTooLarge;
import static ai.legion.core.config.ConfigTestSupport.boolOr;
import static ai.legion.core.config.ConfigTestSupport.doubleOr;
import static ai.legion.core.config.ConfigTestSupport.edited;
import static ai.legion.core.config.ConfigTestSupport.intOr;
import static ai.legion.core.config.ConfigTestSupport.textOr;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.legion.core.io.CheckpointException;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {

    @TempDir
    Path tmp;

    /** Every field equals the generic parse of the file, or the HF 4.28 default where absent. */
    static void assertMatchesTree(JsonNode t, LlamaConfig c) {
        assertEquals(intOr(t, "vocab_size", 32000), c.vocabSize());
        assertEquals(intOr(t, "hidden_size", 4096), c.hiddenSize());
        assertEquals(intOr(t, "intermediate_size", 11008), c.intermediateSize());
        assertEquals(intOr(t, "num_hidden_layers", 32), c.numHiddenLayers());
        int heads = intOr(t, "num_attention_heads", 32);
        assertEquals(heads, c.numAttentionHeads());
        assertEquals(intOr(t, "num_key_value_heads", heads), c.numKeyValueHeads());
        assertEquals(textOr(t, "hidden_act", "silu"), c.hiddenAct());
        assertEquals(intOr(t, "max_position_embeddings", 2048), c.maxPositionEmbeddings());
        assertEquals(doubleOr(t, "rms_norm_eps", 1e-6), c.rmsNormEps());
        assertEquals(doubleOr(t, "rope_theta", 10000.0), c.ropeTheta());
        assertEquals(boolOr(t, "tie_word_embeddings", false), c.tieWordEmbeddings());
        assertEquals(intOr(t, "bos_token_id", 1), c.bosTokenId());
        assertEquals(intOr(t, "eos_token_id", 2), c.eosTokenId());
        assertEquals(intOr(t, "pad_token_id", 0), c.padTokenId());
        assertEquals(c.hiddenSize() / c.numAttentionHeads(), c.headDim());
        assertEquals(c.numAttentionHeads() / c.numKeyValueHeads(), c.numKeyValueGroups());
        assertEquals(c.numKeyValueHeads() * c.headDim(), c.kvDim());
    }

    @Test
    void readsLlamaFixture() throws Exception {
        Path file = Fixtures.path("parity/llama/config.json");
        LlamaConfig c = LlamaConfig.read(file);
        assertMatchesTree(tree(file), c);
        c.validate();
    }

    @Test
    void readsTheLlmViewOfTheLegionFixture() throws Exception {
        Path file = Fixtures.path("parity/legion_tiny/config.json");
        LlamaConfig c = LlamaConfig.read(file);
        assertMatchesTree(tree(file), c);
        assertEquals(LegionConfig.read(file).llama(), c);
    }

    @Test
    void absentAndNullFieldsTakeTransformers428Defaults() throws Exception {
        Path empty = write(tmp, "config.json", "{\"model_type\": \"llama\", \"some_future_field\": [1, {\"x\": 2}]}");
        LlamaConfig c = LlamaConfig.read(empty);
        assertEquals(new LlamaConfig(32000, 4096, 11008, 32, 32, 32, "silu", 2048, 1e-6, 10000.0, false, 1, 2, 0), c);

        Path nulls = write(tmp, "nulls.json", "{\"num_attention_heads\": 8, \"hidden_size\": 512, \"num_key_value_heads\": null,"
                + " \"rope_scaling\": null, \"rope_theta\": null, \"pad_token_id\": null, \"tie_word_embeddings\": null}");
        LlamaConfig n = LlamaConfig.read(nulls);
        assertEquals(8, n.numKeyValueHeads(), "num_key_value_heads defaults to num_attention_heads");
        assertEquals(64, n.headDim());
        assertEquals(10000.0, n.ropeTheta());
        assertEquals(0, n.padTokenId());
        assertFalse(n.tieWordEmbeddings());
    }

    @Test
    void groupedQueryAttentionIsAccepted() throws Exception {
        Path f = write(tmp, "gqa.json", "{\"hidden_size\": 256, \"num_attention_heads\": 8, \"num_key_value_heads\": 2,"
                + " \"rope_theta\": 500000.0}");
        LlamaConfig c = LlamaConfig.read(f);
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(4, c.numKeyValueGroups());
        assertEquals(64, c.kvDim());
        assertEquals(500000.0, c.ropeTheta());
    }

    @Test
    void invalidValuesNameFileAndField() throws Exception {
        Path src = Fixtures.path("parity/llama/config.json");
        JsonNode t = tree(src);
        int heads = intOr(t, "num_attention_heads", 32);
        int badHidden = heads * 2 + 1;
        Path f1 = edited(tmp, "hidden.json", src, n -> n.put("hidden_size", badHidden));
        assertInvalid(f1, () -> LlamaConfig.read(f1),
                "hidden_size " + badHidden + " is not divisible by num_attention_heads " + heads);

        Path f2 = edited(tmp, "kv.json", src, n -> n.put("num_key_value_heads", heads + 1));
        assertInvalid(f2, () -> LlamaConfig.read(f2), "num_key_value_heads", "num_attention_heads");

        Path f3 = edited(tmp, "act.json", src, n -> n.put("hidden_act", "gelu"));
        assertInvalid(f3, () -> LlamaConfig.read(f3), "hidden_act", "gelu", "silu");

        Path f4 = edited(tmp, "rope.json", src, n -> n.putObject("rope_scaling").put("type", "linear").put("factor", 2.0));
        assertInvalid(f4, () -> LlamaConfig.read(f4), "rope_scaling", "not supported");

        Path f5 = edited(tmp, "vocab.json", src, n -> n.put("vocab_size", 0));
        assertInvalid(f5, () -> LlamaConfig.read(f5), "vocab_size 0");

        Path f6 = edited(tmp, "eos.json", src, n -> n.put("eos_token_id", intOr(t, "vocab_size", 32000)));
        assertInvalid(f6, () -> LlamaConfig.read(f6), "eos_token_id");

        Path f7 = edited(tmp, "eps.json", src, n -> n.put("rms_norm_eps", -1e-5));
        assertInvalid(f7, () -> LlamaConfig.read(f7), "rms_norm_eps");

        // odd head dim: rotary embeddings need pairs
        Path f8 = write(tmp, "odd.json", "{\"hidden_size\": 12, \"num_attention_heads\": 4}");
        assertInvalid(f8, () -> LlamaConfig.read(f8), "head dim", "even");
    }

    @Test
    void sizesFarAboveAnyModelAreRejectedNamingTheKey() throws Exception {
        Path src = Fixtures.path("parity/llama/config.json");
        int g = 1_000_000_000;
        assertTooLarge(tmp, src, "num_hidden_layers", g, LlamaConfig::read, "num_hidden_layers " + g + " exceeds 1024");
        assertTooLarge(tmp, src, "hidden_size", g, LlamaConfig::read, "hidden_size " + g + " exceeds 65536");
        assertTooLarge(tmp, src, "intermediate_size", g, LlamaConfig::read, "intermediate_size " + g + " exceeds");
        assertTooLarge(tmp, src, "vocab_size", g, LlamaConfig::read, "vocab_size " + g + " exceeds " + (1 << 22));
        assertTooLarge(tmp, src, "max_position_embeddings", g, LlamaConfig::read, "max_position_embeddings");
    }

    @Test
    void wrongJsonTypesAreNotCoerced() throws Exception {
        Path s = write(tmp, "string.json", "{\"hidden_size\": \"4096\"}");
        assertInvalid(s, () -> LlamaConfig.read(s), "hidden_size");
        Path f = write(tmp, "float.json", "{\"num_hidden_layers\": 2.5}");
        assertInvalid(f, () -> LlamaConfig.read(f), "num_hidden_layers");
        Path b = write(tmp, "bool.json", "{\"tie_word_embeddings\": 1}");
        assertInvalid(b, () -> LlamaConfig.read(b), "tie_word_embeddings");
    }

    @Test
    void ioAndSyntaxErrorsNameTheFile() throws Exception {
        Path missing = tmp.resolve("absent.json");
        ConfigException e = assertInvalid(missing, () -> LlamaConfig.read(missing), "cannot read");
        assertInstanceOf(CheckpointException.class, e);
        assertNull(e.tensor());

        Path broken = write(tmp, "broken.json", "{\"hidden_size\": 32,");
        assertInvalid(broken, () -> LlamaConfig.read(broken), "malformed JSON");
        Path dup = write(tmp, "dup.json", "{\"hidden_size\": 32, \"hidden_size\": 64}");
        assertInvalid(dup, () -> LlamaConfig.read(dup), "hidden_size");
        Path array = write(tmp, "array.json", "[1, 2]");
        assertInvalid(array, () -> LlamaConfig.read(array), "JSON object");
        Path empty = write(tmp, "empty.json", "");
        assertInvalid(empty, () -> LlamaConfig.read(empty), "empty");
    }

    @Test
    void validateWorksWithoutFile() {
        LlamaConfig bad = new LlamaConfig(100, 30, 64, 2, 4, 4, "silu", 64, 1e-5, 10000.0, false, 1, 2, 0);
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, bad::validate);
        assertEquals("hidden_size 30 is not divisible by num_attention_heads 4", e.getMessage());
        assertNull(e.file());
        Path p = Path.of("x", "config.json");
        ConfigException moved = e.inFile(p);
        assertEquals(p, moved.file());
        assertEquals(p + ": hidden_size 30 is not divisible by num_attention_heads 4", moved.getMessage());
    }
}
