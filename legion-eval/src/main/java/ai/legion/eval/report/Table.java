package ai.legion.eval.report;

import ai.legion.core.text.SafeText;
import java.util.List;

/**
 * A report table, rendered as XHTML or Markdown.
 *
 * @param id the HTML id (for links and tests)
 * @param caption the caption
 * @param header column titles
 * @param rows cells, row by row (as many cells as header titles)
 * @param note a note under the table, or {@code null}
 */
record Table(String id, String caption, List<String> header, List<List<String>> rows, String note) {

    Table {
        header = List.copyOf(header);
        rows = rows.stream().map(List::copyOf).toList();
        for (List<String> r : rows) {
            if (r.size() != header.size()) {
                throw new IllegalArgumentException("table " + id + ": row " + r + " has " + r.size() + " cells for "
                        + header.size() + " columns");
            }
        }
    }

    String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<table id=\"").append(SafeText.forHtml(id)).append("\">\n<caption>")
                .append(SafeText.forHtml(caption)).append("</caption>\n<thead><tr>");
        for (String h : header) {
            sb.append("<th>").append(SafeText.forHtml(h)).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : rows) {
            sb.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                String tag = i == 0 ? "th" : "td";
                sb.append('<').append(tag).append('>').append(SafeText.forHtml(r.get(i))).append("</").append(tag)
                        .append('>');
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n");
        if (note != null && !note.isBlank()) {
            sb.append("<p class=\"note\">").append(SafeText.forHtml(note)).append("</p>\n");
        }
        return sb.toString();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("**").append(md(caption)).append("**\n\n|");
        for (String h : header) {
            sb.append(' ').append(md(h)).append(" |");
        }
        sb.append("\n|");
        for (int i = 0; i < header.size(); i++) {
            sb.append(i == 0 ? "---|" : "---:|");
        }
        sb.append('\n');
        for (List<String> r : rows) {
            sb.append('|');
            for (String c : r) {
                sb.append(' ').append(md(c)).append(" |");
            }
            sb.append('\n');
        }
        if (note != null && !note.isBlank()) {
            sb.append('\n').append(md(note)).append('\n');
        }
        return sb.append('\n').toString();
    }

    /**
     * Text for one line of the Markdown summary, which is also printed to the terminal: line breaks as spaces,
     * other control and invisible characters escaped ({@link SafeText#forTerminalLine}), {@code |} and
     * {@code <} backslash-escaped so that a string can neither split a table cell nor open an HTML tag in a
     * Markdown viewer.
     */
    static String md(String s) {
        if (s == null) {
            return "";
        }
        return SafeText.forTerminalLine(s.replace("\r\n", " ").replace('\n', ' ')).replace("|", "\\|")
                .replace("<", "\\<");
    }
}
