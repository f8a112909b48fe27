package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path tmp;

    static List<Path> fixtureFiles() throws IOException {
        try (Stream<Path> s = Files.walk(Fixtures.path("parity"))) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @Test
    void readsEveryFixtureFileAndItsHeaderMatchesAnIndependentParse() throws Exception {
        List<Path> files = fixtureFiles();
        assertFalse(files.isEmpty());
        for (Path f : files) {
            Map<String, Object> header = rawHeader(f);
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                assertEquals(header.keySet().stream().filter(k -> !k.equals("__metadata__")).count(), sf.keys().size(),
                        f.toString());
                for (String key : sf.keys()) {
                    TensorInfo info = sf.info(key);
                    ByteBuffer b = sf.read(key);
                    assertEquals(info.byteLength(), b.remaining(), key);
                    assertEquals(0, b.position());
                    assertTrue(header.containsKey(key));
                }
            }
        }
    }

    /** The header parsed by plain string handling, to check key sets without the reader under test. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> rawHeader(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
    }

    @Test
    void writerRoundTripsEveryTensorBitExactlyWithMetadata() throws Exception {
        Path src = Fixtures.path("parity/legion_tiny/io.safetensors");
        Path out = tmp.resolve("copy.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(src)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            for (String k : in.keys()) {
                w.add(in.info(k), o -> in.copyTo(k, o));
            }
            w.write(out);
            try (SafetensorsFile back = SafetensorsFile.open(out)) {
                assertEquals(Map.of("format", "pt"), back.metadata());
                assertEquals(List.copyOf(in.keys()), List.copyOf(back.keys()));
                for (String k : in.keys()) {
                    assertEquals(in.info(k), back.info(k));
                    assertEquals(in.read(k), back.read(k), k);
                }
            }
        }
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(out), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
    }

    @Test
    void failedWriteLeavesTheTargetUntouchedAndNoTemporaryFile() throws Exception {
        Path target = tmp.resolve("w.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {2}, ByteBuffer.allocate(8)).write(target);
        byte[] before = Files.readAllBytes(target);
        SafetensorsWriter bad = new SafetensorsWriter()
                .add("a", DType.F32, new long[] {2}, ByteBuffer.allocate(8))
                .add(new TensorInfo("b", DType.F32, new long[] {4}), o -> o.write(ByteBuffer.allocate(3)));
        CheckpointException e = assertThrows(CheckpointException.class, () -> bad.write(target));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("expected 16"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(target), s.toList());
        }
    }

    @Test
    void rejectsMalformedHeadersWithSpecificMessages() throws Exception {
        assertRejected(new byte[5], "truncated");
        assertRejected(withHeader("{}", 0, 1L << 40), "invalid header length");
        assertRejected(withHeader("{not json", 0, -1), "not valid JSON");
        assertRejected(withHeader("[1,2]", 0, -1), "JSON object");
        assertRejected(withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, -1),
                "outside the data section");
        assertRejected(withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, -1),
                "needs 12 bytes");
        assertRejected(withHeader("{\"w\":{\"dtype\":\"Q7\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, -1),
                "unsupported or missing dtype");
        assertRejected(withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16, -1),
                "shape entry 0");
        assertRejected(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, -1), "overlaps");
        assertRejected(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999,99999999999,99999],"
                + "\"data_offsets\":[0,16]}}", 16, -1), "overflows");
        assertRejected(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, -1), "Duplicate");
    }

    @Test
    void headerIsExactlyOneObjectAndTensorsTileTheDataSection() throws Exception {
        String w = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertRejected(withHeader(w + "garbage", 16, -1), "7 bytes after its JSON object (first 0x67");
        assertRejected(withHeader(w + "  {}", 16, -1), "4 bytes after its JSON object");
        assertRejected(withHeader(w + "\n", 16, -1), "1 bytes after its JSON object (first 0x0a");
        assertRejected(withHeader(" " + w, 16, -1), "must begin with '{'");
        assertRejected(withHeader(w, 20, -1), "tensors cover 16 of the 20 bytes");
        assertRejected(withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[4,20]}}", 20, -1),
                "4 unindexed bytes");
        assertRejected(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, -1),
                "previous tensor 'a' ends at 4");
        // space padding (what the reference writer emits to align the data section) and empty tensors are fine
        byte[] padded = withHeader(w.substring(0, w.length() - 1)
                + ",\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[16,16]}}     ", 16, -1);
        ByteBuffer.wrap(padded).order(ByteOrder.LITTLE_ENDIAN).putFloat(padded.length - 4, 2.5f);
        Path f = tmp.resolve("padded.safetensors");
        Files.write(f, padded);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(2.5f, sf.read("w").getFloat(12));
            assertEquals(0, sf.read("e").remaining());
        }
    }

    @Test
    void missingTensorNamesFileAndKey() throws Exception {
        try (SafetensorsFile sf = SafetensorsFile.open(Fixtures.path("parity/sam/io.safetensors"))) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> sf.read("nope"));
            assertEquals("nope", e.tensor());
            assertTrue(e.getMessage().contains("io.safetensors") && e.getMessage().contains("'nope'"));
        }
    }

    private void assertRejected(byte[] content, String expected) throws IOException {
        Path f = tmp.resolve("bad-" + System.nanoTime() + ".safetensors");
        Files.write(f, content);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains(expected), () -> "'" + expected + "' not in: " + e.getMessage());
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
    }

    private static byte[] withHeader(String json, int dataBytes, long claimedLength) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(claimedLength >= 0 ? claimedLength : h.length).put(h);
        return b.array();
    }
}
