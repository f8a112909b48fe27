package ai.legion.core.text;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.owasp.encoder.Encode;

/**
 * Renders untrusted text (checkpoint metadata and tensor keys, pickle global names, config strings, dataset
 * captions and ids, model output, server answers, file names) for people: on a terminal, in a log or in the
 * HTML report. A crafted string must not retitle or clear a terminal (ESC/OSC/CSI sequences, BEL), fake or
 * overwrite output lines (CR, backspace), reorder or hide text (bidi overrides and isolates, zero-width and
 * other invisible format characters), nor flood the output.
 *
 * <p>Every character a terminal or browser would act on instead of show is written as a visible escape in
 * Python's {@code repr} style: {@code \t \n \r} by name, other code points below U+0100 as {@code \x1b},
 * the rest as <code>&#92;u202e</code> or <code>&#92;U000e0001</code>. Escaped are the control characters
 * (C0, DEL, C1 including U+0085), format characters ({@link Character#FORMAT}: bidi embeddings, overrides
 * and isolates U+202A-U+202E and U+2066-U+2069, U+200B-U+200F, U+FEFF, U+00AD, ...), the line and paragraph
 * separators U+2028/U+2029, lone surrogates and the noncharacters (U+FFFE, U+FDD0-U+FDEF, ...). A backslash
 * is left as it is, so the output is for reading, not for decoding back: machine-readable outputs (JSON) keep
 * the exact strings and rely on JSON escaping instead ({@link #jsonEscapes()} for JSON that is printed).
 *
 * <p>Text whose rendering is longer than a limit is cut there and ends with {@code ...(+N chars)}, N counting
 * the input characters left out. The limit counts output characters, so escapes cannot blow a string up past
 * it, and a cut never splits an escape or a surrogate pair.
 */
public final class SafeText {

    /** The default output length of {@link #forTerminal}, {@link #forTerminalLine} and {@link #forHtml}. */
    public static final int DEFAULT_MAX_CHARS = 4000;

    /** No length limit (for text that is already bounded, such as an exception message). */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private SafeText() {}

    /**
     * Multi-line text for a terminal or log: newlines and tabs are kept, every other control or invisible
     * character is escaped; cut after {@value #DEFAULT_MAX_CHARS} characters.
     *
     * @param value the text ({@link String#valueOf(Object)} of it; {@code null} gives {@code "null"})
     */
    public static String forTerminal(Object value) {
        return forTerminal(value, DEFAULT_MAX_CHARS);
    }

    /** As {@link #forTerminal(Object)} with another length limit ({@link #UNLIMITED}: none). */
    public static String forTerminal(Object value, int maxChars) {
        return visible(String.valueOf(value), true, maxChars);
    }

    /**
     * One line for a terminal or log (a key, a name, a path, a message): newlines and tabs are escaped too,
     * so that the text cannot start a line of its own; cut after {@value #DEFAULT_MAX_CHARS} characters.
     *
     * @param value the text ({@link String#valueOf(Object)} of it; {@code null} gives {@code "null"})
     */
    public static String forTerminalLine(Object value) {
        return forTerminalLine(value, DEFAULT_MAX_CHARS);
    }

    /** As {@link #forTerminalLine(Object)} with another length limit ({@link #UNLIMITED}: none). */
    public static String forTerminalLine(Object value, int maxChars) {
        return visible(String.valueOf(value), false, maxChars);
    }

    /**
     * Text or a quoted attribute value of an (X)HTML page: characters escaped as for {@link #forTerminal}
     * (newlines and tabs are kept: HTML shows them as spaces), then {@code & < > " '} as character references
     * by the OWASP Java Encoder, so the result is also well-formed XML; cut after {@value #DEFAULT_MAX_CHARS}
     * characters (counted before the references).
     *
     * @param value the text; {@code null} gives {@code ""}
     */
    public static String forHtml(String value) {
        return forHtml(value, DEFAULT_MAX_CHARS);
    }

    /** As {@link #forHtml(String)} with another length limit ({@link #UNLIMITED}: none). */
    public static String forHtml(String value, int maxChars) {
        return value == null ? "" : Encode.forXml(visible(value, true, maxChars));
    }

    /**
     * Jackson escapes for JSON that may end up on a terminal (e.g. JSON Lines on stdout): Jackson escapes only
     * C0 controls, so this also writes DEL, C1 controls, format characters, separators, surrogates and
     * noncharacters as <code>&#92;uXXXX</code>. The JSON still decodes to the exact strings. Use with
     * {@code new ObjectMapper(new JsonFactory().setCharacterEscapes(SafeText.jsonEscapes()))}.
     */
    public static CharacterEscapes jsonEscapes() {
        return JsonEscapes.INSTANCE;
    }

    /** See {@link #jsonEscapes()}; Jackson asks for each non-ASCII char (UTF-16 unit) separately. */
    private static final class JsonEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        static final JsonEscapes INSTANCE = new JsonEscapes();
        private final int[] ascii;

        private JsonEscapes() {
            ascii = standardAsciiEscapesForJSON();
            ascii[0x7F] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii.clone();
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            // upper-case hex like Jackson's own escapes of C0 controls
            return isEscaped(ch, false) ? new SerializedString(String.format(Locale.ROOT, "\\u%04X", ch)) : null;
        }
    }

    /**
     * Bytes that should be UTF-8 as text: each malformed or truncated sequence becomes U+FFFD (the
     * {@link String#String(byte[], int, int, java.nio.charset.Charset)} contract), so no byte can pass
     * undecoded and nothing throws.
     */
    public static String decodeUtf8(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }

    /**
     * Whether a code point is shown escaped: controls, invisible format characters, line and paragraph
     * separators, lone surrogates and noncharacters; newline and tab only when {@code keepLines} is false.
     */
    public static boolean isEscaped(int cp, boolean keepLines) {
        if (cp == '\n' || cp == '\t') {
            return !keepLines;
        }
        if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR -> true;
            default -> false;
        };
    }

    private static String visible(String s, boolean keepLines, int maxChars) {
        if (maxChars < 0) {
            throw new IllegalArgumentException("maxChars must be >= 0, got " + maxChars);
        }
        if (s.length() <= maxChars && clean(s, keepLines)) {
            return s;
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), maxChars) + 16);
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            String piece = isEscaped(cp, keepLines) ? escape(cp) : null;
            int width = piece != null ? piece.length() : Character.charCount(cp);
            if (sb.length() + width > maxChars) {
                break;
            }
            if (piece != null) {
                sb.append(piece);
            } else {
                sb.appendCodePoint(cp);
            }
            i += Character.charCount(cp);
        }
        if (i < s.length()) {
            sb.append("...(+").append(s.length() - i).append(" chars)");
        }
        return sb.toString();
    }

    private static boolean clean(String s, boolean keepLines) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isEscaped(cp, keepLines)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    private static String escape(int cp) {
        return switch (cp) {
            case '\t' -> "\\t";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            default -> cp < 0x100 ? String.format(Locale.ROOT, "\\x%02x", cp)
                    : cp < 0x10000 ? String.format(Locale.ROOT, "\\u%04x", cp)
                    : String.format(Locale.ROOT, "\\U%08x", cp);
        };
    }
}
