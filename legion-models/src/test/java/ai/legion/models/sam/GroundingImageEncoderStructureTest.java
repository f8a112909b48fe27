package ai.legion.models.sam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.testing.Parity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Key sets of the real SAM encoders (no weights allocated), input checks, and memory hygiene. */
class GroundingImageEncoderStructureTest {

    private static final String PREFIX = "model.grounding_encoder.image_encoder.";

    /** The keys and shapes of GLaMM-GranD-Pretrained's grounding encoder (SAM ViT-H), written out. */
    private static Map<String, Shape> vitHKeys() {
        Map<String, Shape> k = new LinkedHashMap<>();
        k.put(PREFIX + "patch_embed.proj.weight", new Shape(1280, 3, 16, 16));
        k.put(PREFIX + "patch_embed.proj.bias", new Shape(1280));
        k.put(PREFIX + "pos_embed", new Shape(1, 64, 64, 1280));
        Set<Integer> global = Set.of(7, 15, 23, 31);
        for (int i = 0; i < 32; i++) {
            String b = PREFIX + "blocks." + i + ".";
            for (String norm : List.of("norm1", "norm2")) {
                k.put(b + norm + ".weight", new Shape(1280));
                k.put(b + norm + ".bias", new Shape(1280));
            }
            k.put(b + "attn.qkv.weight", new Shape(3840, 1280));
            k.put(b + "attn.qkv.bias", new Shape(3840));
            k.put(b + "attn.proj.weight", new Shape(1280, 1280));
            k.put(b + "attn.proj.bias", new Shape(1280));
            long len = global.contains(i) ? 127 : 27;
            k.put(b + "attn.rel_pos_h", new Shape(len, 80));
            k.put(b + "attn.rel_pos_w", new Shape(len, 80));
            k.put(b + "mlp.lin1.weight", new Shape(5120, 1280));
            k.put(b + "mlp.lin1.bias", new Shape(5120));
            k.put(b + "mlp.lin2.weight", new Shape(1280, 5120));
            k.put(b + "mlp.lin2.bias", new Shape(1280));
        }
        k.put(PREFIX + "neck.0.weight", new Shape(256, 1280, 1, 1));
        k.put(PREFIX + "neck.1.weight", new Shape(256));
        k.put(PREFIX + "neck.1.bias", new Shape(256));
        k.put(PREFIX + "neck.2.weight", new Shape(256, 256, 3, 3));
        k.put(PREFIX + "neck.3.weight", new Shape(256));
        k.put(PREFIX + "neck.3.bias", new Shape(256));
        return k;
    }

    private static Map<String, Shape> mapped(WeightMap map) {
        Map<String, Shape> out = new LinkedHashMap<>();
        map.entries().forEach((key, e) -> out.put(key, e.shape()));
        return out;
    }

    @Test
    void vitHMapsExactlyTheSpecKeysAndShapes() {
        GroundingImageEncoder enc = new GroundingImageEncoder(SamConfig.vitH());
        WeightMap map = enc.weightMap(PREFIX);
        assertEquals(vitHKeys(), mapped(map));
        assertEquals(32 * 14 + 9, map.entries().size());
        assertEquals(637_026_048L, map.parameterCount(), "ViT-H image encoder parameters");
        for (WeightMap.Entry e : map.entries().values()) {
            assertFalse(e.parameter().isInitialized(), "no weights are allocated: " + e.key());
        }
        // windowed blocks pad the 64 grid to 70 (window 14); global blocks attend over 64x64
        assertEquals(14, enc.blocks().get(0).windowSize());
        assertEquals(0, enc.blocks().get(7).windowSize());
        assertEquals(0, enc.blocks().get(31).windowSize());
    }

    @Test
    void vitLAndVitBHaveTheirGlobalTablesAtTheirIndexes() {
        for (SamConfig cfg : List.of(SamConfig.vitL(), SamConfig.vitB())) {
            SamConfig.ImageEncoder ie = cfg.imageEncoder();
            Map<String, Shape> keys = mapped(new GroundingImageEncoder(cfg).weightMap("image_encoder."));
            assertEquals(ie.depth() * 14 + 9, keys.size());
            long hd = ie.embedDim() / ie.numHeads();
            for (int i = 0; i < ie.depth(); i++) {
                long len = ie.globalAttnIndexes().contains(i) ? 127 : 27;
                assertEquals(new Shape(len, hd), keys.get("image_encoder.blocks." + i + ".attn.rel_pos_h"), "block " + i);
                assertEquals(new Shape(len, hd), keys.get("image_encoder.blocks." + i + ".attn.rel_pos_w"), "block " + i);
            }
            assertEquals(new Shape(1, 64, 64, ie.embedDim()), keys.get("image_encoder.pos_embed"));
        }
    }

    @Test
    void realGridRunsWithPaddedWindowsAndFullLengthGlobalTables() {
        // the real SAM geometry (1024 px, grid 64, window 14 -> padded 70, global table 127) at a tiny width
        SamConfig.ImageEncoder ie = new SamConfig.ImageEncoder(1024, 16, 3, 16, 2, 2, 2.0, 8, true, true, true, 14,
                List.of(1), 1e-6);
        GroundingImageEncoder enc = new GroundingImageEncoder(ie);
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            for (WeightMap.Entry e : enc.weightMap("").entries().values()) {
                boolean norm = e.key().matches(".*(norm\\d|neck\\.[13])\\.weight");
                e.parameter().setArray(norm ? m.ones(e.shape()) : m.randomNormal(0, 0.2f, e.shape(), DataType.FLOAT32));
            }
            assertEquals(new Shape(27, 8), enc.weightMap("").entries().get("blocks.0.attn.rel_pos_h").shape());
            assertEquals(new Shape(127, 8), enc.weightMap("").entries().get("blocks.1.attn.rel_pos_h").shape());
            try (NDManager sub = m.newSubManager()) {
                NDArray pixels = sub.randomNormal(new Shape(1, 3, 1024, 1024));
                GroundingImageEncoder.Intermediates out = enc.forwardWithIntermediates(new ParameterStore(m, false), pixels, false);
                assertEquals(new Shape(1, 64, 64, 16), out.blocks().get(0).getShape());
                assertEquals(new Shape(1, 8, 64, 64), out.imageEmbeddings().getShape());
                float[] v = out.imageEmbeddings().toFloatArray();
                for (float f : v) {
                    assertTrue(Float.isFinite(f));
                }
                // the block changed its input (attention and MLP contributed)
                assertTrue(out.blocks().get(0).sub(out.patchEmbed()).abs().max().getFloat() > 1e-3f);
            }
        }
    }

    @Test
    void optionalKeysFollowTheConfig() {
        SamConfig.ImageEncoder ie = new SamConfig.ImageEncoder(48, 8, 3, 12, 2, 3, 2.0, 5, false, false, false, 4,
                List.of(1), 1e-6);
        Map<String, Shape> keys = mapped(new GroundingImageEncoder(ie).weightMap(""));
        assertFalse(keys.containsKey("pos_embed"));
        assertFalse(keys.containsKey("blocks.0.attn.qkv.bias"));
        assertFalse(keys.containsKey("blocks.0.attn.rel_pos_h"));
        assertEquals(new Shape(24, 12), keys.get("blocks.1.mlp.lin1.weight"));
        assertEquals(new Shape(5, 12, 1, 1), keys.get("neck.0.weight"));
        assertEquals(2 * 11 + 2 + 6, keys.size());
    }

    @Test
    void wrongShapesAreRejectedWithTheBlockName() {
        GroundingImageEncoder enc = new GroundingImageEncoder(tinyConfig());
        SamConfig.ImageEncoder ie = enc.config();
        int s = ie.imgSize();
        int e = ie.embedDim();
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                    () -> enc.forward(ps, m.zeros(new Shape(3, s, s)), false));
            assertTrue(a.getMessage().contains("GroundingImageEncoder") && a.getMessage().contains("[3, " + s + ", " + s + "]"),
                    a.getMessage());
            if (ie.useAbsPos()) {
                IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                        () -> enc.forward(ps, m.zeros(new Shape(1, 3, s + ie.patchSize(), s)), false));
                assertTrue(size.getMessage().contains("expected pixels [B, 3, " + s + ", " + s + "]"), size.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> enc.forward(ps, m.zeros(new Shape(1, 4, s, s)), false));

            IllegalArgumentException blk = assertThrows(IllegalArgumentException.class,
                    () -> enc.blocks().get(0).forward(ps, m.zeros(new Shape(1, 4, e)), false));
            assertTrue(blk.getMessage().startsWith("SamBlock"), blk.getMessage());
            IllegalArgumentException att = assertThrows(IllegalArgumentException.class,
                    () -> enc.blocks().get(0).attention().forward(ps, m.zeros(new Shape(1, 2, 2, e + 1)), false));
            assertTrue(att.getMessage().startsWith("SamAttention") && att.getMessage().contains("[1, 2, 2, " + (e + 1) + "]"),
                    att.getMessage());
            IllegalArgumentException pe = assertThrows(IllegalArgumentException.class,
                    () -> new PatchEmbed(ie).forward(ps, m.zeros(new Shape(1, 1, s, s)), false));
            assertTrue(pe.getMessage().startsWith("PatchEmbed"), pe.getMessage());
            IllegalArgumentException neck = assertThrows(IllegalArgumentException.class,
                    () -> new ImageEncoderNeck(ie).forward(ps, m.zeros(new Shape(1, 4, 4, e)), false));
            assertTrue(neck.getMessage().startsWith("ImageEncoderNeck"), neck.getMessage());
            IllegalArgumentException mlp = assertThrows(IllegalArgumentException.class,
                    () -> enc.blocks().get(0).mlp().forward(ps, m.zeros(new Shape(2, e + 3)), false));
            assertTrue(mlp.getMessage().startsWith("MLPBlock"), mlp.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new GroundingImageEncoder(new SamConfig.ImageEncoder(
                64, 16, 3, 30, 2, 4, 4.0, 8, true, true, true, 2, List.of(), 1e-6)), "embed_dim not divisible by heads");
    }

    @Test
    void repeatedForwardsInSubManagersLeaveTheParametersManagerUnchanged() throws Exception {
        GroundingImageEncoder enc = new GroundingImageEncoder(tinyConfig());
        try (NDManager base = NDManager.newBaseManager();
                Checkpoint weights = Parity.open("sam", "model.safetensors");
                Checkpoint io = Parity.open("sam", "io.safetensors")) {
            GroundingImageEncoderParityTest.loadEncoder(enc, weights, "image_encoder.", base);
            ParameterStore ps = new ParameterStore(base, false);
            float[] pixels;
            Shape shape;
            try (NDManager tmp = base.newSubManager()) {
                NDArray p = Parity.tensor(tmp, io, "preprocessed");
                pixels = p.toFloatArray();
                shape = p.getShape();
                enc.forwardWithIntermediates(ps, p, false); // warm-up
            }
            int before = base.getManagedArrays().size();
            float first = Float.NaN;
            for (int i = 0; i < 50; i++) {
                try (NDManager sub = base.newSubManager()) {
                    NDArray out = enc.forward(ps, sub.create(pixels, shape), false);
                    // block temporaries are freed per block: only the input and the embeddings remain
                    assertEquals(2, sub.getManagedArrays().size(), "arrays left in the caller's manager");
                    float v = out.sum().getFloat();
                    if (i == 0) {
                        first = v;
                    }
                    assertEquals(first, v, 0f, "deterministic");
                }
            }
            assertEquals(before, base.getManagedArrays().size(), "arrays leaked into the parameters' manager");
        }
    }

    private static SamConfig tinyConfig() {
        try {
            return GroundingImageEncoderParityTest.samConfig();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
