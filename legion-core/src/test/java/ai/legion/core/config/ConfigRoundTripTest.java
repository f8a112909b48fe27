package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.JSON;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records serialized by a plain Jackson mapper use the upstream snake_case keys (LEGION flat, with
 * the LLaMA fields unwrapped), carry no derived values, and read back equal.
 */
class ConfigRoundTripTest {

    @TempDir
    Path tmp;

    private Path dump(String name, Object value) throws Exception {
        return write(tmp, name, JSON.writeValueAsString(value));
    }

    @Test
    void recordsRoundTripThroughTheirUpstreamFormat() throws Exception {
        LegionConfig legion = LegionConfig.read(Fixtures.path("parity/legion_tiny/config.json"));
        Path l = dump("legion.json", legion);
        assertEquals(legion, LegionConfig.read(l));
        JsonNode lt = JSON.readTree(l.toFile());
        assertTrue(lt.has("hidden_size") && lt.has("mm_hidden_size") && lt.has("vision_tower"), lt.toString());
        assertFalse(lt.has("llama") || lt.has("headDim") || lt.has("head_dim") || lt.has("projectorDepth"), lt.toString());

        LlamaConfig llama = LlamaConfig.read(Fixtures.path("parity/llama/config.json"));
        assertEquals(llama, LlamaConfig.read(dump("llama.json", llama)));

        ClipVisionConfig clip = ClipVisionConfig.read(Fixtures.path("parity/clip_vision/config.json"));
        Path c = dump("clip.json", clip);
        assertEquals(clip, ClipVisionConfig.read(c));
        assertFalse(JSON.readTree(c.toFile()).has("num_patches"));

        ClipImageProcessorConfig pre = ClipImageProcessorConfig.read(Fixtures.path("parity/clip_vision/preprocessor_config.json"));
        Path p = dump("pre.json", pre);
        assertEquals(pre, ClipImageProcessorConfig.read(p));
        assertTrue(JSON.readTree(p.toFile()).get("size").has("shortest_edge"));

        SamConfig sam = SamConfig.read(Fixtures.path("parity/sam/config.json"));
        assertEquals(sam, SamConfig.read(dump("sam.json", sam)));

        LoraConfig lora = LoraConfig.read(Fixtures.path("parity/llama/adapter_config.json"));
        assertEquals(lora, LoraConfig.read(dump("lora.json", lora)));

        AddedTokens tokens = AddedTokens.read(Fixtures.path("parity/legion_tiny/added_tokens.json"));
        assertEquals(tokens, AddedTokens.read(dump("added.json", tokens)));

        LegionConfig legion7B = Presets.legion7B();
        assertEquals(legion7B, LegionConfig.read(dump("legion7b.json", legion7B)));
        for (ClipVisionConfig tower : List.of(Presets.clipL336(), Presets.clipH14())) {
            assertEquals(tower, ClipVisionConfig.read(dump("tower.json", tower)));
        }
        SamConfig vitH = Presets.samVitH();
        assertEquals(vitH, SamConfig.read(dump("vit_h.json", vitH)));
    }
}
