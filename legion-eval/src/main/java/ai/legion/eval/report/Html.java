package ai.legion.eval.report;

/** Escaping for the report's XHTML (well-formed XML, so that it can be checked with any XML parser). */
final class Html {

    private Html() {}

    /** Text or attribute value with {@code & < > " '} escaped; control characters other than tab/newline dropped. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (ch >= 0x20 || ch == '\n' || ch == '\t') {
                        sb.append(ch);
                    } else if (ch == '\r') {
                        sb.append(' ');
                    }
                }
            }
        }
        return sb.toString();
    }
}
