package ai.legion.eval.robust;

import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.Task;
import java.util.function.ToDoubleFunction;

/** A headline metric of one run, as robustness tables compare them across perturbations. */
public enum Metric {
    /** Mean per-image mIoU (Table 2/10). */
    MIOU("mIoU", Task.LOCALIZATION, s -> s.localization().all().miou()),
    /** Mean per-image pixel F1 (Table 2/10). */
    F1("F1", Task.LOCALIZATION, s -> s.localization().all().f1()),
    /** Mean ROUGE-L F (Table 3). */
    ROUGE_L("ROUGE-L", Task.EXPLANATION, s -> s.explanation().rougeL()),
    /** Mean CSS (Table 3), ×100 in the summary; reported /100 here like the other fractions. */
    CSS("CSS", Task.EXPLANATION, s -> s.explanation().css() / 100),
    /** Mean accuracy over generators (Table 5). */
    ACCURACY("Acc", Task.DETECTION, s -> s.detection().meanAccuracy()),
    /** Mean average precision over generators. */
    AP("AP", Task.DETECTION, s -> s.detection().meanAveragePrecision());

    private final String label;
    private final Task task;
    private final ToDoubleFunction<EvalSummary> getter;

    Metric(String label, Task task, ToDoubleFunction<EvalSummary> getter) {
        this.label = label;
        this.task = task;
        this.getter = getter;
    }

    /** The column label. */
    public String label() {
        return label;
    }

    /** The task it belongs to. */
    public Task task() {
        return task;
    }

    /** The value in a summary as a fraction (NaN when the summary lacks it). */
    public double of(EvalSummary s) {
        if (s == null || !s.tasks().contains(task)) {
            return Double.NaN;
        }
        try {
            return getter.applyAsDouble(s);
        } catch (NullPointerException absent) {
            return Double.NaN; // the task's part is null: nothing was scored
        }
    }
}
