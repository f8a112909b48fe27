package ai.legion.refine;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The paper's memory bank {@code M} (Eq. 5): {@code M_t = M_{t-1} + LEGION(I_t)}, one entry per
 * regeneration iteration with the prompt it used and LEGION's report on its image. Immutable:
 * {@link #with} returns a new bank, so a reviser can keep the bank it was given.
 *
 * <p>Upstream passes only the latest prompt and explanation to its reviser; {@link RuleBasedReviser} uses
 * the whole history (older constraints at lower priority) and {@code OpenAiChatReviser} can optionally.
 */
public final class MemoryBank {

    /**
     * One iteration's record.
     *
     * @param iteration the iteration (0-based)
     * @param prompt the prompt the image was generated from
     * @param report LEGION's report on the generated image
     */
    public record Entry(int iteration, String prompt, ArtifactReport report) {

        /** Checks that nothing is null. */
        public Entry {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(report, "report");
        }

        /** LEGION's explanation of this iteration's image as text for a reviser ({@link MemoryBank#reflection}). */
        public String reflection() {
            return MemoryBank.reflection(report);
        }
    }

    private final String originalPrompt;
    private final List<Entry> entries;

    private MemoryBank(String originalPrompt, List<Entry> entries) {
        this.originalPrompt = originalPrompt;
        this.entries = entries;
    }

    /** An empty bank for a loop that starts from {@code originalPrompt}. */
    public static MemoryBank start(String originalPrompt) {
        return new MemoryBank(Objects.requireNonNull(originalPrompt, "originalPrompt"), List.of());
    }

    /** A new bank with {@code entry} appended. */
    public MemoryBank with(Entry entry) {
        List<Entry> list = new ArrayList<>(entries);
        list.add(Objects.requireNonNull(entry, "entry"));
        return new MemoryBank(originalPrompt, Collections.unmodifiableList(list));
    }

    /** The user's prompt before any revision. */
    public String originalPrompt() {
        return originalPrompt;
    }

    /** All entries, oldest first (read-only). */
    public List<Entry> entries() {
        return entries;
    }

    /** The latest entry, empty for a new bank. */
    public Optional<Entry> latest() {
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(entries.size() - 1));
    }

    /** Number of entries. */
    public int size() {
        return entries.size();
    }

    /**
     * A report's explanation as reviser input: LEGION's cleaned explanation text when it has one, else
     * {@code "phrase: explanation"} per artifact joined by spaces, else "" (no artifact found).
     */
    public static String reflection(ArtifactReport report) {
        if (!report.explanationText().isBlank()) {
            return report.explanationText().strip();
        }
        StringBuilder sb = new StringBuilder();
        for (Artifact a : report.artifacts()) {
            String text = a.explanation().isBlank() ? a.phrase() : a.phrase() + ": " + a.explanation();
            if (!text.isBlank()) {
                sb.append(sb.length() == 0 ? "" : " ").append(text.strip());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "MemoryBank[" + entries.size() + " entries]";
    }
}
