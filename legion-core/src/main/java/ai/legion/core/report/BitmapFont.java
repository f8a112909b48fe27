package ai.legion.core.report;

import java.awt.Graphics2D;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A tiny built-in 3x5 pixel font (digits, A-Z, common punctuation; lower case drawn as upper case, anything
 * else as '?'). The overlay falls back to it when the JVM has no usable fonts (minimal headless images without
 * fontconfig or font files), where {@code Graphics2D.drawString} fails, because it only needs
 * {@code fillRect}.
 */
final class BitmapFont {

    /** Glyph cell: 3 columns + 1 spacing, 5 rows + 1 above + 1 below. */
    static final int ADVANCE = 4;
    static final int LINE = 7;

    private static final Map<Character, String> GLYPHS = new HashMap<>();

    static {
        // each glyph: 5 rows of 3 columns, top to bottom, '1' = ink
        String[] table = {
            "0111101101101111", "1010110010010111", "2111001111100111", "3111001111001111",
            "4101101111001001", "5111100111001111", "6111100111101111", "7111001010010010",
            "8111101111101111", "9111101111001111",
            "A010101111101101", "B110101110101110", "C011100100100011", "D110101101101110",
            "E111100110100111", "F111100110100100", "G011100101101011", "H101101111101101",
            "I111010010010111", "J001001001101010", "K101101110101101", "L100100100100111",
            "M101111111101101", "N110101101101101", "O010101101101010", "P110101110100100",
            "Q010101101110011", "R110101110101101", "S011100010001110", "T111010010010010",
            "U101101101101111", "V101101101101010", "W101101111111101", "X101101010101101",
            "Y101101010010010", "Z111001010100111",
            " 000000000000000", ".000000000000010", ",000000000010100", ":000010000010000",
            ";000010000010100", "-000000111000000", "+000010111010000", "%101001010100101",
            "(001010010010001", ")100010010010100", "/001001010100100", "'010010000000000",
            "\"101101000000000", "=000111000111000", "!010010010000010", "?110001010000010",
            "[110100100100110", "]011001001001011", "_000000000000111", "#101111101111101",
            "*000101010101000", "<001010100010001", ">100010001010100"
        };
        for (String g : table) {
            GLYPHS.put(g.charAt(0), g.substring(1));
        }
    }

    private final int scale;

    /** A font whose pixels are {@code scale x scale} squares. */
    BitmapFont(int scale) {
        this.scale = Math.max(1, scale);
    }

    /** The glyph rows of {@code c} (15 chars of '0'/'1'). */
    static String glyph(char c) {
        String g = GLYPHS.get(Character.toUpperCase(c));
        if (g == null) {
            g = GLYPHS.get(String.valueOf(c).toUpperCase(Locale.ROOT).charAt(0));
        }
        return g != null ? g : GLYPHS.get('?');
    }

    int width(String s) {
        return s.length() * ADVANCE * scale;
    }

    int lineHeight() {
        return LINE * scale;
    }

    /** Draws {@code s} with the line box's top-left corner at {@code (x, top)} in the current color. */
    void draw(Graphics2D g, String s, int x, int top) {
        for (int k = 0; k < s.length(); k++) {
            String glyph = glyph(s.charAt(k));
            int gx = x + k * ADVANCE * scale;
            for (int row = 0; row < 5; row++) {
                for (int col = 0; col < 3; col++) {
                    if (glyph.charAt(row * 3 + col) == '1') {
                        g.fillRect(gx + col * scale, top + (row + 1) * scale, scale, scale);
                    }
                }
            }
        }
    }
}
