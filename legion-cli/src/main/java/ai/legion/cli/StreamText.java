package ai.legion.cli;

import ai.legion.core.prompt.AnswerParser;

/**
 * The explanation of a partly generated answer as {@code --stream} shows it: the text upstream's infer.py writes
 * to explanation.json (markup such as {@code <p>}, {@code </p>} and {@code [SEG]} removed, whitespace collapsed),
 * computed on the decoded text so far and handed out as the part not shown yet. Markup that may still be
 * incomplete (an unclosed {@code <} or {@code [}) is held back until it closes.
 */
final class StreamText {

    private String shown = "";

    /**
     * What to print after the answer has grown to {@code decoded} (all tokens so far, decoded): the clean text
     * beyond what was shown, or "" if nothing new is settled.
     */
    String update(String decoded) {
        String clean = AnswerParser.parse(settled(decoded)).text();
        if (!clean.startsWith(shown)) {
            // stripping made the clean text shorter than what is shown (e.g. a trailing quote): wait until it grows
            return "";
        }
        String delta = clean.substring(shown.length());
        shown = clean;
        return delta;
    }

    /** The text shown so far. */
    String shown() {
        return shown;
    }

    /** {@code decoded} up to markup that has not closed yet. */
    static String settled(String decoded) {
        String s = decoded;
        int lt = s.lastIndexOf('<');
        if (lt >= 0 && s.indexOf('>', lt) < 0) {
            s = s.substring(0, lt);
        }
        int bracket = s.lastIndexOf('[');
        if (bracket >= 0 && s.indexOf(']', bracket) < 0) {
            s = s.substring(0, bracket);
        }
        return s;
    }
}
