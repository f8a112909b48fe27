package ai.legion.eval.robust;

import ai.legion.data.perturb.Chain;
import ai.legion.data.perturb.GaussianBlur;
import ai.legion.data.perturb.GaussianNoise;
import ai.legion.data.perturb.Identity;
import ai.legion.data.perturb.ImagePerturbation;
import ai.legion.data.perturb.JpegCompression;
import ai.legion.data.perturb.Perturbations;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.Evaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The robustness comparison of the paper's Table 10: the same evaluation on clean images and under each
 * perturbation, with the degradation ratio {@code perturbed / clean} of every headline metric.
 *
 * @param rows the clean run first, then one row per perturbation in the order run
 */
public record RobustnessTable(List<Row> rows) {

    /**
     * One condition.
     *
     * @param condition the perturbation's spec token ({@code clean}, {@code jpeg:50}, ...)
     * @param family the column group: {@code clean}, {@code JPEG}, {@code Gaussian noise}, {@code Gaussian blur}
     *     or {@code chain}
     * @param level the level within the family ({@code QF 50}, {@code σ 0.1}, {@code k 5})
     * @param summary the run's aggregate
     */
    public record Row(String condition, String family, String level, EvalSummary summary) {}

    /** Checks that the first row is the clean run. */
    public RobustnessTable {
        rows = List.copyOf(rows);
        if (rows.isEmpty() || !Evaluation.CLEAN.equals(rows.get(0).condition())) {
            throw new IllegalArgumentException("a robustness table starts with the clean run");
        }
    }

    /** A row for a run under {@code p}. */
    public static Row row(ImagePerturbation p, EvalSummary summary) {
        String[] fl = familyAndLevel(p);
        return new Row(Evaluation.conditionName(p), fl[0], fl[1], summary);
    }

    /** The column group and level of a perturbation, e.g. {@code ["JPEG", "QF 50"]}. */
    public static String[] familyAndLevel(ImagePerturbation p) {
        if (p == null || p instanceof Identity) {
            return new String[] {"clean", "-"};
        }
        if (p instanceof JpegCompression j) {
            return new String[] {"JPEG", "QF " + j.quality()};
        }
        if (p instanceof GaussianNoise n) {
            return new String[] {"Gaussian noise", "σ " + trim(n.sigma()) + (n.mean() == 0 ? "" : " μ " + trim(n.mean()))};
        }
        if (p instanceof GaussianBlur b) {
            return new String[] {"Gaussian blur", "k " + b.kernelSize()};
        }
        if (p instanceof Chain) {
            return new String[] {"chain", p.name()};
        }
        return new String[] {p.getClass().getSimpleName(), p.name()};
    }

    /** The family and level of a condition name (a perturbation spec). */
    public static String[] familyAndLevel(String condition) {
        return Evaluation.CLEAN.equals(condition) ? familyAndLevel((ImagePerturbation) null)
                : familyAndLevel(Perturbations.parse(condition));
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** The clean run. */
    public Row clean() {
        return rows.get(0);
    }

    /** The perturbed runs. */
    public List<Row> perturbed() {
        return rows.subList(1, rows.size());
    }

    /** The metrics that have a value on the clean run, in {@link Metric} order. */
    public List<Metric> metrics() {
        List<Metric> out = new ArrayList<>();
        for (Metric m : Metric.values()) {
            if (Double.isFinite(m.of(clean().summary()))) {
                out.add(m);
            }
        }
        return out;
    }

    /** A row's value of a metric (a fraction; NaN when absent). */
    public double value(Row row, Metric m) {
        return m.of(Objects.requireNonNull(row, "row").summary());
    }

    /** The degradation ratio {@code value(row) / value(clean)}: 1 = unaffected; NaN when the clean value is 0. */
    public double ratio(Row row, Metric m) {
        double clean = value(clean(), m);
        double v = value(row, m);
        return clean == 0 ? Double.NaN : v / clean;
    }

    /** The row of a condition, or {@code null}. */
    public Row row(String condition) {
        return rows.stream().filter(r -> r.condition().equals(condition)).findFirst().orElse(null);
    }
}
