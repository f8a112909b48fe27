package ai.legion.eval.runner;

import ai.legion.data.ValidationReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dataset records the reader rejected before scoring (bad coordinates, repeated ids, missing images, ...), so
 * that a run over a partly broken annotation file says what it left out instead of scoring fewer images
 * without a word.
 *
 * @param count records skipped
 * @param reasons skipped records per reason (the reader's issue kind), in first-seen order
 * @param examples the first few skipped records of each reason, with their ids and messages (exact dataset
 *     strings: escape them for a terminal or a page)
 */
public record SkippedRecords(int count, Map<String, Integer> reasons, List<ValidationReport.Issue> examples) {

    /** Nothing skipped (records given in memory, or a clean dataset). */
    public static final SkippedRecords NONE = new SkippedRecords(0, Map.of(), List.of());

    /** Copies the collections. */
    public SkippedRecords {
        reasons = Collections.unmodifiableMap(new LinkedHashMap<>(reasons));
        examples = List.copyOf(examples);
    }

    /** What {@code report} counted as skipped. */
    public static SkippedRecords of(ValidationReport report) {
        Map<String, Integer> reasons = report.skippedReasons();
        List<ValidationReport.Issue> examples = new ArrayList<>();
        reasons.keySet().forEach(k -> examples.addAll(report.examples(k)));
        return new SkippedRecords(report.recordsSkipped(), reasons, examples);
    }

    /** {@code "N (reason: n, ...)"}, or {@code "0"}; dataset strings are not included. */
    public String line() {
        if (count == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder().append(count);
        if (!reasons.isEmpty()) {
            sb.append(" (");
            reasons.forEach((k, n) -> sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ").append(k).append(": ")
                    .append(n));
            sb.append(")");
        }
        return sb.toString();
    }
}
