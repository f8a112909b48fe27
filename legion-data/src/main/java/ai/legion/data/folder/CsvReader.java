package ai.legion.data.folder;

import ai.legion.core.text.SafeText;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A streaming RFC 4180 CSV parser (commons-csv is not on the classpath).
 *
 * <ul>
 *   <li>Fields are separated by {@code ,}; records end at CRLF, LF or a lone CR (all three accepted).
 *   <li>A field that starts with {@code "} is quoted: it may contain commas, line breaks and doubled
 *       quotes ({@code ""} → {@code "}); the closing quote must be followed by {@code ,}, a line
 *       break or the end of input.
 *   <li>Spaces are part of fields (nothing is trimmed); an empty line is a record with one empty field.
 *   <li>A leading UTF-8 byte-order mark ({@code U+FEFF}) is dropped.
 * </ul>
 *
 * <p>Malformed records — a quote inside an unquoted field, text after a closing quote — throw a
 * {@link CsvFormatException} after the rest of the physical line has been skipped, so the next call
 * continues with the following record. A quoted field still open at the end of the input also
 * throws (the input is then exhausted). After {@link #close()}, {@link #next()} throws.
 */
public final class CsvReader implements Closeable {

    /** A malformed record: the message names the line. */
    public static final class CsvFormatException extends IOException {
        private final long line;

        CsvFormatException(long line, String message) {
            super(SafeText.forTerminalLine("line " + line + ": " + message, SafeText.UNLIMITED));
            this.line = line;
        }

        /** The 1-based line where the malformed record starts. */
        public long line() {
            return line;
        }
    }

    private static final int EOF = -1;

    private final Reader in;
    private final char[] buf = new char[8192];
    private int pos;
    private int len;
    private boolean started;
    private long line = 1; // line of the next unread character
    private long recordLine;
    private boolean closed;

    /** Parses {@code in} (not buffered here beyond an internal 8 KiB block; closed by {@link #close}). */
    public CsvReader(Reader in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    /**
     * The next record's fields, or {@code null} at the end of the input.
     *
     * @throws CsvFormatException for a malformed record (the reader stays usable)
     * @throws IOException if the underlying reader fails
     */
    public List<String> next() throws IOException {
        if (closed) {
            throw new IOException("the CSV reader is closed");
        }
        if (!started) {
            started = true;
            if (peek() == '\uFEFF') {
                read();
            }
        }
        if (peek() == EOF) {
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            int c = read();
            if (c == '"' && field.isEmpty()) {
                readQuoted(field);
                int after = read();
                if (after == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                    continue;
                }
                if (after == EOF || isLineBreak(after)) {
                    finishLineBreak(after);
                    fields.add(field.toString());
                    return fields;
                }
                skipRestOfLine();
                throw new CsvFormatException(recordLine,
                        "unexpected character '" + (char) after + "' after the closing quote of field "
                                + (fields.size() + 1) + " (quotes inside a quoted field must be doubled)");
            }
            if (c == '"') {
                skipRestOfLine();
                throw new CsvFormatException(recordLine, "quote inside unquoted field " + (fields.size() + 1)
                        + " (a field containing quotes must be quoted and its quotes doubled)");
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                continue;
            }
            if (c == EOF || isLineBreak(c)) {
                finishLineBreak(c);
                fields.add(field.toString());
                return fields;
            }
            field.append((char) c);
        }
    }

    /** The 1-based line where the last record (or malformed record) started. */
    public long recordLine() {
        return recordLine;
    }

    private void readQuoted(StringBuilder field) throws IOException {
        while (true) {
            int c = read();
            if (c == EOF) {
                throw new CsvFormatException(recordLine, "quoted field is not closed before the end of the input");
            }
            if (c == '"') {
                if (peek() == '"') {
                    read();
                    field.append('"');
                    continue;
                }
                return;
            }
            if (c == '\r') {
                // keep the line break as written, but count it once
                field.append('\r');
                if (peek() == '\n') {
                    read();
                    field.append('\n');
                }
                line++;
                continue;
            }
            if (c == '\n') {
                line++;
            }
            field.append((char) c);
        }
    }

    /** After reading a CR, LF or EOF that ends a record: swallow the LF of a CRLF and count the line. */
    private void finishLineBreak(int c) throws IOException {
        if (c == '\r') {
            if (peek() == '\n') {
                read();
            }
            line++;
        } else if (c == '\n') {
            line++;
        }
    }

    private void skipRestOfLine() throws IOException {
        while (true) {
            int c = read();
            if (c == EOF || isLineBreak(c)) {
                finishLineBreak(c);
                return;
            }
        }
    }

    private static boolean isLineBreak(int c) {
        return c == '\r' || c == '\n';
    }

    private int peek() throws IOException {
        if (pos == len && !fill()) {
            return EOF;
        }
        return buf[pos];
    }

    private int read() throws IOException {
        if (pos == len && !fill()) {
            return EOF;
        }
        return buf[pos++];
    }

    private boolean fill() throws IOException {
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            pos = len = 0;
            return false;
        }
        pos = 0;
        len = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        in.close();
    }
}
