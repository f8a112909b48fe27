package ai.legion.data.richhf;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * Streams the records of a TFRecord file without TensorFlow.
 *
 * <p>Each record is
 * <pre>
 * uint64 length          (little-endian)
 * uint32 masked_crc32c(length bytes)
 * byte   data[length]
 * uint32 masked_crc32c(data)
 * </pre>
 * with {@code masked(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8} over CRC32C (Castagnoli).
 *
 * <h2>Safety</h2>
 * <ul>
 *   <li>Both CRCs are verified unless {@link Options#verifyCrc()} is off. The length CRC is checked
 *       before the length is used, so a corrupt length is reported as such.</li>
 *   <li>A length above {@link Options#maxRecordBytes()} (default 256 MiB) is rejected before anything is
 *       allocated; for files the length is also checked against the bytes left, and data is read in
 *       growing chunks, so a corrupt length never allocates a huge array.</li>
 *   <li>Truncation (end of input inside a record) is reported with the record index and offset;
 *       an input that ends exactly between records is a clean end.</li>
 * </ul>
 * Errors are {@link TfRecordException}s. After {@link TfRecordException.Kind#DATA_CRC_MISMATCH} the
 * reader has consumed the bad record and {@link #next()} continues with the following one; after any
 * other kind the framing is lost and every further {@link #next()} throws the same exception.
 *
 * <p>Files starting with the gzip magic bytes are decompressed transparently (TFRecord's {@code GZIP}
 * compression option); ZLIB-compressed files are not supported. Not thread-safe.
 */
public final class TfRecordReader implements Closeable {

    /** Default bound on one record's data: 256 MiB. */
    public static final long DEFAULT_MAX_RECORD_BYTES = 256L << 20;

    /** The largest bound accepted (the data must fit a Java array). */
    public static final long MAX_RECORD_BYTES_LIMIT = Integer.MAX_VALUE - 8;

    private static final int MASK_DELTA = 0xa282ead8;
    private static final int HEADER_BYTES = 12;
    private static final int FOOTER_BYTES = 4;

    /**
     * Reading options.
     *
     * @param verifyCrc whether the length and data CRCs are checked
     * @param maxRecordBytes records whose length exceeds this are rejected (1..{@link #MAX_RECORD_BYTES_LIMIT})
     */
    public record Options(boolean verifyCrc, long maxRecordBytes) {
        public Options {
            if (maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxRecordBytes must be in 1.." + MAX_RECORD_BYTES_LIMIT
                        + ", got " + maxRecordBytes);
            }
        }

        /** CRCs verified, 256 MiB bound. */
        public static Options defaults() {
            return new Options(true, DEFAULT_MAX_RECORD_BYTES);
        }

        public Options withVerifyCrc(boolean value) {
            return new Options(value, maxRecordBytes);
        }

        public Options withMaxRecordBytes(long value) {
            return new Options(verifyCrc, value);
        }
    }

    private final InputStream in;
    private final String source;
    private final Options options;
    private final long knownSize;
    private final byte[] header = new byte[HEADER_BYTES];
    private final byte[] footer = new byte[FOOTER_BYTES];
    private final CRC32C crc = new CRC32C();
    private long offset;
    private long index;
    private boolean eof;
    private TfRecordException fatal;

    /**
     * Reads a stream (buffered here if it is not already; closed by {@link #close()}).
     *
     * @param source what to call it in error messages (e.g. the file name)
     */
    public TfRecordReader(InputStream in, String source, Options options) {
        this(in, source, options, -1);
    }

    private TfRecordReader(InputStream in, String source, Options options, long knownSize) {
        Objects.requireNonNull(in, "in");
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
        this.knownSize = knownSize;
    }

    /** Opens a file with {@link Options#defaults()}. */
    public static TfRecordReader open(Path file) throws IOException {
        return open(file, Options.defaults());
    }

    /**
     * Opens a file; gzip-compressed files (detected by their magic bytes) are decompressed.
     *
     * @throws IOException if the file cannot be opened
     */
    public static TfRecordReader open(Path file, Options options) throws IOException {
        Objects.requireNonNull(file, "file");
        long size = Files.size(file);
        BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new TfRecordReader(new GZIPInputStream(raw, 1 << 16), file.toString(), options, -1);
            }
            return new TfRecordReader(raw, file.toString(), options, size);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The options in force. */
    public Options options() {
        return options;
    }

    /** The index of the next record to be read (records consumed so far, bad ones included). */
    public long recordIndex() {
        return index;
    }

    /** Bytes consumed so far (of the decompressed stream for gzip files). */
    public long offset() {
        return offset;
    }

    /**
     * The next record's data, or {@code null} at a clean end of input.
     *
     * @throws TfRecordException if the record is damaged (see the class comment for what can follow)
     * @throws IOException if reading fails
     */
    public byte[] next() throws IOException {
        if (fatal != null) {
            throw fatal;
        }
        if (eof) {
            return null;
        }
        long start = offset;
        int got = readFully(header, HEADER_BYTES);
        if (got == 0) {
            eof = true;
            return null;
        }
        if (got < HEADER_BYTES) {
            throw fatal(TfRecordException.Kind.TRUNCATED, start, "truncated record header: the input ends after "
                    + got + " of " + HEADER_BYTES + " bytes (length + length CRC)");
        }
        long length = littleEndianLong(header, 0);
        int storedLengthCrc = littleEndianInt(header, 8);
        if (options.verifyCrc()) {
            int expected = maskedCrc(header, 0, 8);
            if (expected != storedLengthCrc) {
                throw fatal(TfRecordException.Kind.LENGTH_CRC_MISMATCH, start, String.format(
                        "length CRC mismatch (stored 0x%08x, computed 0x%08x over length bytes giving %s):"
                                + " corrupt record header or not a TFRecord file",
                        storedLengthCrc, expected, Long.toUnsignedString(length)));
            }
        }
        if (length < 0 || length > options.maxRecordBytes()) {
            throw fatal(TfRecordException.Kind.RECORD_TOO_LARGE, start, "record length "
                    + Long.toUnsignedString(length) + " exceeds the limit of " + options.maxRecordBytes()
                    + " bytes (corrupt length, or raise maxRecordBytes)");
        }
        if (knownSize >= 0) {
            long remaining = knownSize - offset;
            if (length + FOOTER_BYTES > remaining) {
                throw fatal(TfRecordException.Kind.TRUNCATED, start, "truncated record: the header announces "
                        + length + " data bytes + " + FOOTER_BYTES + " CRC bytes but only " + remaining
                        + " bytes remain in the file");
            }
        }
        // readNBytes grows its buffer in chunks, so a short stream never makes us allocate `length` at once
        byte[] data = in.readNBytes((int) length);
        offset += data.length;
        if (data.length < length) {
            throw fatal(TfRecordException.Kind.TRUNCATED, start, "truncated record: the input ends after "
                    + data.length + " of " + length + " data bytes");
        }
        int gotFooter = readFully(footer, FOOTER_BYTES);
        if (gotFooter < FOOTER_BYTES) {
            throw fatal(TfRecordException.Kind.TRUNCATED, start, "truncated record: the input ends inside the "
                    + "data CRC (" + gotFooter + " of " + FOOTER_BYTES + " bytes)");
        }
        long recordIndex = index++;
        if (options.verifyCrc()) {
            int stored = littleEndianInt(footer, 0);
            int expected = maskedCrc(data, 0, data.length);
            if (stored != expected) {
                throw new TfRecordException(TfRecordException.Kind.DATA_CRC_MISMATCH, source, recordIndex, start,
                        String.format("data CRC mismatch (stored 0x%08x, computed 0x%08x over %d bytes):"
                                + " the record is corrupt and was skipped", stored, expected, data.length));
            }
        }
        return data;
    }

    private TfRecordException fatal(TfRecordException.Kind kind, long start, String message) {
        fatal = new TfRecordException(kind, source, index, start, message);
        return fatal;
    }

    /** Reads up to {@code n} bytes; returns how many were read before the end of input. */
    private int readFully(byte[] buf, int n) throws IOException {
        int got = in.readNBytes(buf, 0, n);
        offset += got;
        return got;
    }

    /** TFRecord's masked CRC32C of {@code data[off, off+len)}. */
    int maskedCrc(byte[] data, int off, int len) {
        crc.reset();
        crc.update(data, off, len);
        return mask((int) crc.getValue());
    }

    /** TFRecord's CRC mask: rotate right by 15 bits and add {@code 0xa282ead8}. */
    public static int mask(int crc32c) {
        return ((crc32c >>> 15) | (crc32c << 17)) + MASK_DELTA;
    }

    /** The masked CRC32C of a byte range, as stored in TFRecord files. */
    public static int maskedCrc32c(byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(data, off, len);
        return mask((int) c.getValue());
    }

    static long littleEndianLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    static int littleEndianInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
