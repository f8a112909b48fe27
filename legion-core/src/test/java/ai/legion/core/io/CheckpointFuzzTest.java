package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.legion.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates real fixture checkpoints (bit flips and byte overwrites aimed at headers, pickles and zip
 * directories; extreme length fields; truncation) and requires every mutant to be either loaded
 * completely or rejected with a {@link CheckpointException}: no other exception, no Error (OOM,
 * stack overflow), no JVM crash, no hang.
 */
class CheckpointFuzzTest {

    static final int MUTANTS = 1200;
    static final String SYNTAX = "{}[]\",:\u0000\u00ff-e.";

    @TempDir
    Path tmp;

    /** A set of byte patches and an optional truncation, applied in place and undone afterwards. */
    record Mutation(String what, List<long[]> patches, List<byte[]> bytes, long truncateTo) {
        static Mutation patch(String what, long offset, byte[] b) {
            return new Mutation(what, List.<long[]>of(new long[] {offset}), List.of(b), -1);
        }

        static Mutation truncate(long length) {
            return new Mutation("truncate to " + length, List.of(), List.of(), length);
        }
    }

    @Test
    @Timeout(600)
    void mutatedSafetensorsAreRejectedOrLoaded() throws Exception {
        byte[] original = Files.readAllBytes(Fixtures.path("parity/sam/model.safetensors"));
        int headerEnd = 8 + (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(original, 8, headerEnd - 8, StandardCharsets.ISO_8859_1);
        Random rnd = new Random(20251126L);
        List<Mutation> mutations = new ArrayList<>();
        for (int i = 0; i < MUTANTS; i++) {
            switch (i % 6) {
                case 0 -> mutations.add(bitFlip(rnd, original, rnd.nextInt(headerEnd)));
                case 1 -> mutations.add(bitFlip(rnd, original, rnd.nextInt(original.length)));
                case 2 -> mutations.add(Mutation.patch("header length", 0, le64(pick(rnd, new long[] {0, -1,
                        Long.MAX_VALUE, Long.MIN_VALUE, original.length, headerEnd - 8 + 1, headerEnd - 8 - 1,
                        headerEnd - 16, 1L << 31, 1L << 32, rnd.nextLong()}))));
                case 3 -> mutations.add(digitRun(rnd, header, 8));
                case 4 -> mutations.add(Mutation.patch("syntax byte", 8 + rnd.nextInt(headerEnd - 8),
                        new byte[] {(byte) SYNTAX.charAt(rnd.nextInt(SYNTAX.length()))}));
                default -> mutations.add(rnd.nextBoolean() ? Mutation.truncate(rnd.nextInt(original.length))
                        : dtypeSwap(rnd, header, 8));
            }
        }
        int[] outcome = run(original, "m.safetensors", mutations);
        System.out.printf("safetensors mutants: %d loaded, %d rejected%n", outcome[0], outcome[1]);
        assertEquals(MUTANTS, outcome[0] + outcome[1]);
        assertTrue(outcome[1] > MUTANTS / 4, "most structural mutants must be rejected, got " + outcome[1]);
    }

    @Test
    @Timeout(600)
    void mutatedTorchZipCheckpointsAreRejectedOrLoaded() throws Exception {
        byte[] original = Files.readAllBytes(Fixtures.path("parity/legion_tiny/pytorch_model-00002-of-00002.bin"));
        ByteBuffer b = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        int pklStart = -1;
        int pklLen = -1;
        try (ZipFile zip = ZipFile.builder().setByteArray(original).get()) {
            for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
                if (e.getName().endsWith("/data.pkl")) {
                    pklStart = (int) e.getDataOffset();
                    pklLen = (int) e.getSize();
                }
            }
        }
        int eocd = original.length - 22;
        while (eocd > 0 && b.getInt(eocd) != 0x06054b50) {
            eocd--;
        }
        int cdStart = b.getInt(eocd + 16);
        assertTrue(pklLen > 0 && cdStart > 0 && eocd > cdStart, "fixture layout");
        Random rnd = new Random(20251127L);
        byte[] opcodes = "XJKMRcQ(tuq h}).\u0080\u0085\u0086\u0087\u0088\u0089\u008a\u0093\u0094\u0095".getBytes(
                StandardCharsets.ISO_8859_1);
        List<Mutation> mutations = new ArrayList<>();
        for (int i = 0; i < MUTANTS; i++) {
            switch (i % 7) {
                case 0 -> mutations.add(bitFlip(rnd, original, pklStart + rnd.nextInt(pklLen)));
                case 1 -> mutations.add(Mutation.patch("pickle opcode", pklStart + rnd.nextInt(pklLen),
                        new byte[] {opcodes[rnd.nextInt(opcodes.length)]}));
                case 2 -> mutations.add(bitFlip(rnd, original, cdStart + rnd.nextInt(original.length - cdStart)));
                case 3 -> mutations.add(Mutation.patch("zip u32 field", cdStart + rnd.nextInt(original.length - cdStart
                        - 4), le32(pick(rnd, new long[] {0, 0xFFFFFFFFL, 0x7FFFFFFFL, original.length, rnd.nextInt()}))));
                case 4 -> mutations.add(Mutation.patch("pickle length", pklStart + rnd.nextInt(pklLen - 4),
                        le32(pick(rnd, new long[] {0xFFFFFFFFL, 0x7FFFFFFFL, 0x10000000L, rnd.nextInt()}))));
                case 5 -> mutations.add(bitFlip(rnd, original, rnd.nextInt(original.length)));
                default -> mutations.add(Mutation.truncate(rnd.nextInt(original.length)));
            }
        }
        int[] outcome = run(original, "m.bin", mutations);
        System.out.printf("torch zip mutants: %d loaded, %d rejected%n", outcome[0], outcome[1]);
        assertEquals(MUTANTS, outcome[0] + outcome[1]);
        assertTrue(outcome[1] > MUTANTS / 4, "most structural mutants must be rejected, got " + outcome[1]);
    }

    /** Returns {loaded, rejected}; fails on anything else. */
    private int[] run(byte[] original, String name, List<Mutation> mutations) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, original);
        int loaded = 0;
        int rejected = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < mutations.size(); i++) {
                Mutation m = mutations.get(i);
                apply(f, m);
                try (Checkpoint c = Checkpoints.open(f)) {
                    for (String key : c.keys()) {
                        ByteBuffer data = c.read(key);
                        long sum = 0;
                        for (int j = 0; j < data.remaining(); j++) {
                            sum += data.get(j);
                        }
                        assertEquals(c.info(key).byteLength(), data.remaining(), key + " " + sum);
                        if (i % 10 == 0) {
                            try (NDArray a = NDArrayLoader.load(c, key, manager, NDArrayLoader.FloatPolicy.FLOAT32)) {
                                assertEquals(c.info(key).numel(), a.size());
                            }
                        }
                    }
                    loaded++;
                } catch (CheckpointException e) {
                    assertTrue(e.getMessage().contains(name), "message names the file: " + e.getMessage());
                    rejected++;
                } catch (Throwable t) {
                    throw new AssertionError("mutant " + i + " (" + m.what() + ") escaped as " + t, t);
                } finally {
                    restore(f, original, m);
                }
            }
            assertEquals(0, manager.getManagedArrays().size(), "no NDArray leaked");
        }
        return new int[] {loaded, rejected};
    }

    private static void apply(Path f, Mutation m) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            for (int i = 0; i < m.patches().size(); i++) {
                ch.write(ByteBuffer.wrap(m.bytes().get(i)), m.patches().get(i)[0]);
            }
            if (m.truncateTo() >= 0) {
                ch.truncate(m.truncateTo());
            }
        }
    }

    private static void restore(Path f, byte[] original, Mutation m) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            for (int i = 0; i < m.patches().size(); i++) {
                int off = (int) m.patches().get(i)[0];
                ch.write(ByteBuffer.wrap(original, off, m.bytes().get(i).length), off);
            }
            if (m.truncateTo() >= 0) {
                int t = (int) m.truncateTo();
                ch.write(ByteBuffer.wrap(original, t, original.length - t), t);
            }
        }
    }

    private static Mutation bitFlip(Random rnd, byte[] original, int offset) {
        return Mutation.patch("flip bit at " + offset, offset, new byte[] {(byte) (original[offset] ^ (1 << rnd.nextInt(8)))});
    }

    private static long pick(Random rnd, long[] values) {
        return values[rnd.nextInt(values.length)];
    }

    /** Overwrites a run of digits in the header (shapes, offsets) with other digits, often huge numbers. */
    private static Mutation digitRun(Random rnd, String header, int base) {
        int start = rnd.nextInt(header.length());
        while (start < header.length() && !Character.isDigit(header.charAt(start))) {
            start++;
        }
        if (start >= header.length()) {
            return Mutation.truncate(base + rnd.nextInt(header.length()));
        }
        int end = start;
        while (end < header.length() && Character.isDigit(header.charAt(end))) {
            end++;
        }
        byte[] digits = new byte[end - start];
        for (int i = 0; i < digits.length; i++) {
            digits[i] = (byte) (rnd.nextInt(4) == 0 ? '9' : '0' + rnd.nextInt(10));
        }
        return Mutation.patch("digits at " + (base + start), base + start, digits);
    }

    /** Replaces one dtype string with another of the same length (valid or not). */
    private static Mutation dtypeSwap(Random rnd, String header, int base) {
        int at = header.indexOf("\"F32\"", rnd.nextInt(header.length()));
        if (at < 0) {
            at = header.indexOf("\"F32\"");
        }
        String[] repl = {"F16", "I64", "U16", "I32", "XYZ", "f32", "BF1"};
        return Mutation.patch("dtype at " + (base + at), base + at + 1,
                repl[rnd.nextInt(repl.length)].getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }
}
