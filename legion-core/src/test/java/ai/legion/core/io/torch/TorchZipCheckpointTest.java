package ai.legion.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointConverter;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.core.io.ShardIndex;
import ai.legion.core.io.ShardedCheckpoint;
import ai.legion.core.io.TensorInfo;
import ai.legion.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchZipCheckpointTest {

    static final String LLM = "parity/llama/model.safetensors";
    static final String SAM = "parity/sam/model.safetensors";
    static final String SAM_PREFIX = "model.grounding_encoder.";

    @TempDir
    Path tmp;

    static Path tinyIndex() {
        return Fixtures.path("parity/legion_tiny/pytorch_model.bin.index.json");
    }

    @Test
    void shardsLoadWithTheIndexKeysAndMixedDtypes() throws Exception {
        ShardIndex index = ShardIndex.read(tinyIndex());
        try (Checkpoint ckpt = Checkpoints.open(tinyIndex().getParent())) {
            assertTrue(ckpt instanceof ShardedCheckpoint);
            assertEquals(index.weightMap().keySet(), Set.copyOf(ckpt.keys()));
            Set<DType> dtypes = new HashSet<>();
            for (String k : ckpt.keys()) {
                dtypes.add(ckpt.info(k).dtype());
                assertEquals(index.weightMap().get(k), ckpt.fileOf(k).getFileName().toString(), k);
            }
            assertEquals(Set.of(DType.BF16, DType.F32), dtypes);
        }
    }

    /** The fixture README: LLM == llama/model.safetensors (bf16-exact), grounding encoder == sam/model.safetensors. */
    @Test
    void binWeightsEqualTheSameWeightsInTheSafetensorsFixtures() throws Exception {
        int compared = 0;
        try (Checkpoint bin = Checkpoints.open(tinyIndex());
                SafetensorsFile llm = SafetensorsFile.open(Fixtures.path(LLM));
                SafetensorsFile sam = SafetensorsFile.open(Fixtures.path(SAM))) {
            for (String key : llm.keys()) {
                if (key.contains("rotary_emb.inv_freq")) {
                    continue;
                }
                assertNotNull(bin.info(key), key);
                assertEquals(DType.BF16, bin.info(key).dtype(), key);
                assertBitsEqual(key, Fixtures.floats(llm, key), bin, key);
                compared++;
            }
            for (String key : sam.keys()) {
                String binKey = SAM_PREFIX + key;
                assertNotNull(bin.info(binKey), binKey);
                assertEquals(sam.info(key).dtype(), bin.info(binKey).dtype(), binKey);
                assertEquals(sam.read(key), bin.read(binKey), binKey);
                compared++;
            }
        }
        assertTrue(compared > 100, "compared " + compared);
    }

    private static void assertBitsEqual(String key, float[] expected, Checkpoint bin, String binKey) throws Exception {
        ByteBuffer b = bin.read(binKey).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(expected.length * 2, b.remaining(), key);
        for (int i = 0; i < expected.length; i++) {
            int bits = (b.getShort(i * 2) & 0xFFFF) << 16;
            if (bits != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError(key + "[" + i + "]: bf16 " + Float.intBitsToFloat(bits) + " vs " + expected[i]);
            }
        }
    }

    @Test
    void converterRoundTripsBinToSafetensorsAndBackBitExactly() throws Exception {
        Path st = tmp.resolve("st");
        CheckpointConverter.Result r = CheckpointConverter.toSafetensors(tinyIndex().getParent(), st);
        assertEquals(2, r.files().size());
        assertTrue(Files.exists(st.resolve("model.safetensors.index.json")));
        assertTrue(Files.exists(st.resolve("config.json")), "config copied along");
        assertTrue(Files.exists(st.resolve("model-00001-of-00002.safetensors")));
        Path back = tmp.resolve("back.bin");
        try (Checkpoint bin = Checkpoints.open(tinyIndex()); Checkpoint conv = Checkpoints.open(st)) {
            assertEquals(List.copyOf(bin.keys()).size(), conv.keys().size());
            assertSameTensors(bin, conv);
            assertEquals(ShardIndex.read(tinyIndex()).weightMap().size(), r.tensors());
            CheckpointConverter.toTorch(conv, back);
            try (Checkpoint again = Checkpoints.open(back)) {
                assertSameTensors(bin, again);
            }
        }
    }

    static void assertSameTensors(Checkpoint a, Checkpoint b) throws CheckpointException {
        for (String k : a.keys()) {
            assertEquals(a.info(k), b.info(k), k);
            assertEquals(a.read(k), b.read(k), k);
        }
    }

    @Test
    void stridedViewsAndStorageOffsetsAreHonoured() throws Exception {
        // storage of 12 floats 0..11; 'part' = storage[2:6]; 't' = transposed 3x4 -> 4x3 view
        ByteBuffer data = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 12; i++) {
            data.putFloat(i);
        }
        PickleWriter p = new PickleWriter().proto().op('}').mark();
        p.string("part").global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(p, 12).integer(2).tuple(4).tuple(1).newFalse().global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R');
        p.string("t").global("torch._utils", "_rebuild_parameter").mark();
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(p, 12).integer(0).tuple(4, 3).tuple(1, 4).newFalse().global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R'); // the tensor, wrapped as _rebuild_parameter(tensor, False, OrderedDict())
        p.newFalse().global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R').op('u').op('.');
        Path f = zip("strided.pt", p.toByteArray(), Map.of("data/0", data.array()));
        try (Checkpoint c = Checkpoints.open(f)) {
            assertEquals(new TensorInfo("part", DType.F32, new long[] {4}), c.info("part"));
            ByteBuffer part = c.read("part").order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 4; i++) {
                assertEquals(2 + i, part.getFloat(i * 4));
            }
            ByteBuffer t = c.read("t").order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(j * 4 + i, t.getFloat((i * 3 + j) * 4), "t[" + i + "," + j + "]");
                }
            }
        }
    }

    private static PickleWriter storage(PickleWriter p, long numel) {
        return p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu").integer(numel)
                .op('t').binPersId();
    }

    @Test
    void forbiddenGlobalsAreRejectedByNameBeforeAnythingRuns() throws Exception {
        byte[] pickle = new PickleWriter().proto().global("os", "system").mark().string("echo pwned").op('t').op('R')
                .op('.').toByteArray();
        Path f = zip("evil.bin", pickle, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(f));
        assertTrue(e.getMessage().contains("forbidden global 'os.system'"), e.getMessage());
        assertTrue(e.getMessage().contains("evil.bin"), e.getMessage());
    }

    @Test
    void legacyAndNonZipFilesGetClearErrors() throws Exception {
        Path legacy = tmp.resolve("legacy.pth");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46});
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(legacy));
        assertTrue(e.getMessage().contains("re-save it with a newer torch"), e.getMessage());
        Path junk = tmp.resolve("junk.bin");
        Files.write(junk, "PK\u0003\u0004 not really a zip".getBytes());
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(junk));
        assertTrue(e.getMessage().contains("junk.bin"), e.getMessage());
    }

    @Test
    void missingStorageEntryIsNamed() throws Exception {
        PickleWriter p = new PickleWriter().proto().op('}').mark();
        p.string("w").global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(p, 4).integer(0).tuple(4).tuple(1).newFalse().global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R').op('u').op('.');
        Path f = zip("nostorage.bin", p.toByteArray(), Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(f));
        assertTrue(e.getMessage().contains("zip entry 'nostorage/data/0' missing"), e.getMessage());
    }

    @Test
    void viewsPastTheirStorageAreRejected() throws Exception {
        PickleWriter p = new PickleWriter().proto().op('}').mark();
        p.string("w").global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(p, 4).integer(2).tuple(4).tuple(1).newFalse().global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R').op('u').op('.');
        Path f = zip("past.bin", p.toByteArray(), Map.of("data/0", new byte[16]));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(f));
        assertTrue(e.getMessage().contains("reaches element 5 of storage '0' with 4 elements"), e.getMessage());
    }

    /**
     * Pickles of a few MB of one cheap opcode used to take a minute and 8 GB of heap before an
     * OutOfMemoryError; each must now fail fast with the file, the offset and the limit it hit.
     */
    @Test
    void repeatedOpcodesHitALimitFast() throws Exception {
        int n = 4 << 20;
        assertHitsLimit("marks.bin", repeat(new byte[0], new byte[] {'('}, n), "MARK nesting",
                RestrictedUnpickler.MAX_MARKS);
        assertHitsLimit("dup.bin", repeat(new byte[] {'N'}, new byte[] {'2'}, n), "stack depth",
                RestrictedUnpickler.MAX_STACK);
        assertHitsLimit("memoize.bin", repeat(new byte[] {'N'}, new byte[] {(byte) 0x94}, n), "memo size",
                RestrictedUnpickler.MAX_MEMO);
        assertHitsLimit("binget.bin", repeat(new byte[] {'N', 'q', 0}, new byte[] {'h', 0}, n / 2), "stack depth",
                RestrictedUnpickler.MAX_STACK);
        byte[] batch = new byte[1002];
        Arrays.fill(batch, (byte) 'N');
        batch[0] = '(';
        batch[batch.length - 1] = 'e';
        assertHitsLimit("appends.bin", repeat(new byte[] {']'}, batch, 1100), "container size",
                RestrictedUnpickler.MAX_ITEMS);
        byte[] puts = repeat(new byte[] {'N'}, new byte[] {'r', 0, 0, 0, 0}, 1_100_000);
        ByteBuffer keys = ByteBuffer.wrap(puts).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1_100_000; i++) {
            keys.putInt(3 + 5 * i + 1, i); // LONG_BINPUT under a new key each time
        }
        assertHitsLimit("binput.bin", puts, "memo size", RestrictedUnpickler.MAX_MEMO);
        assertHitsLimit("ops.bin", repeat(new byte[0], new byte[] {'N', '0'}, RestrictedUnpickler.MAX_OPS / 2 + 1),
                "opcode count", RestrictedUnpickler.MAX_OPS);
    }

    private static byte[] repeat(byte[] head, byte[] unit, int times) {
        byte[] out = new byte[2 + head.length + unit.length * times];
        out[0] = (byte) 0x80;
        out[1] = 2;
        System.arraycopy(head, 0, out, 2, head.length);
        for (int i = 0, at = 2 + head.length; i < times; i++, at += unit.length) {
            System.arraycopy(unit, 0, out, at, unit.length);
        }
        return out;
    }

    private void assertHitsLimit(String name, byte[] pickle, String what, int limit) throws IOException {
        Path f = zip(name, pickle, Map.of());
        long t0 = System.nanoTime();
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(f));
        double seconds = (System.nanoTime() - t0) / 1e9;
        String m = e.getMessage();
        assertTrue(m.contains(name) && m.contains("data.pkl offset ") && m.contains(what + " past its limit of "
                + limit), m);
        // a generous bound for a shared machine; the work is a few million array appends
        assertTrue(seconds < 10, name + " took " + seconds + " s");
    }

    private Path zip(String name, byte[] pickle, Map<String, byte[]> entries) throws IOException {
        Path f = tmp.resolve(name);
        String prefix = name.substring(0, name.lastIndexOf('.')) + "/";
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(f)) {
            put(z, prefix + "data.pkl", pickle);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                put(z, prefix + e.getKey(), e.getValue());
            }
        }
        return f;
    }

    private static void put(ZipArchiveOutputStream z, String name, byte[] data) throws IOException {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setMethod(ZipArchiveEntry.STORED);
        e.setSize(data.length);
        z.putArchiveEntry(e);
        z.write(data);
        z.closeArchiveEntry();
    }

    @Test
    void indexWithMissingShardOrKeyFails() throws Exception {
        Path dir = tmp.resolve("ix");
        Files.createDirectories(dir);
        Files.copy(Fixtures.path("parity/legion_tiny/pytorch_model-00001-of-00002.bin"),
                dir.resolve("pytorch_model-00001-of-00002.bin"));
        ShardIndex full = ShardIndex.read(tinyIndex());
        full.write(dir.resolve("pytorch_model.bin.index.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("pytorch_model-00002-of-00002.bin' named by the index is missing"),
                e.getMessage());
        new ShardIndex(Map.of(), Map.of("ghost.weight", "pytorch_model-00001-of-00002.bin"))
                .write(dir.resolve("pytorch_model.bin.index.json"));
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertEquals("ghost.weight", e.tensor());
        new ShardIndex(Map.of(), Map.of("w", "../etc/passwd")).write(dir.resolve("pytorch_model.bin.index.json"));
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertFalse(e.getMessage().isEmpty());
        assertTrue(e.getMessage().contains("plain file name"), e.getMessage());
    }
}
