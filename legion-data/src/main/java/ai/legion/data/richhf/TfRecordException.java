package ai.legion.data.richhf;

import ai.legion.core.text.SafeText;
import java.io.IOException;

/**
 * A TFRecord file is damaged: the message names the source, the record and the byte offset (control and
 * invisible characters escaped, {@link SafeText#forTerminalLine}).
 */
public final class TfRecordException extends IOException {

    /** What is wrong. */
    public enum Kind {
        /** The input ends inside a record (header, data or data CRC). */
        TRUNCATED,
        /** The masked CRC32C of the 8 length bytes does not match: the framing cannot be trusted. */
        LENGTH_CRC_MISMATCH,
        /** The length exceeds the configured maximum (a corrupt length, or a limit set too low). */
        RECORD_TOO_LARGE,
        /**
         * The masked CRC32C of the data does not match. The record has been consumed, so reading can go
         * on with the next record ({@link #recoverable()}).
         */
        DATA_CRC_MISMATCH
    }

    private final Kind kind;
    private final String source;
    private final long recordIndex;
    private final long offset;

    TfRecordException(Kind kind, String source, long recordIndex, long offset, String message) {
        super(SafeText.forTerminalLine(source + ": record " + recordIndex + " at byte " + offset + ": " + message,
                SafeText.UNLIMITED));
        this.kind = kind;
        this.source = source;
        this.recordIndex = recordIndex;
        this.offset = offset;
    }

    public Kind kind() {
        return kind;
    }

    /** The file (or stream name) read. */
    public String source() {
        return source;
    }

    /** The 0-based index of the damaged record in its file. */
    public long recordIndex() {
        return recordIndex;
    }

    /** The byte offset where the damaged record starts (in the decompressed stream for gzip files). */
    public long offset() {
        return offset;
    }

    /** Whether the reader is positioned at the next record and can go on (only {@link Kind#DATA_CRC_MISMATCH}). */
    public boolean recoverable() {
        return kind == Kind.DATA_CRC_MISMATCH;
    }
}
