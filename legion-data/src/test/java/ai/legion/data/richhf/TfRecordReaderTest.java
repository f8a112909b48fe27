package ai.legion.data.richhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfRecordReaderTest {

    @TempDir
    Path dir;

    private static final byte[] A = "first record".getBytes(StandardCharsets.UTF_8);
    private static final byte[] B = new byte[0];
    private static final byte[] C = "third".getBytes(StandardCharsets.UTF_8);

    private Path write(String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    @Test
    void crc32cAndMaskMatchPublishedValues() {
        // CRC32C("123456789") = 0xE3069283 (RFC 3720 check value)
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        CRC32C c = new CRC32C();
        c.update(check);
        assertEquals(0xE3069283L, c.getValue());
        int crc = 0xE3069283;
        int expected = ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
        assertEquals(expected, TfRecordReader.mask(crc));
        assertEquals(expected, TfRecordReader.maskedCrc32c(check, 0, check.length));
        assertEquals(TfRecordTestWriter.maskedCrc(check, 0, check.length), TfRecordReader.maskedCrc32c(check, 0, 9));
    }

    @Test
    void readsRecordsBackIncludingEmptyOne() throws Exception {
        Path f = write("ok.tfrecord", TfRecordTestWriter.file(A, B, C));
        try (TfRecordReader r = TfRecordReader.open(f)) {
            assertArrayEquals(A, r.next());
            assertArrayEquals(B, r.next());
            assertArrayEquals(C, r.next());
            assertEquals(3, r.recordIndex());
            assertEquals(Files.size(f), r.offset());
            assertNull(r.next());
            assertNull(r.next());
        }
    }

    @Test
    void emptyFileHasNoRecords() throws Exception {
        try (TfRecordReader r = TfRecordReader.open(write("empty.tfrecord", new byte[0]))) {
            assertNull(r.next());
        }
    }

    @Test
    void corruptDataCrcIsReportedAndReadingContinues() throws Exception {
        byte[] file = TfRecordTestWriter.file(A, C, A);
        int secondStart = 12 + A.length + 4;
        file[secondStart + 12] ^= 0x01; // flip a data bit of record 1
        Path f = write("bad-data.tfrecord", file);
        try (TfRecordReader r = TfRecordReader.open(f)) {
            assertArrayEquals(A, r.next());
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.DATA_CRC_MISMATCH, e.kind());
            assertEquals(1, e.recordIndex());
            assertEquals(secondStart, e.offset());
            assertTrue(e.recoverable());
            assertTrue(e.getMessage().contains("bad-data.tfrecord"), e.getMessage());
            assertTrue(e.getMessage().contains("data CRC mismatch"), e.getMessage());
            assertArrayEquals(A, r.next()); // positioned at record 2
            assertNull(r.next());
        }
    }

    @Test
    void corruptDataCrcIsAcceptedWhenCheckingIsOff() throws Exception {
        byte[] file = TfRecordTestWriter.file(A, C);
        int secondStart = 12 + A.length + 4;
        file[secondStart + 12] ^= 0x01;
        byte[] corrupted = Arrays.copyOfRange(file, secondStart + 12, secondStart + 12 + C.length);
        Path f = write("bad-data.tfrecord", file);
        try (TfRecordReader r = TfRecordReader.open(f, TfRecordReader.Options.defaults().withVerifyCrc(false))) {
            assertArrayEquals(A, r.next());
            assertArrayEquals(corrupted, r.next());
            assertNull(r.next());
        }
    }

    @Test
    void corruptLengthCrcIsFatal() throws Exception {
        byte[] file = TfRecordTestWriter.file(A, C);
        int secondStart = 12 + A.length + 4;
        file[secondStart + 8] ^= 0x40; // the stored length CRC
        Path f = write("bad-len.tfrecord", file);
        try (TfRecordReader r = TfRecordReader.open(f)) {
            assertArrayEquals(A, r.next());
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.LENGTH_CRC_MISMATCH, e.kind());
            assertFalse(e.recoverable());
            assertEquals(1, e.recordIndex());
            assertTrue(e.getMessage().contains("length CRC mismatch"), e.getMessage());
            assertSame(e, assertThrows(TfRecordException.class, r::next)); // stays failed
        }
    }

    @Test
    void hugeLengthIsRejectedWithoutAllocating() throws Exception {
        // a valid length CRC over an absurd length: only the bound can stop it
        byte[] file = concat(TfRecordTestWriter.frame(A), TfRecordTestWriter.headerOnly(1L << 40), new byte[64]);
        Path f = write("huge.tfrecord", file);
        try (TfRecordReader r = TfRecordReader.open(f)) {
            assertArrayEquals(A, r.next());
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.RECORD_TOO_LARGE, e.kind());
            assertTrue(e.getMessage().contains(Long.toString(1L << 40)), e.getMessage());
            assertTrue(e.getMessage().contains("268435456"), e.getMessage());
        }
        // a negative length as signed (2^64 - 1) is also "too large", printed unsigned
        Path g = write("neg.tfrecord", TfRecordTestWriter.headerOnly(-1L));
        try (TfRecordReader r = TfRecordReader.open(g)) {
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.RECORD_TOO_LARGE, e.kind());
            assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
        }
    }

    @Test
    void configurableBound() throws Exception {
        byte[] big = new byte[1000];
        Path f = write("big.tfrecord", TfRecordTestWriter.file(big));
        try (TfRecordReader r = TfRecordReader.open(f, TfRecordReader.Options.defaults().withMaxRecordBytes(999))) {
            assertEquals(TfRecordException.Kind.RECORD_TOO_LARGE, assertThrows(TfRecordException.class, r::next).kind());
        }
        try (TfRecordReader r = TfRecordReader.open(f, TfRecordReader.Options.defaults().withMaxRecordBytes(1000))) {
            assertEquals(1000, r.next().length);
        }
        assertThrows(IllegalArgumentException.class, () -> TfRecordReader.Options.defaults().withMaxRecordBytes(0));
    }

    @Test
    void truncatedDataIsReported() throws Exception {
        byte[] file = TfRecordTestWriter.file(A, C);
        Path f = write("cut.tfrecord", Arrays.copyOf(file, file.length - 6)); // inside record 1's data
        try (TfRecordReader r = TfRecordReader.open(f)) {
            assertArrayEquals(A, r.next());
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.TRUNCATED, e.kind());
            assertEquals(1, e.recordIndex());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertTrue(e.getMessage().contains("cut.tfrecord"), e.getMessage());
        }
    }

    @Test
    void truncatedHeaderAndCrcAreReported() throws Exception {
        byte[] file = TfRecordTestWriter.file(A, C);
        int secondStart = 12 + A.length + 4;
        Path header = write("cut-header.tfrecord", Arrays.copyOf(file, secondStart + 5));
        try (TfRecordReader r = TfRecordReader.open(header)) {
            r.next();
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.TRUNCATED, e.kind());
            assertTrue(e.getMessage().contains("5 of 12"), e.getMessage());
        }
        // streams (unknown size): the data CRC cut short
        try (TfRecordReader r = new TfRecordReader(new ByteArrayInputStream(Arrays.copyOf(file, file.length - 2)),
                "stream", TfRecordReader.Options.defaults())) {
            r.next();
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.TRUNCATED, e.kind());
            assertTrue(e.getMessage().contains("data CRC"), e.getMessage());
        }
    }

    @Test
    void streamWithLyingLengthIsTruncatedNotOutOfMemory() throws Exception {
        // 200 MB announced (under the bound), 10 bytes present: the reader must not allocate 200 MB up front
        byte[] content = concat(TfRecordTestWriter.headerOnly(200L << 20), new byte[10]);
        InputStream in = new ByteArrayInputStream(content);
        try (TfRecordReader r = new TfRecordReader(in, "lying", TfRecordReader.Options.defaults())) {
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.TRUNCATED, e.kind());
            assertTrue(e.getMessage().contains("10 of " + (200L << 20)), e.getMessage());
        }
        // and for a file, the size check fires before any read
        Path f = write("lying.tfrecord", content);
        try (TfRecordReader r = TfRecordReader.open(f)) {
            TfRecordException e = assertThrows(TfRecordException.class, r::next);
            assertEquals(TfRecordException.Kind.TRUNCATED, e.kind());
            assertTrue(e.getMessage().contains("only 10 bytes remain"), e.getMessage());
        }
    }

    @Test
    void gzipFilesAreDecompressed() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(TfRecordTestWriter.file(A, C));
        }
        Path f = write("x.tfrecord.gz", bytes.toByteArray());
        try (TfRecordReader r = TfRecordReader.open(f)) {
            assertArrayEquals(A, r.next());
            assertArrayEquals(C, r.next());
            assertNull(r.next());
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
