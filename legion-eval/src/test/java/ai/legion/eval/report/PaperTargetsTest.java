package ai.legion.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The transcribed paper numbers reproduce the figures the paper derives from them in its text. */
class PaperTargetsTest {

    @Test
    void table10ReproducesThePrintedDegradationPercentages() {
        // (row, method, metric, printed change in %): the paper prints them for the strongest level of each family
        Object[][] printed = {
            {"jpeg:20", "PAL4VST", 0, -1.9}, {"jpeg:20", "PAL4VST", 1, -9.8}, {"jpeg:20", "LEGION", 0, -2.5},
            {"jpeg:20", "LEGION", 1, -7.3}, {"noise:0.3", "PAL4VST", 0, -5.7}, {"noise:0.3", "PAL4VST", 1, -27.7},
            {"noise:0.3", "LEGION", 0, -4.9}, {"noise:0.3", "LEGION", 1, -13.1}, {"blur:15", "PAL4VST", 0, -5.1},
            {"blur:15", "PAL4VST", 1, -23.7}, {"blur:15", "LEGION", 0, -3.2}, {"blur:15", "LEGION", 1, -9.3}};
        for (Object[] p : printed) {
            int row = PaperTargets.TABLE10_CONDITIONS.indexOf((String) p[0]);
            double[][] v = PaperTargets.TABLE10.get((String) p[1]);
            int m = (Integer) p[2];
            double change = 100 * (v[row][m] / v[0][m] - 1);
            assertEquals((Double) p[3], Math.round(change * 10) / 10.0, 1e-9, p[0] + " " + p[1] + " " + m);
            assertEquals(ReportTables.ratio(v[row][m] / v[0][m]).split(" ")[1], String.format(java.util.Locale.ROOT,
                    "(%+.1f%%)", (Double) p[3]));
        }
        assertEquals(57.91 / 59.41, PaperTargets.legionTable10Ratio("jpeg:20", 0), 1e-15);
        assertEquals(Double.NaN, PaperTargets.legionTable10Ratio("jpeg:90", 0));
        assertEquals(10, PaperTargets.TABLE10.get("LEGION").length);
    }

    @Test
    void tablesHaveEveryRowAndColumnAndTheTextsClaimsHold() {
        assertEquals(9, PaperTargets.TABLE2.size());
        PaperTargets.TABLE2.values().forEach(v -> assertEquals(6, v.length));
        // §5.2: LEGION beats PAL4VST by 10.65 F1 on SynthScars Object
        assertEquals(10.65, PaperTargets.TABLE2.get("LEGION ☆")[0][1] - PaperTargets.TABLE2.get("PAL4VST ☆*")[0][1], 1e-9);
        assertEquals(List.of(39.50, 72.60, 18.55, 45.96), List.of(PaperTargets.TABLE3.get(PaperTargets.LEGION_TABLE3)[0][0],
                PaperTargets.TABLE3.get(PaperTargets.LEGION_TABLE3)[0][1],
                PaperTargets.TABLE3.get(PaperTargets.LEGION_TABLE3)[1][0],
                PaperTargets.TABLE3.get(PaperTargets.LEGION_TABLE3)[1][1]));
        assertEquals(6, PaperTargets.TABLE3.size());
        assertEquals(9, PaperTargets.TABLE5.size());
        PaperTargets.TABLE5.values().forEach(v -> assertEquals(PaperTargets.TABLE5_COLUMNS.size(), v.length));
        // the rendered tables have as many rows: Table 10 one value and one ratio row per method and metric
        assertEquals(9, ReportTables.paperTable2().rows().size());
        assertEquals(8, ReportTables.paperTable10().rows().size());
        assertEquals("1.000 (+0.0%)", ReportTables.paperTable10().rows().get(1).get(1));
        assertEquals("–", ReportTables.ratio(Double.NaN));
    }
}
