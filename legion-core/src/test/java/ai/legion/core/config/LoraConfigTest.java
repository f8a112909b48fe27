package ai.legion.core.config;

import static ai.legion.core.config.ConfigTestSupport.assertInvalid;
import static ai.legion.core.config.ConfigTestSupport.boolOr;
import static ai.legion.core.config.ConfigTestSupport.doubleOr;
import static ai.legion.core.config.ConfigTestSupport.edited;
import static ai.legion.core.config.ConfigTestSupport.intOr;
import static ai.legion.core.config.ConfigTestSupport.textOr;
import static ai.legion.core.config.ConfigTestSupport.texts;
import static ai.legion.core.config.ConfigTestSupport.tree;
import static ai.legion.core.config.ConfigTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraConfigTest {

    @TempDir
    Path tmp;

    private static Path adapterConfig() {
        return Fixtures.path("parity/llama/adapter_config.json");
    }

    @Test
    void readsAdapterFixture() throws Exception {
        Path file = adapterConfig();
        JsonNode t = tree(file);
        LoraConfig c = LoraConfig.read(file);
        assertEquals(t.get("peft_type").textValue(), c.peftType());
        assertEquals(intOr(t, "r", 8), c.r());
        assertEquals(intOr(t, "lora_alpha", 8), c.loraAlpha());
        assertEquals(doubleOr(t, "lora_dropout", 0.0), c.loraDropout());
        assertEquals(textOr(t, "bias", "none"), c.bias());
        assertEquals(textOr(t, "task_type", null), c.taskType());
        assertEquals(boolOr(t, "fan_in_fan_out", false), c.fanInFanOut());
        assertEquals(boolOr(t, "inference_mode", false), c.inferenceMode());
        assertEquals(textOr(t, "base_model_name_or_path", null), c.baseModelNameOrPath());
        JsonNode save = t.get("modules_to_save");
        assertEquals(save == null || save.isNull() ? null : texts(save), c.modulesToSave());
        JsonNode targets = t.get("target_modules");
        if (targets.isArray()) {
            assertEquals(texts(targets), c.targetModules().names());
            assertNull(c.targetModules().regex());
            for (String name : texts(targets)) {
                assertTrue(c.targets(name), name);
                assertTrue(c.targets("base_model.model." + name), name);
                assertFalse(c.targets(name + "x"), name);
                assertFalse(c.targets(name + ".lora_A"), name);
            }
        } else {
            assertEquals(targets.textValue(), c.targetModules().regex());
        }
        assertEquals((double) c.loraAlpha() / c.r(), c.scaling());
    }

    /** Every module with LoRA weights in the fixture adapter is targeted by the fixture config. */
    @Test
    void adapterWeightsBelongToTargetedModules() throws Exception {
        LoraConfig c = LoraConfig.read(adapterConfig());
        Path weights = Fixtures.path("parity/llama/adapter_model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            int adapters = 0;
            for (String key : f.keys()) {
                int i = key.indexOf(".lora_A.");
                if (i < 0) {
                    continue;
                }
                adapters++;
                String module = key.substring(0, i);
                assertTrue(c.targets(module), module);
                long[] a = f.info(key).shape();
                assertEquals(c.r(), a[0], key);
            }
            assertTrue(adapters > 0);
        }
    }

    @Test
    void listTargetsUsePeft05SuffixSemantics() throws Exception {
        LoraConfig c = LoraConfig.legionDefault(List.of("q_proj", "v_proj"));
        assertTrue(c.targets("q_proj"));
        assertTrue(c.targets("model.layers.0.self_attn.q_proj"));
        assertTrue(c.targets("base_model.model.model.layers.31.self_attn.v_proj"));
        assertFalse(c.targets("model.layers.0.self_attn.k_proj"));
        assertFalse(c.targets("model.layers.0.self_attn.xq_proj"), "suffix must start at a dot");
        assertFalse(c.targets("model.layers.0.self_attn.q_proj.lora_A"), "must end with the target");
        assertFalse(c.targets("model.layers.0.self_attn.q_proj_extra"));

        LoraConfig dotted = LoraConfig.legionDefault(List.of("self_attn.q_proj", "model.layers.1.mlp.up_proj"));
        assertTrue(dotted.targets("model.layers.5.self_attn.q_proj"));
        assertFalse(dotted.targets("model.layers.5.cross_attn.q_proj"));
        assertTrue(dotted.targets("model.layers.1.mlp.up_proj"), "equal to the target");
        assertFalse(dotted.targets("model.layers.11.mlp.up_proj"), "'1.mlp' is not a dotted suffix of '11.mlp'");
    }

    @Test
    void stringTargetIsAFullMatchRegex() throws Exception {
        Path f = write(tmp, "adapter_config.json", "{\"peft_type\": \"LORA\","
                + " \"target_modules\": \".*layers\\\\.\\\\d+\\\\.self_attn\\\\.(q|v)_proj\"}");
        LoraConfig c = LoraConfig.read(f);
        assertNull(c.targetModules().names());
        assertEquals(List.of(), c.targetNames());
        assertTrue(c.targets("model.layers.3.self_attn.q_proj"));
        assertTrue(c.targets("model.layers.3.self_attn.v_proj"));
        assertFalse(c.targets("model.layers.3.self_attn.k_proj"));
        assertFalse(c.targets("model.layers.3.self_attn.q_proj.weight"), "full match, not search");
        assertFalse(c.targets("q_proj"));

        Path bad = write(tmp, "bad.json", "{\"peft_type\": \"LORA\", \"target_modules\": \"(q|v\"}");
        assertInvalid(bad, () -> LoraConfig.read(bad), "target_modules");
    }

    @Test
    void legionDefaultMatchesSpec() throws Exception {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            targets.add("model.layers." + i + ".self_attn.q_proj");
            targets.add("model.layers." + i + ".self_attn.v_proj");
        }
        LoraConfig c = LoraConfig.legionDefault(targets);
        c.validate();
        assertEquals("LORA", c.peftType());
        assertEquals(8, c.r());
        assertEquals(16, c.loraAlpha());
        assertEquals(0.05, c.loraDropout());
        assertEquals(2.0, c.scaling());
        assertEquals("none", c.bias());
        assertEquals("CAUSAL_LM", c.taskType());
        assertEquals(64, c.targetNames().size());
        assertTrue(c.targets("model.layers.31.self_attn.v_proj"));
        assertFalse(c.targets("model.layers.31.self_attn.o_proj"));
    }

    @Test
    void writeThenReadRoundTrips() throws Exception {
        LoraConfig c = LoraConfig.legionDefault(List.of("q_proj", "v_proj"));
        Path f = tmp.resolve("out/adapter_config.json");
        c.write(f);
        assertEquals(c, LoraConfig.read(f));
        JsonNode t = tree(f);
        assertEquals("LORA", t.get("peft_type").textValue());
        assertEquals(16, t.get("lora_alpha").intValue());
        assertTrue(t.get("target_modules").isArray());
        assertTrue(Files.readString(f).contains("\n  "), "pretty-printed");
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary files left behind");
        }

        LoraConfig regex = new LoraConfig("LORA", 4, 8, 0.0, LoraConfig.TargetModules.regex(".*q_proj"), "none", null,
                false, List.of("lm_head"), true, "base");
        Path g = tmp.resolve("regex.json");
        regex.write(g);
        assertTrue(tree(g).get("target_modules").isTextual());
        assertEquals(regex, LoraConfig.read(g));

        LoraConfig invalid = new LoraConfig("LORA", 0, 8, 0.0, LoraConfig.TargetModules.of(List.of("q_proj")), "none",
                null, false, null, false, null);
        Path h = tmp.resolve("invalid.json");
        CheckpointException e = assertThrows(ConfigException.class, () -> invalid.write(h));
        assertTrue(e.getMessage().contains("r 0") && e.getMessage().contains("invalid.json"), e.getMessage());
        assertFalse(Files.exists(h));
    }

    @Test
    void absentFieldsTakePeft05Defaults() throws Exception {
        Path f = write(tmp, "adapter_config.json", "{\"peft_type\": \"LORA\", \"revision\": null, \"init_lora_weights\": true}");
        LoraConfig c = LoraConfig.read(f);
        assertEquals(new LoraConfig("LORA", 8, 8, 0.0, LoraConfig.TargetModules.of(List.of("q_proj", "v_proj")), "none",
                null, false, null, false, null), c);
        assertEquals(1.0, c.scaling());
        assertEquals(List.of(), c.modulesToSaveOrEmpty());
    }

    @Test
    void invalidValuesNameFileAndField() throws Exception {
        Path src = adapterConfig();
        Path f1 = edited(tmp, "type.json", src, n -> n.put("peft_type", "PREFIX_TUNING"));
        assertInvalid(f1, () -> LoraConfig.read(f1), "peft_type", "PREFIX_TUNING");
        Path f2 = edited(tmp, "nopeft.json", src, n -> n.remove("peft_type"));
        assertInvalid(f2, () -> LoraConfig.read(f2), "peft_type");
        Path f3 = edited(tmp, "fan.json", src, n -> n.put("fan_in_fan_out", true));
        assertInvalid(f3, () -> LoraConfig.read(f3), "fan_in_fan_out");
        Path f4 = edited(tmp, "bias.json", src, n -> n.put("bias", "all"));
        assertInvalid(f4, () -> LoraConfig.read(f4), "bias", "all");
        Path f5 = edited(tmp, "r.json", src, n -> n.put("r", 0));
        assertInvalid(f5, () -> LoraConfig.read(f5), "r 0");
        Path f6 = edited(tmp, "layers.json", src, n -> n.putArray("layers_to_transform").add(0));
        assertInvalid(f6, () -> LoraConfig.read(f6), "layers_to_transform");
        Path f7 = edited(tmp, "drop.json", src, n -> n.put("lora_dropout", 1.5));
        assertInvalid(f7, () -> LoraConfig.read(f7), "lora_dropout");
        Path f8 = edited(tmp, "targets.json", src, n -> n.put("target_modules", 7));
        assertInvalid(f8, () -> LoraConfig.read(f8), "target_modules");
        Path f9 = edited(tmp, "empty.json", src, n -> n.putArray("target_modules"));
        assertInvalid(f9, () -> LoraConfig.read(f9), "target_modules");
        Path f10 = edited(tmp, "rslora.json", src, n -> n.put("use_rslora", true));
        assertInvalid(f10, () -> LoraConfig.read(f10), "use_rslora");
        Path f11 = edited(tmp, "rank.json", src, n -> n.putObject("rank_pattern").put("q_proj", 4));
        assertInvalid(f11, () -> LoraConfig.read(f11), "rank_pattern");
        // later-PEFT fields at their neutral values are fine
        Path ok = edited(tmp, "ok.json", src, n -> {
            n.put("use_rslora", false);
            n.putObject("rank_pattern");
            n.putObject("alpha_pattern");
            n.putNull("layers_to_transform");
        });
        assertEquals(LoraConfig.read(src), LoraConfig.read(ok));
    }
}
