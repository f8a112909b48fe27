package ai.legion.eval.runner;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Ref;
import ai.legion.data.loki.LokiReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The reference an explanation is scored against (paper Table 3; LEGION publishes no scoring code for it), and the
 * whitespace rule applied to both sides.
 *
 * <ul>
 *   <li>SynthScars (and every dataset with a caption): the record's {@code caption}, the whole answer text
 *       ("Upon examining the image. I have found: … To elaborate, … phrase:explanation…"), which is what LEGION
 *       generates and what upstream's {@code explanation.json} holds (tags and {@code [SEG]} removed);</li>
 *   <li>LOKI: every {@code desc}: the global problems (the reader's caption) followed by the regional ones
 *       (the refs' explanations), in file order;</li>
 *   <li>otherwise the refs' explanations in order; "" when a dataset has no text (RichHF-18K), and such
 *       records are not scored on explanation.</li>
 * </ul>
 * Parts are joined with a space, and whitespace runs are collapsed to one space on both sides (ROUGE-L does
 * not see whitespace at all; the CSS encoder tokenizes on it).
 */
public final class ReferenceText {

    private static final Pattern SPACES = Pattern.compile("\\s+");

    private ReferenceText() {}

    /** The reference text of a record ("" when it has none). */
    public static String of(ArtifactRecord r) {
        List<String> parts = new ArrayList<>();
        if (!r.caption().isBlank()) {
            parts.add(r.caption());
        }
        boolean loki = LokiReader.NAME.equals(r.dataset());
        if (loki || parts.isEmpty()) {
            for (Ref ref : r.refs()) {
                if (!ref.explanation().isBlank()) {
                    parts.add(ref.explanation());
                }
            }
        }
        return normalize(String.join(" ", parts));
    }

    /** Whitespace runs to one space, stripped (applied to predictions and references alike). */
    public static String normalize(String text) {
        return text == null ? "" : SPACES.matcher(text).replaceAll(" ").strip();
    }
}
