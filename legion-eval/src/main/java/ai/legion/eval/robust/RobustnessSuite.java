package ai.legion.eval.robust;

import ai.legion.data.DatasetException;
import ai.legion.data.perturb.ImagePerturbation;
import ai.legion.data.perturb.Perturbations;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.Evaluation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The robustness sweep (paper Appendix C, Table 10): one evaluation on clean images, then the same evaluation
 * under each perturbation of upstream's {@code eval/utils.py} (by default {@link Perturbations#ROBUSTNESS_SUITE}:
 * JPEG quality 50/35/20, Gaussian noise σ 0.1/0.2/0.3, Gaussian blur kernel 5/9/15), each with its own resumable
 * results file {@code results-<condition>.jsonl}.
 *
 * <pre>{@code
 * RobustnessSuite.Result r = RobustnessSuite.builder()
 *         .evaluation(Evaluation.localization().model(analyzer).data(data).limit(200))
 *         .resultsDir(out).run();
 * r.table().ratio(r.table().row("jpeg:50"), Metric.MIOU);
 * }</pre>
 */
public final class RobustnessSuite {

    private RobustnessSuite() {}

    /** Configures a sweep. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A finished sweep.
     *
     * @param runs the clean run first, then one per perturbation
     * @param table the Table 10 view of the runs
     */
    public record Result(List<EvalResult> runs, RobustnessTable table) {

        /** Copies the list. */
        public Result {
            runs = List.copyOf(runs);
        }

        /** The clean run. */
        public EvalResult clean() {
            return runs.get(0);
        }
    }

    /** Settings of a sweep. */
    public static final class Builder {
        private Evaluation.Builder evaluation;
        private List<ImagePerturbation> perturbations = Perturbations.ROBUSTNESS_SUITE;
        private Path resultsDir;

        private Builder() {}

        /** The evaluation every condition repeats (its perturbation and results file are replaced). */
        public Builder evaluation(Evaluation.Builder value) {
            this.evaluation = Objects.requireNonNull(value, "evaluation").copy();
            return this;
        }

        /** The perturbations, in column order (default: the paper's nine). */
        public Builder perturbations(List<ImagePerturbation> value) {
            this.perturbations = List.copyOf(value);
            return this;
        }

        /** Where the per-condition results files go ({@code null}: in memory, not resumable). */
        public Builder resultsDir(Path value) {
            this.resultsDir = value;
            return this;
        }

        /**
         * Runs the clean evaluation and every perturbation.
         *
         * @throws IllegalArgumentException as {@link Evaluation.Builder#run()}
         */
        public Result run() throws IOException, DatasetException {
            if (evaluation == null) {
                throw new IllegalArgumentException("a robustness sweep needs an evaluation to repeat");
            }
            List<EvalResult> runs = new ArrayList<>();
            List<RobustnessTable.Row> rows = new ArrayList<>();
            List<ImagePerturbation> all = new ArrayList<>();
            all.add(null);
            all.addAll(perturbations);
            for (ImagePerturbation p : all) {
                Evaluation.Builder b = evaluation.copy().perturbation(p);
                b.resultsFile(resultsDir == null ? null : resultsDir.resolve(resultsFileName(Evaluation.conditionName(p))));
                EvalResult r = b.run();
                runs.add(r);
                rows.add(RobustnessTable.row(p, r.summary()));
            }
            return new Result(runs, new RobustnessTable(rows));
        }
    }

    /** The results file name of a condition: {@code results-clean.jsonl}, {@code results-jpeg-50.jsonl}, ... */
    public static String resultsFileName(String condition) {
        return "results-" + condition.replace(':', '-').replace('+', '_').replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl";
    }
}
