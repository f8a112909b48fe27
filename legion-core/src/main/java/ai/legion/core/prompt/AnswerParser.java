package ai.legion.core.prompt;

import ai.legion.core.tokenizer.PyText;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses what LEGION generated into the upstream explanation text, the summary sentence and one
 * (phrase, explanation, mask index) entry per {@code <p> phrase </p>}.
 */
public final class AnswerParser {

    private static final Pattern PHRASE = Pattern.compile("<p>(.*?)</p>");
    private static final Pattern TAG = Pattern.compile("<.*?>");
    private static final String SEG = "[SEG]";
    private static final String FOUND = "I have found:";
    private static final String ELABORATE = "To elaborate";

    private AnswerParser() {}

    /**
     * One grounded artifact.
     *
     * @param phrase the text inside {@code <p>...</p>}, stripped
     * @param explanation the text after the phrase's {@code [SEG]} up to the next phrase, tags removed
     * @param maskIndex which {@code [SEG]} (0-based, in output order) belongs to the phrase; -1 if none follows it
     */
    public record Artifact(String phrase, String explanation, int maskIndex) {}

    /**
     * A parsed answer.
     *
     * @param text the explanation exactly as upstream infer.py writes it to explanation.json
     * @param summary the one-sentence summary ("I have found: ..."), or "" if the answer has none
     * @param artifacts the grounded phrases in output order
     * @param segCount how many {@code [SEG]} tokens the answer has (= how many masks the decoder makes)
     */
    public record ParsedAnswer(String text, String summary, List<Artifact> artifacts, int segCount) {
        /** The phrases, as upstream's {@code phrases} list. */
        public List<String> phrases() {
            return artifacts.stream().map(Artifact::phrase).toList();
        }
    }

    /**
     * Parses decoded output ({@code tokenizer.decode(ids, skip_special_tokens=False)}), with or without
     * the prompt in front.
     */
    public static ParsedAnswer parse(String decoded) {
        String text = decoded.replace("\n", "").replace("  ", " ");
        int a = text.lastIndexOf("ASSISTANT: ");
        if (a >= 0) {
            text = text.substring(a + "ASSISTANT: ".length());
        }
        String cleaned = clean(text);
        List<Artifact> artifacts = new ArrayList<>();
        Matcher m = PHRASE.matcher(text);
        List<int[]> matches = new ArrayList<>();
        List<String> phrases = new ArrayList<>();
        while (m.find()) {
            matches.add(new int[] {m.start(), m.end()});
            phrases.add(PyText.strip(m.group(1)));
        }
        for (int k = 0; k < matches.size(); k++) {
            int end = matches.get(k)[1];
            int next = k + 1 < matches.size() ? matches.get(k + 1)[0] : text.length();
            String tail = text.substring(end, next);
            int maskIndex = -1;
            String afterTail = PyText.lstrip(tail);
            if (afterTail.startsWith(SEG)) {
                maskIndex = count(text.substring(0, end), SEG);
            }
            String explanation = PyText.collapseWhitespace(TAG.matcher(tail).replaceAll("").replace(SEG, ""));
            explanation = PyText.strip(PyText.strip(explanation, ":"));
            artifacts.add(new Artifact(phrases.get(k), explanation, maskIndex));
        }
        return new ParsedAnswer(cleaned, summary(cleaned), List.copyOf(artifacts), count(text, SEG));
    }

    /** infer.py: tags and [SEG] removed, whitespace collapsed, quotes and spaces stripped. */
    static String clean(String text) {
        String c = TAG.matcher(text).replaceAll("").replace(SEG, "");
        return PyText.strip(PyText.strip(PyText.collapseWhitespace(c), "'"));
    }

    private static String summary(String cleaned) {
        int f = cleaned.indexOf(FOUND);
        if (f < 0) {
            return "";
        }
        int start = f + FOUND.length();
        int e = cleaned.indexOf(ELABORATE, start);
        return PyText.strip(e < 0 ? cleaned.substring(start) : cleaned.substring(start, e));
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }
}
