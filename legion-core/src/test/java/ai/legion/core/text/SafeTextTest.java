package ai.legion.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.HostileText;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.xml.sax.InputSource;

class SafeTextTest {

    /** Every kind of hostile input with its exact single-line rendering. */
    @Test
    void everyHostileCharacterIsShownEscaped() {
        String[][] cases = {
            // OSC set-title terminated by BEL, then CSI clear-screen
            {"a\u001b]0;pwned\u0007\u001b[2Jb", "a\\x1b]0;pwned\\x07\\x1b[2Jb"},
            // CR and backspace that would overwrite what was printed
            {"ok\rFAKE\b\b", "ok\\rFAKE\\x08\\x08"},
            // DEL, NUL, C1 NEL and the 8-bit CSI
            {"x\u007f\u0000\u0085\u009b31m", "x\\x7f\\x00\\x85\\x9b31m"},
            // bidi override, pop, embedding and the isolates
            {"\u202eevil\u202c\u202a\u2066\u2067\u2068\u2069",
                "\\u202eevil\\u202c\\u202a\\u2066\\u2067\\u2068\\u2069"},
            // invisible format characters: zero width space/joiner, LRM, BOM, soft hyphen, Arabic letter mark
            {"a\u200bb\u200dc\u200ed\ufeffe\u00adf\u061c", "a\\u200bb\\u200dc\\u200ed\\ufeffe\\xadf\\u061c"},
            // line and paragraph separators, noncharacters
            {"p\u2028q\u2029r\ufffes\ufdd0", "p\\u2028q\\u2029r\\ufffes\\ufdd0"},
            // newline and tab are escaped on a single line
            {"k1\nk2\tk3", "k1\\nk2\\tk3"},
            // printable text of any script, the replacement character and a backslash stay as they are
            {"état ключ 鍵 😀 \ufffd C:\\x", "état ключ 鍵 😀 \ufffd C:\\x"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], SafeText.forTerminalLine(c[0]));
        }
    }

    @Test
    void loneSurrogatesAndSupplementaryFormatCharactersAreEscaped() {
        assertEquals("a\\ud800b\\udc00c", SafeText.forTerminalLine("a\ud800b\udc00c"));
        assertEquals("\\ud83d", SafeText.forTerminalLine("\ud83d"), "a high surrogate at the end");
        // U+E0001 LANGUAGE TAG and U+1D173 MUSICAL SYMBOL BEGIN BEAM are format characters beyond the BMP
        assertEquals("x\\U000e0001y\\U0001d173", SafeText.forTerminalLine("x\udb40\udc01y\ud834\udd73"));
        assertEquals("\\U0010ffff", SafeText.forTerminalLine(new String(Character.toChars(0x10FFFF))));
    }

    @Test
    void multiLineTextKeepsNewlinesAndTabsOnly() {
        assertEquals("line 1\n\tline 2\\r\\x1b[1A", SafeText.forTerminal("line 1\n\tline 2\r\u001b[1A"));
        assertEquals("null", SafeText.forTerminal(null));
        assertEquals("null", SafeText.forTerminalLine(null));
    }

    @Test
    void cleanShortTextIsReturnedAsIs() {
        String s = "model.layers.0.self_attn.q_proj.weight";
        assertSame(s, SafeText.forTerminalLine(s));
        assertEquals("/tmp/a b.png", SafeText.forTerminalLine(java.nio.file.Path.of("/tmp/a b.png")));
    }

    @Test
    void longTextIsCutWithAMarkerCountingTheInputLeftOut() {
        String s = "abcdefghij".repeat(500); // 5000 chars
        String out = SafeText.forTerminalLine(s);
        assertEquals(s.substring(0, SafeText.DEFAULT_MAX_CHARS) + "...(+1000 chars)", out);
        assertEquals("abcde...(+5 chars)", SafeText.forTerminal("abcdefghij", 5));
        assertEquals("abcdefghij", SafeText.forTerminal("abcdefghij", 10));
        // the limit counts output: ESC renders as 4 characters, and an escape is never split
        assertEquals("\\x1b\\x1b...(+3 chars)", SafeText.forTerminalLine("\u001b".repeat(5), 10));
        // a surrogate pair is never split: 😀 needs two chars and only one is left
        assertEquals("ab...(+2 chars)", SafeText.forTerminalLine("ab😀", 3));
        assertEquals("...(+3 chars)", SafeText.forTerminalLine("abc", 0));
        assertEquals(SafeText.forTerminalLine(s.repeat(10), SafeText.UNLIMITED), s.repeat(10));
        assertThrows(IllegalArgumentException.class, () -> SafeText.forTerminalLine("a", -1));
    }

    @Test
    void invalidUtf8IsReplacedNotDropped() {
        byte[] bytes = {'k', (byte) 0xFF, 'e', (byte) 0xC3, 'y', (byte) 0xE2, (byte) 0x82, (byte) 0xED, (byte) 0xA0,
            (byte) 0x80, 'z', (byte) 0xC3, (byte) 0xA9, (byte) 0xF0, (byte) 0x9F};
        // a lone 0xFF; a truncated 2-byte and a truncated 3-byte sequence; an encoded surrogate (ED A0 80, one
        // malformed sequence to the JDK); a valid é; a truncated 4-byte sequence at the end
        assertEquals("k\ufffde\ufffdy\ufffd\ufffdz\u00e9\ufffd", SafeText.decodeUtf8(bytes, 0, bytes.length));
        assertEquals("e\ufffdy", SafeText.decodeUtf8(bytes, 2, 3));
        assertFalse(SafeText.decodeUtf8(bytes, 0, bytes.length).chars().anyMatch(c -> Character.isSurrogate((char) c)));
    }

    @Test
    void htmlEscapesMarkupAndShowsControlsSoThatThePageIsWellFormedXml() throws Exception {
        String hostile = "<script>alert('x')</script> & \"q\" \u001b[2J\u0000\u202e\ud800\ufffe\nnext";
        String out = SafeText.forHtml(hostile);
        assertEquals("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;q&#34; \\x1b[2J\\x00\\u202e\\ud800"
                + "\\ufffe\nnext", out);
        assertEquals("", SafeText.forHtml(null));
        assertEquals("ab...(+1 chars)", SafeText.forHtml("abc", 2));
        // parses as XML: no character XML 1.0 forbids, no stray markup
        String doc = "<p title=\"" + out + "\">" + out + "</p>";
        String text = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(doc))).getDocumentElement().getTextContent();
        assertTrue(text.startsWith("<script>alert('x')</script> & \"q\" \\x1b[2J"), text);
    }

    @Test
    void jsonEscapesKeepTheExactStringAndNoRawControl() throws Exception {
        ObjectMapper om = new ObjectMapper(new JsonFactory().setCharacterEscapes(SafeText.jsonEscapes()));
        String s = HostileText.PAYLOAD + "\u007f\u0085\ud800 é 鍵";
        String json = om.writeValueAsString(s);
        assertEquals("\"\\u001B]0;pwned\\u0007\\u001B[2J\\rFAKE\\b\\b\\u202Eevil\\u009B31m\\u200B\\u007F\\u0085"
                + "\\uD800 é 鍵\"", json);
        assertEquals(s, om.readValue(json, String.class));
    }

    @Test
    void thePayloadOfThePathTestsRendersAsTheirExpectedText() {
        assertEquals(HostileText.ESCAPED, SafeText.forTerminalLine(HostileText.PAYLOAD));
        HostileText.assertNoRawControls(HostileText.ESCAPED);
        assertThrows(AssertionError.class, () -> HostileText.assertNoRawControls(HostileText.PAYLOAD));
        assertThrows(AssertionError.class, () -> HostileText.assertNoRawControls("a\ud800"));
        HostileText.assertNoRawControls("ok\n\tok 😀");
    }

    @Test
    void escapedTextIsLeftAlone() {
        String once = SafeText.forTerminalLine("a\u001b]0;t\u0007\r\n\u202e");
        assertEquals(once, SafeText.forTerminalLine(once));
        assertEquals(once, SafeText.forTerminal(once));
        for (char c : once.toCharArray()) {
            assertTrue(c >= 0x20 && c < 0x7f, "only printable ASCII remains: " + once);
        }
    }
}
