package ai.legion.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Strings that would act on a terminal or page if printed raw, and the check that an output holds none of
 * them: for the tests of every path that shows untrusted text (checkpoint keys, pickle names, configs,
 * captions, model output, server answers).
 */
public final class HostileText {

    /**
     * OSC "set window title" ended by BEL, CSI "clear screen", a carriage return and backspaces that would
     * overwrite the line, an RLO bidi override, the 8-bit C1 CSI and a zero width space.
     */
    public static final String PAYLOAD = "\u001b]0;pwned\u0007\u001b[2J\rFAKE\b\b\u202eevil\u009b31m\u200b";

    /** {@link #PAYLOAD} as {@code SafeText.forTerminalLine} shows it. */
    public static final String ESCAPED = "\\x1b]0;pwned\\x07\\x1b[2J\\rFAKE\\x08\\x08\\u202eevil\\x9b31m\\u200b";

    private HostileText() {}

    /**
     * A torch-zip checkpoint whose pickle names the global {@code module.name}, {@link #PAYLOAD} and a byte 0xFF
     * (invalid UTF-8) appended to the name: any such global is forbidden, so opening it fails naming it.
     */
    public static Path forbiddenGlobalCheckpoint(Path file, String module, String name) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO 2
        p.write(2);
        p.write('c'); // GLOBAL module\nname\n
        p.writeBytes((module + "\n" + name + PAYLOAD).getBytes(StandardCharsets.UTF_8));
        p.write(0xFF);
        p.writeBytes("\n.".getBytes(StandardCharsets.UTF_8));
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(file)) {
            ZipArchiveEntry e = new ZipArchiveEntry(stem + "/data.pkl");
            e.setMethod(ZipArchiveEntry.STORED);
            e.setSize(p.size());
            z.putArchiveEntry(e);
            z.write(p.toByteArray());
            z.closeArchiveEntry();
        }
        return file;
    }

    /**
     * Fails when {@code output} holds a character a terminal or browser would act on: any C0 control but
     * newline and tab (so no ESC, BEL, CR, backspace), DEL, a C1 control, a bidi embedding, override or
     * isolate, a zero-width or other invisible format character, a line/paragraph separator or a lone
     * surrogate.
     */
    public static void assertNoRawControls(String output) {
        for (int i = 0; i < output.length(); ) {
            int cp = output.codePointAt(i);
            boolean bad = cp < 0x20 && cp != '\n' && cp != '\t'
                    || cp >= 0x7F && cp <= 0x9F
                    || cp >= 0x202A && cp <= 0x202E || cp >= 0x2066 && cp <= 0x2069
                    || cp >= 0x200B && cp <= 0x200F || cp == 0xFEFF || cp == 0x2028 || cp == 0x2029
                    || Character.getType(cp) == Character.FORMAT || cp >= 0xD800 && cp <= 0xDFFF;
            if (bad) {
                int from = Math.max(0, i - 40);
                fail(String.format("raw U+%04X at %d in the output, after: %s", cp, i,
                        output.substring(from, i).replaceAll("\\p{Cntrl}", "?")));
            }
            i += Character.charCount(cp);
        }
    }
}
