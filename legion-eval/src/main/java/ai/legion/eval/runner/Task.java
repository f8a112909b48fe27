package ai.legion.eval.runner;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What an evaluation scores (the paper's three tasks). */
public enum Task {
    /** Artifact localization: the predicted union mask against the ground-truth regions (Table 2). */
    LOCALIZATION("loc"),
    /** Artifact explanation: the generated text against the reference text (Table 3). */
    EXPLANATION("exp"),
    /** Real/fake detection: {@code p(fake)} against the label (Table 5). */
    DETECTION("det");

    private final String shortName;

    Task(String shortName) {
        this.shortName = shortName;
    }

    /** The command-line name: {@code loc}, {@code exp} or {@code det}. */
    public String shortName() {
        return shortName;
    }

    /** The task of a short or full name, case-insensitive. */
    public static Task parse(String s) {
        for (Task t : values()) {
            if (t.shortName.equalsIgnoreCase(s.strip()) || t.name().equalsIgnoreCase(s.strip())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "' (expected loc, exp or det)");
    }

    /** Tasks from names separated by commas ({@code "loc,exp"}). */
    public static Set<Task> parseAll(String csv) {
        Set<Task> out = EnumSet.noneOf(Task.class);
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(parse(s.toLowerCase(Locale.ROOT)));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no task in '" + csv + "' (expected loc, exp and/or det)");
        }
        return out;
    }
}
