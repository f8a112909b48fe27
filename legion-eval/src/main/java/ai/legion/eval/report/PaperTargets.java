package ai.legion.eval.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LEGION paper's published numbers (×100; ../shared/reference/LEGION-paper.txt, Tables 2, 3, 5 and 10),
 * shown next to a run's figures for reference only: they were measured on the real SynthScars / LOKI /
 * RichHF-18K / UniversalFakeDetect test sets with the 8B model. Method names keep the paper's marks:
 * {@code *} = fine-tuned on SynthScars, {@code ☆} = outputs masks, {@code □} = outputs boxes.
 */
public final class PaperTargets {

    private PaperTargets() {}

    /** Table 2's columns: SynthScars by content type, then the two unseen datasets. */
    public static final List<String> TABLE2_COLUMNS = List.of("Object", "Animal", "Human", "Scene", "LOKI", "RichHF-18K");

    /** Table 2, mIoU / F1 per column, every row in the paper's order. */
    public static final Map<String, double[][]> TABLE2 = ordered(
            "HiFi-Net ☆", new double[][] {{43.74, 0.45}, {45.28, 0.03}, {46.21, 0.84}, {45.90, 0.04}, {39.60, 2.41},
                    {44.96, 0.39}},
            "TruFor ☆", new double[][] {{46.99, 14.82}, {48.45, 17.57}, {49.02, 15.43}, {48.93, 12.64}, {46.55, 16.70},
                    {48.41, 18.03}},
            "PAL4VST ☆*", new double[][] {{50.46, 19.25}, {52.55, 21.61}, {59.18, 35.70}, {52.55, 19.14},
                    {47.34, 11.58}, {49.88, 14.78}},
            "Ferret □", new double[][] {{30.10, 20.81}, {27.17, 15.78}, {25.54, 13.87}, {30.64, 13.79}, {24.50, 18.88},
                    {26.52, 16.22}},
            "Griffon □", new double[][] {{38.54, 23.40}, {27.76, 18.58}, {23.04, 14.81}, {35.83, 14.47}, {21.96, 20.41},
                    {28.13, 18.19}},
            "LISA-v1-7B ☆*", new double[][] {{35.49, 23.70}, {32.44, 18.77}, {34.11, 17.50}, {37.56, 18.31},
                    {31.10, 9.29}, {35.90, 21.94}},
            "InternVL2-8B □", new double[][] {{41.08, 13.36}, {41.22, 7.83}, {41.21, 3.91}, {41.68, 7.55}, {42.03, 10.06},
                    {39.90, 9.58}},
            "Qwen2-VL-72B □", new double[][] {{33.89, 23.25}, {32.46, 21.98}, {26.92, 14.75}, {39.00, 18.17},
                    {26.62, 20.99}, {27.58, 19.02}},
            "LEGION ☆", new double[][] {{54.62, 29.90}, {54.52, 27.43}, {60.82, 39.44}, {53.67, 24.51}, {48.66, 16.71},
                    {50.07, 17.41}});

    /** Table 3's columns. */
    public static final List<String> TABLE3_COLUMNS = List.of("SynthScars", "LOKI");

    /** Table 3, ROUGE-L / CSS per column, every row in the paper's order. */
    public static final Map<String, double[][]> TABLE3 = ordered(
            "Qwen2-VL (72B)", new double[][] {{25.84, 58.15}, {11.80, 37.64}},
            "LLaVA-v1.6 (7B)", new double[][] {{29.61, 61.75}, {16.07, 41.07}},
            "InternVL2 (8B)", new double[][] {{25.93, 56.89}, {10.10, 39.62}},
            "Deepseek-VL2 (27B)", new double[][] {{25.50, 47.77}, {6.70, 28.76}},
            "GPT-4o", new double[][] {{22.43, 53.55}, {9.61, 38.98}},
            "LEGION (8B)", new double[][] {{39.50, 72.60}, {18.55, 45.96}});

    /** The LEGION row of Table 3. */
    public static final String LEGION_TABLE3 = "LEGION (8B)";

    /** Table 5's columns (generator groups of UniversalFakeDetect). */
    public static final List<String> TABLE5_COLUMNS = List.of("GANs", "Deepfakes", "CRN", "IMLE", "SITD", "SAN",
            "Diffusion");

    /** Table 5, accuracy per column (all trained on ProGAN), every row in the paper's order. */
    public static final Map<String, double[]> TABLE5 = ordered(
            "Co-occurrence", new double[] {75.17, 59.14, 73.06, 87.21, 68.98, 60.42, 85.53},
            "Freq-spec", new double[] {75.28, 45.18, 53.61, 50.98, 47.46, 57.12, 69.00},
            "CNNSpot", new double[] {85.29, 53.47, 86.31, 86.26, 66.67, 48.69, 58.63},
            "Patchfor", new double[] {69.97, 75.54, 72.33, 55.30, 75.14, 75.28, 72.54},
            "UniFD", new double[] {95.25, 66.60, 59.50, 72.00, 63.00, 57.50, 82.02},
            "LDGard", new double[] {89.17, 58.00, 50.74, 50.78, 62.50, 50.00, 89.79},
            "FreqNet", new double[] {94.23, 97.40, 71.92, 67.35, 88.92, 59.04, 83.34},
            "NPR", new double[] {94.16, 76.89, 50.00, 50.00, 66.94, 98.63, 94.54},
            "LEGION", new double[] {97.01, 63.37, 90.78, 98.93, 79.44, 57.76, 83.10});

    /** Table 10's rows: the clean run, then the perturbations as {@code legion eval robust} names them. */
    public static final List<String> TABLE10_CONDITIONS = List.of("clean", "jpeg:50", "jpeg:35", "jpeg:20", "noise:0.1",
            "noise:0.2", "noise:0.3", "blur:5", "blur:9", "blur:15");

    /**
     * Table 10 (localization on SynthScars under perturbations): per method, one {@code {mIoU, F1}} pair per
     * {@link #TABLE10_CONDITIONS} entry. The paper prints the change {@code perturbed / clean − 1} for the
     * strongest level of each family (e.g. LEGION JPEG 20: mIoU −2.5%, F1 −7.3%).
     */
    public static final Map<String, double[][]> TABLE10 = ordered(
            "PAL4VST", new double[][] {{56.10, 29.21}, {55.95, 28.85}, {55.55, 27.60}, {55.01, 26.36}, {56.01, 28.96},
                    {54.42, 25.16}, {52.91, 21.11}, {55.62, 27.76}, {54.58, 25.23}, {53.24, 22.30}},
            "LEGION", new double[][] {{59.41, 36.96}, {57.78, 33.97}, {58.04, 34.08}, {57.91, 34.28}, {57.31, 33.00},
                    {56.77, 32.52}, {56.49, 32.12}, {57.75, 33.78}, {57.27, 32.63}, {57.50, 33.52}});

    /**
     * The paper's LEGION degradation ratio {@code perturbed / clean} of Table 10 for a condition.
     *
     * @param metric 0 = mIoU, 1 = F1
     * @return the ratio, or NaN when the paper has no such condition
     */
    public static double legionTable10Ratio(String condition, int metric) {
        int i = TABLE10_CONDITIONS.indexOf(condition);
        if (i < 0) {
            return Double.NaN;
        }
        double[][] v = TABLE10.get("LEGION");
        return v[i][metric] / v[0][metric];
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> ordered(Object... kv) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (V) kv[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
