package ai.legion.eval.report;

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
        sb.append("<table id=\"").append(Html.esc(id)).append("\">\n<caption>").append(Html.esc(caption))
                .append("</caption>\n<thead><tr>");
        for (String h : header) {
            sb.append("<th>").append(Html.esc(h)).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : rows) {
            sb.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                String tag = i == 0 ? "th" : "td";
                sb.append('<').append(tag).append('>').append(Html.esc(r.get(i))).append("</").append(tag).append('>');
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n");
        if (note != null && !note.isBlank()) {
            sb.append("<p class=\"note\">").append(Html.esc(note)).append("</p>\n");
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

    private static String md(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }
}
