package ai.legion.eval.runner;

import ai.legion.eval.metrics.LocalizationAccumulator;
import ai.legion.eval.metrics.LocalizationSummary;
import ai.legion.eval.metrics.MaskCounts;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Localization metrics of a set of images, overall and per group (Table 2 is by SynthScars content type).
 *
 * @param all every image
 * @param byDimension group dimension (e.g. {@code content_type}) → group value → metrics, in order of first
 *     appearance; empty when no image has group keys
 */
public record LocalizationResults(LocalizationSummary all, Map<String, Map<String, LocalizationSummary>> byDimension) {

    /** Copies the maps. */
    public LocalizationResults {
        Map<String, Map<String, LocalizationSummary>> copy = new LinkedHashMap<>();
        byDimension.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        byDimension = Collections.unmodifiableMap(copy);
    }

    /** Summarizes counts with their group keys (aligned lists) through a {@link LocalizationAccumulator}. */
    public static LocalizationResults of(List<MaskCounts> counts, List<Map<String, String>> groups) {
        LocalizationAccumulator acc = new LocalizationAccumulator();
        for (int i = 0; i < counts.size(); i++) {
            acc.add(counts.get(i), groups.get(i));
        }
        Map<String, Map<String, LocalizationSummary>> by = new LinkedHashMap<>();
        for (String dim : acc.dimensions()) {
            by.put(dim, acc.summaryBy(dim));
        }
        return new LocalizationResults(acc.summary(), by);
    }

    /** The trivial all-background prediction's counts for the same ground truth. */
    static MaskCounts emptyPrediction(MaskCounts c) {
        return new MaskCounts(0, c.groundTruthArea(), 0, c.groundTruthArea(), c.pixels());
    }

    /** The trivial all-foreground prediction's counts for the same ground truth. */
    static MaskCounts fullPrediction(MaskCounts c) {
        return new MaskCounts(c.groundTruthArea(), c.pixels(), c.pixels(), c.groundTruthArea(), c.pixels());
    }
}
