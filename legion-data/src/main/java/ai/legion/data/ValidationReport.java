package ai.legion.data;

import ai.legion.core.text.SafeText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data problems a reader met while streaming (a record it had to skip, a degenerate polygon, a
 * missing image, ...): counted per kind with the first examples kept, so that a dataset with known
 * issues is read rather than rejected. Thread-safe.
 *
 * <p>{@link #toString()} is for people: record ids and messages come from the dataset, so their control and
 * invisible characters are shown escaped there; {@link #examples} keeps the exact strings.
 */
public final class ValidationReport {

    /** One problem. */
    public record Issue(String kind, String recordId, String message) {}

    private static final int EXAMPLES_PER_KIND = 10;

    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private final Map<String, Integer> skippedByKind = new LinkedHashMap<>();
    private final Map<String, List<Issue>> examples = new LinkedHashMap<>();
    private int records;
    private int skipped;

    /** Records a problem. */
    public synchronized void add(String kind, String recordId, String message) {
        counts.merge(kind, 1, Integer::sum);
        List<Issue> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
        if (list.size() < EXAMPLES_PER_KIND) {
            list.add(new Issue(kind, recordId, message));
        }
    }

    /** Counts a record that was produced. */
    public synchronized void recordRead() {
        records++;
    }

    /**
     * Records a problem that made the reader skip the record: {@link #add} plus {@link #recordSkipped}, and
     * counted under {@code kind} in {@link #skippedReasons()}.
     */
    public synchronized void skip(String kind, String recordId, String message) {
        add(kind, recordId, message);
        skipped++;
        skippedByKind.merge(kind, 1, Integer::sum);
    }

    /** Counts a record that had to be skipped (also {@link #add} why). */
    public synchronized void recordSkipped() {
        skipped++;
    }

    public synchronized int recordsRead() {
        return records;
    }

    public synchronized int recordsSkipped() {
        return skipped;
    }

    /**
     * Skipped records per reason (the kind passed to {@link #skip}), in first-seen order; records counted by
     * {@link #recordSkipped()} alone have no reason here.
     */
    public synchronized Map<String, Integer> skippedReasons() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(skippedByKind));
    }

    /** Problems per kind, in first-seen order. */
    public synchronized Map<String, Integer> counts() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /** The first few problems of a kind. */
    public synchronized List<Issue> examples(String kind) {
        return List.copyOf(examples.getOrDefault(kind, List.of()));
    }

    /** Whether nothing was found. */
    public synchronized boolean isClean() {
        return counts.isEmpty();
    }

    @Override
    public synchronized String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(records).append(" records read, ").append(skipped).append(" skipped");
        counts.forEach((k, n) -> {
            sb.append("\n  ").append(SafeText.forTerminalLine(k)).append(": ").append(n);
            for (Issue i : examples.get(k)) {
                sb.append("\n    ").append(SafeText.forTerminalLine(i.recordId())).append(": ")
                        .append(SafeText.forTerminalLine(i.message()));
            }
        });
        return sb.toString();
    }
}
