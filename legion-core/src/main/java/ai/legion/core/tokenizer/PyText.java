package ai.legion.core.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's whitespace rules ({@code str.strip()}, {@code str.split()}), which the upstream prompt and
 * post-processing code relies on; Java's {@code strip()} differs for e.g. U+00A0 and U+001C..U+001F.
 */
public final class PyText {

    private PyText() {}

    /** {@code str.isspace()} for one code point. */
    public static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85 || (cp >= 0x1c && cp <= 0x1f);
    }

    /** {@code s.lstrip()}. */
    public static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    /** {@code s.rstrip()}. */
    public static String rstrip(String s) {
        int j = s.length();
        while (j > 0 && isSpace(s.codePointBefore(j))) {
            j -= Character.charCount(s.codePointBefore(j));
        }
        return s.substring(0, j);
    }

    /** {@code s.strip()}. */
    public static String strip(String s) {
        return rstrip(lstrip(s));
    }

    /** {@code s.strip(chars)}: strips any of the given characters from both ends. */
    public static String strip(String s, String chars) {
        int i = 0;
        int j = s.length();
        while (i < j && chars.indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        while (j > i && chars.indexOf(s.charAt(j - 1)) >= 0) {
            j--;
        }
        return s.substring(i, j);
    }

    /** {@code s.split()}: runs of whitespace separate, no empty strings. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            int start = i;
            while (i < s.length() && !isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    /** {@code " ".join(s.split())}: whitespace runs collapsed to one space, ends trimmed. */
    public static String collapseWhitespace(String s) {
        return String.join(" ", split(s));
    }
}
