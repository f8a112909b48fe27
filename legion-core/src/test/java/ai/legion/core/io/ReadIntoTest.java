package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Checkpoint#readInto}: the bytes of {@link Checkpoint#read} through positional reads into the caller's
 * buffer, for torch shards and safetensors, and a clear error when the file shrank after it was opened.
 */
class ReadIntoTest {

    @TempDir
    Path tmp;

    @Test
    void positionalReadsGiveTheBytesOfReadForEveryTensor() throws Exception {
        for (String rel : new String[] {"parity/legion_tiny/pytorch_model.bin.index.json",
                "parity/legion_tiny/clip/model.safetensors", "parity/sam/model.safetensors"}) {
            try (Checkpoint c = Checkpoints.open(Fixtures.path(rel))) {
                long largest = c.infos().values().stream().mapToLong(TensorInfo::byteLength).max().orElseThrow();
                ByteBuffer scratch = ByteBuffer.allocateDirect(Math.toIntExact(largest + 3));
                for (String key : c.keys()) {
                    scratch.clear().position(3); // the tensor goes where the buffer's position is
                    c.readInto(key, scratch);
                    assertEquals(3 + c.info(key).byteLength(), scratch.position(), key);
                    ByteBuffer expected = c.read(key);
                    ByteBuffer got = scratch.flip().position(3).slice();
                    assertEquals(expected.order(ByteOrder.LITTLE_ENDIAN), got.order(ByteOrder.LITTLE_ENDIAN),
                            rel + " " + key);
                    Buffers.release(expected);
                }
                Buffers.release(scratch);
            }
        }
    }

    @Test
    void aBufferWithTooLittleRoomIsNamed() throws Exception {
        try (Checkpoint c = Checkpoints.open(Fixtures.path("parity/sam/model.safetensors"))) {
            String key = c.keys().iterator().next();
            long n = c.info(key).byteLength();
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> c.readInto(key, ByteBuffer.allocate(Math.toIntExact(n - 1))));
            assertTrue(e.getMessage().contains("needs " + n + " bytes, the buffer has " + (n - 1)), e.getMessage());
        }
    }

    @Test
    void aFileTruncatedAfterOpeningGivesAnErrorNamingFileKeyAndOffset() throws Exception {
        Path bin = tmp.resolve("model.bin");
        Files.copy(Fixtures.path("parity/legion_tiny/pytorch_model-00002-of-00002.bin"), bin);
        Path st = tmp.resolve("model.safetensors");
        Files.copy(Fixtures.path("parity/sam/model.safetensors"), st);
        for (Path file : new Path[] {bin, st}) {
            try (Checkpoint c = Checkpoints.open(file)) {
                long half = Files.size(file) / 2;
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(half);
                }
                int failed = 0;
                for (String key : c.keys()) {
                    ByteBuffer dst = ByteBuffer.allocateDirect(Math.toIntExact(Math.max(1, c.info(key).byteLength())));
                    try {
                        c.readInto(key, dst);
                    } catch (CheckpointException e) {
                        failed++;
                        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(key)
                                && e.getMessage().contains("file of " + half + " bytes: truncated"), e.getMessage());
                    } finally {
                        Buffers.release(dst);
                    }
                }
                assertTrue(failed > 0, file + ": the tensors of the cut half must fail");
            }
        }
    }
}
