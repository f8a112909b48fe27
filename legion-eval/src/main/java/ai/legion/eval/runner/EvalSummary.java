package ai.legion.eval.runner;

import ai.legion.core.text.RougeL;
import ai.legion.eval.grounding.GroundingSummary;
import ai.legion.eval.grounding.ImageGrounding;
import ai.legion.eval.metrics.DetectionAccumulator;
import ai.legion.eval.metrics.MaskCounts;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The aggregate of a run: every metric of the tasks evaluated, next to the trivial baselines computed on the
 * same images. Parts of tasks not evaluated (or without any scored image) are {@code null}.
 *
 * @param tasks the tasks evaluated
 * @param images results considered (scored or failed)
 * @param failed images that could not be scored
 * @param localization the predictions' localization metrics
 * @param emptyMask the all-background baseline on the same ground truths (per-image mIoU ≈ 0.5 minus the
 *     artifact share)
 * @param fullMask the all-foreground baseline
 * @param explanation ROUGE-L (and CSS) with the constant-caption baseline
 * @param detection accuracy, AP, AUC, EER per generator and pooled, at the run's threshold
 * @param alwaysFake the detection baseline that calls every image fake ({@code p(fake) = 1})
 * @param skipped dataset records the reader rejected before scoring ({@link SkippedRecords#NONE} when the
 *     records were given in memory)
 * @param grounding object accuracy, kind accuracy and hallucination rate with their baselines, for an
 *     explanation run on data whose records carry scene facts (scars-sim); {@code null} otherwise
 */
public record EvalSummary(Set<Task> tasks, int images, int failed, LocalizationResults localization,
        LocalizationResults emptyMask, LocalizationResults fullMask, ExplanationSummary explanation,
        DetectionAccumulator.Report detection, DetectionAccumulator.Report alwaysFake, SkippedRecords skipped,
        GroundingSummary grounding) {

    /** Copies the task set. */
    public EvalSummary {
        skipped = skipped == null ? SkippedRecords.NONE : skipped;
        tasks = Collections.unmodifiableSet(tasks.isEmpty() ? EnumSet.noneOf(Task.class) : EnumSet.copyOf(tasks));
    }

    /** A summary without grounding metrics. */
    public EvalSummary(Set<Task> tasks, int images, int failed, LocalizationResults localization,
            LocalizationResults emptyMask, LocalizationResults fullMask, ExplanationSummary explanation,
            DetectionAccumulator.Report detection, DetectionAccumulator.Report alwaysFake, SkippedRecords skipped) {
        this(tasks, images, failed, localization, emptyMask, fullMask, explanation, detection, alwaysFake, skipped,
                null);
    }

    /**
     * Aggregates results.
     *
     * @param threshold {@code p(fake)} above which an image counts as fake
     * @param rouge the scorer whose tokenizer the constant-caption baseline uses (the one the run used)
     */
    public static EvalSummary of(Collection<ImageResult> results, Set<Task> tasks, double threshold, RougeL rouge) {
        int failed = 0;
        List<MaskCounts> counts = new ArrayList<>();
        List<MaskCounts> empty = new ArrayList<>();
        List<MaskCounts> full = new ArrayList<>();
        List<Map<String, String>> groups = new ArrayList<>();
        List<ImageResult.Explanation> exps = new ArrayList<>();
        List<ImageGrounding> grounded = new ArrayList<>();
        DetectionAccumulator det = new DetectionAccumulator();
        DetectionAccumulator always = new DetectionAccumulator();
        for (ImageResult r : results) {
            if (!r.ok()) {
                failed++;
                continue;
            }
            if (tasks.contains(Task.LOCALIZATION) && r.localization() != null) {
                MaskCounts c = r.localization().counts();
                counts.add(c);
                empty.add(LocalizationResults.emptyPrediction(c));
                full.add(LocalizationResults.fullPrediction(c));
                groups.add(r.groups());
            }
            if (tasks.contains(Task.EXPLANATION) && r.explanation() != null) {
                exps.add(r.explanation());
                if (r.grounding() != null) {
                    grounded.add(r.grounding());
                }
            }
            if (tasks.contains(Task.DETECTION) && r.detection() != null && r.detection().fake() != null) {
                String g = r.detection().generator() == null ? "all" : r.detection().generator();
                det.add(g, r.detection().fakeProbability(), r.detection().fake());
                always.add(g, 1.0, r.detection().fake());
            }
        }
        LocalizationResults loc = null;
        LocalizationResults emptyMask = null;
        LocalizationResults fullMask = null;
        if (!counts.isEmpty()) {
            loc = LocalizationResults.of(counts, groups);
            emptyMask = LocalizationResults.of(empty, groups);
            fullMask = LocalizationResults.of(full, groups);
        }
        ExplanationSummary exp = exps.isEmpty() ? null : ExplanationSummary.of(exps, rouge);
        DetectionAccumulator.Report d = det.size() == 0 ? null : det.report(threshold);
        DetectionAccumulator.Report a = always.size() == 0 ? null : always.report(threshold);
        GroundingSummary g = grounded.isEmpty() ? null
                : GroundingSummary.of(grounded, exp == null ? null : exp.constantCaption());
        return new EvalSummary(tasks, results.size(), failed, loc, emptyMask, fullMask, exp, d, a, SkippedRecords.NONE,
                g);
    }

    /** This summary with {@code value} as its {@link #skipped()} records. */
    public EvalSummary withSkipped(SkippedRecords value) {
        return new EvalSummary(tasks, images, failed, localization, emptyMask, fullMask, explanation, detection,
                alwaysFake, value, grounding);
    }

    /** Images scored. */
    public int scored() {
        return images - failed;
    }
}
