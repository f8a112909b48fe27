package ai.legion.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.SamConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.models.testing.Parity;
import ai.legion.models.testing.TinyLegion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What loading a checkpoint that does not fit the model reports. */
class LegionModelLoadTest {

    @TempDir
    Path tmp;

    static SamConfig sam() throws Exception {
        return SamConfig.read(Parity.folder("sam").resolve("config.json"));
    }

    private Path copyWithout(String drop) throws Exception {
        return TinyLegion.copyWithout(tmp.resolve("model"), drop);
    }

    @Test
    void missingKeysFailStrictLoadsAndAreReportedOtherwise() throws Exception {
        String gone = "model.layers.1.mlp.down_proj.weight";
        Path dir = copyWithout(gone);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionModel.loader().model(dir)
                .clip(Parity.folder("legion_tiny/clip")).samConfig(sam()).load());
        assertTrue(e.getMessage().contains("missing 1 [" + gone + "]"), e.getMessage());
        try (LegionModel m = LegionModel.loader().model(dir).clip(Parity.folder("legion_tiny/clip")).samConfig(sam())
                .strict(false).load()) {
            assertEquals(java.util.List.of(gone), m.loadReport().missing());
            assertFalse(m.loadReport().isComplete());
        }
    }

    @Test
    void nonFiniteWeightsFailNamingTensorAndFileUnlessAllowed() throws Exception {
        Path nanDir = poisoned("nan", k -> k.startsWith("model.grounding_encoder.") && k.endsWith(".weight"),
                Float.NaN);
        Path infDir = poisoned("inf", "lm_head.weight"::equals, Float.POSITIVE_INFINITY);
        for (Path dir : java.util.List.of(nanDir, infDir)) {
            String key = poisonedKey.get(dir);
            long t0 = System.nanoTime();
            CheckpointException e = assertThrows(CheckpointException.class, () -> TinyLegion.load(dir));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(key, e.tensor(), e.getMessage());
            assertEquals(dir.resolve("model.safetensors"), e.file(), e.getMessage());
            String counts = dir == nanDir ? "1 NaN and 0 infinite values" : "0 NaN and 1 infinite values";
            assertTrue(e.getMessage().contains(counts) && e.getMessage().contains("allowNonFiniteWeights(true)"),
                    e.getMessage());
            assertTrue(seconds < 60, dir + ": " + seconds + " s"); // a whole tiny model load on a shared machine
        }
        try (LegionModel m = LegionModel.loader().model(infDir).clip(Parity.folder("legion_tiny/clip"))
                .samConfig(sam()).allowNonFiniteWeights(true).load()) {
            ai.djl.ndarray.NDArray w = m.weightMap(true).parameter("lm_head.weight").getArray();
            assertEquals(Float.POSITIVE_INFINITY, w.toFloatArray()[3]);
        }
    }

    private final java.util.Map<Path, String> poisonedKey = new java.util.HashMap<>();

    /** A safetensors copy of the tiny model whose first key matching {@code which} has {@code value} at index 3. */
    private Path poisoned(String name, java.util.function.Predicate<String> which, float value) throws Exception {
        Path dir = TinyLegion.copyWithout(tmp.resolve(name), "\u0000 no key starts like this");
        Path file = dir.resolve("model.safetensors");
        String key;
        long offset;
        ai.legion.core.io.DType dtype;
        try (ai.legion.core.io.SafetensorsFile sf = ai.legion.core.io.SafetensorsFile.open(file)) {
            key = sf.keys().stream().filter(which).findFirst().orElseThrow();
            offset = sf.dataOffset(key);
            dtype = sf.info(key).dtype();
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int bits = Float.floatToRawIntBits(value);
        switch (dtype) {
            case F32 -> b.putInt((int) offset + 3 * 4, bits);
            case BF16 -> b.putShort((int) offset + 3 * 2, (short) (bits >>> 16));
            case F16 -> b.putShort((int) offset + 3 * 2, (short) (Float.isNaN(value) ? 0x7E00 : 0x7C00));
            default -> throw new IllegalStateException(key + " is " + dtype);
        }
        java.nio.file.Files.write(file, bytes);
        poisonedKey.put(dir, key);
        return dir;
    }

    @Test
    void hugeDeclaredSizesFailBeforeAnyParameterIsAllocated() throws Exception {
        Path dir = TinyLegion.copyWithout(tmp.resolve("huge"), "\u0000 no key starts like this");
        Path config = dir.resolve("config.json");
        String original = java.nio.file.Files.readString(config);
        // beyond the config bounds: rejected while config.json is read (LlamaConfig.validate), and in any case
        // by the loader's own cross-check, before any block is declared (1e9 declared blocks exhaust the heap)
        java.nio.file.Files.writeString(config, withInt(original, "num_hidden_layers", 1_000_000_000));
        long t0 = System.nanoTime();
        CheckpointException e = assertThrows(CheckpointException.class, () -> TinyLegion.load(dir));
        assertTrue(config.equals(e.file()) && e.getMessage().contains("num_hidden_layers 1000000000"),
                e.getMessage());
        // within the bounds but not this checkpoint: LegionLoader compares the declared LLM sizes with the
        // checkpoint before declaring any block
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"num_attention_heads\":\\s*(\\d+)")
                .matcher(original);
        assertTrue(m.find(), "fixture config has num_attention_heads");
        int heads = Integer.parseInt(m.group(1));
        int hidden = 65536 / (2 * heads) * 2 * heads;
        java.nio.file.Files.writeString(config, withInt(withInt(withInt(original, "num_hidden_layers", 1024),
                "hidden_size", hidden), "intermediate_size", 1 << 18));
        e = assertThrows(CheckpointException.class, () -> TinyLegion.load(dir));
        assertTrue(config.equals(e.file()) && e.getMessage().contains("hidden_size " + hidden + ", but "
                + "model.embed_tokens.weight in ") && e.getMessage().contains("does not belong"), e.getMessage());
        java.nio.file.Files.writeString(config, withInt(original, "num_hidden_layers", 1024));
        e = assertThrows(CheckpointException.class, () -> TinyLegion.load(dir));
        assertTrue(config.equals(e.file()) && e.getMessage().contains("declares num_hidden_layers 1024, but ")
                && e.getMessage().contains(" holds model.layers.0.."), e.getMessage());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 60, "three loads took " + seconds + " s"); // generous: a shared, slow machine
    }

    /** {@code json} with the integer field {@code key} set to {@code value} (it must be present). */
    private static String withInt(String json, String key, int value) {
        String field = "\"" + key + "\":\\s*-?\\d+";
        assertTrue(java.util.regex.Pattern.compile(field).matcher(json).find(), key + " not in the config");
        return json.replaceFirst(field, "\"" + key + "\": " + value);
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapes() throws Exception {
        SamConfig real = sam();
        SamConfig.ImageEncoder enc = real.imageEncoder();
        // one more global block than the checkpoint has: its rel_pos tables have another length
        java.util.List<Integer> globals = new java.util.ArrayList<>(enc.globalAttnIndexes());
        int changed = -1;
        for (int i = 0; i < enc.depth(); i++) {
            if (!globals.contains(i)) {
                globals.add(i);
                changed = i;
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(changed >= 0 && enc.windowSize() > 0,
                "fixture SAM has only global blocks: no windowed block to turn global");
        SamConfig wrong = new SamConfig(new SamConfig.ImageEncoder(enc.imgSize(), enc.patchSize(), enc.inChans(),
                enc.embedDim(), enc.depth(), enc.numHeads(), enc.mlpRatio(), enc.outChans(), enc.qkvBias(),
                enc.useAbsPos(), enc.useRelPos(), enc.windowSize(), globals, enc.layerNormEps()),
                real.promptEncoder(), real.maskDecoder(), real.pixelMean(), real.pixelStd());
        String key = "model.grounding_encoder.image_encoder.blocks." + changed + ".attn.rel_pos_h";
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionModel.loader()
                .model(Parity.folder("legion_tiny")).clip(Parity.folder("legion_tiny/clip")).samConfig(wrong).load());
        assertEquals(key, e.tensor(), e.getMessage());
        assertTrue(e.getMessage().contains("shape mismatch: checkpoint has ["), e.getMessage());
        assertTrue(e.getMessage().contains("the model expects ["), e.getMessage());
    }

    @Test
    void withoutTheClipFolderTheMessageSaysWhatToPass() throws Exception {
        // the checkpoint without its clip/ sub-folder (which the loader would otherwise find by itself)
        Path noClip = tmp.resolve("no-clip");
        java.nio.file.Files.createDirectories(noClip);
        try (var files = java.nio.file.Files.list(Parity.folder("legion_tiny"))) {
            for (Path f : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile)::iterator) {
                java.nio.file.Files.copy(f, noClip.resolve(f.getFileName().toString()));
            }
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> LegionModel.loader()
                .model(noClip).samConfig(sam()).load());
        assertTrue(e.getMessage().contains(".clip(dir)"), e.getMessage());
    }

    @Test
    void samSizesAreInferredFromTheCheckpointWhenNotGiven() throws Exception {
        SamConfig expected = sam();
        int heads = expected.maskDecoder().transformer().numHeads();
        try (LegionModel m = LegionModel.loader().model(Parity.folder("legion_tiny"))
                .clip(Parity.folder("legion_tiny/clip")).decoderHeads(heads).load()) {
            assertEquals(expected.imageEncoder().embedDim(), m.samConfig().imageEncoder().embedDim());
            assertEquals(expected.imageEncoder().globalAttnIndexes(), m.samConfig().imageEncoder().globalAttnIndexes());
            assertTrue(m.loadReport().missing().isEmpty());
        }
    }
}
