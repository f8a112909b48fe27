package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArtifactReportTest {

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void maskScoreIsTheMeanProbabilityInsideTheMask() {
        float[] logits = {-2f, 0.5f, 1f, -1f};
        Artifact a = Artifact.fromLogits(0, "ear", "wrong angle", logits, 0, 2, 2);
        assertEquals(Masks.ascii(".#", "#."), a.mask());
        assertEquals((float) ((sigmoid(0.5) + sigmoid(1.0)) / 2), a.score(), 0f);
        assertTrue(a.hasMask());
        assertEquals(new BoundingBox(0, 0, 2, 2), a.bbox().orElseThrow());
        assertEquals(0.5, a.areaFraction(), 0.0);
    }

    @Test
    void emptyMaskScoresTheHighestProbability() {
        // second plane of [2, 1, 3]: nothing above 0, the best pixel is -0.25
        float[] logits = {5f, 5f, 5f, -3f, -0.25f, -8f};
        Artifact a = Artifact.fromLogits(4, "hand", "", logits, 3, 1, 3);
        assertFalse(a.hasMask());
        assertTrue(a.bbox().isEmpty());
        assertEquals((float) sigmoid(-0.25), a.score(), 0f);
        assertTrue(a.score() < 0.5f);
    }

    @Test
    void artifactValidation() {
        BinaryMask m = BinaryMask.empty(2, 2);
        assertThrows(IllegalArgumentException.class, () -> new Artifact(-1, "p", "e", m, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new Artifact(0, "p", "e", m, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> new Artifact(0, "p", "e", m, Float.NaN));
        assertThrows(NullPointerException.class, () -> new Artifact(0, null, "e", m, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> Artifact.maskScore(new float[3], 0, m));
    }

    @Test
    void timingsKeepAStableOrder() {
        Timings t = Timings.builder().load(1).preprocess(2).clip(3).prefill(4).decode(5).samEncoder(6).masks(7)
                .total(30).other("zeta", 0.5).other("alpha", 0.25).build();
        assertEquals(List.of("load", "preprocess", "clip", "llm_prefill", "decode", "sam_encoder", "masks", "total",
                "zeta", "alpha"), new ArrayList<>(t.asMap().keySet()));
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 30.0, 0.5, 0.25), new ArrayList<>(t.asMap().values()));
        assertEquals(List.of("zeta", "alpha"), new ArrayList<>(t.other().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> t.other().put("x", 1.0));
        Map<String, Double> src = new LinkedHashMap<>();
        src.put("a", 1.0);
        Timings copy = new Timings(0, 0, 0, 0, 0, 0, 0, 0, src);
        src.put("b", 2.0);
        assertEquals(1, copy.other().size(), "other is copied");
        assertThrows(IllegalArgumentException.class, () -> Timings.builder().decode(-1).build());
        assertThrows(IllegalArgumentException.class, () -> Timings.builder().other("x", Double.NaN).build());
        assertEquals(0.0, Timings.NONE.totalMs(), 0.0);
    }

    @Test
    void reportHelpersAndDefaults() {
        Artifact a = new Artifact(0, "ear", "tilted", Masks.rects(4, 6, new int[] {0, 0, 2, 2}), 0.9f);
        Artifact b = new Artifact(1, "eyes", "mismatched", Masks.rects(4, 6, new int[] {1, 1, 3, 3}), 0.8f);
        ArtifactReport r = ArtifactReport.builder("x.png", 6, 4).addArtifact(a).addArtifact(b).build();
        assertEquals(Masks.rects(4, 6, new int[] {0, 0, 2, 2}, new int[] {1, 1, 3, 3}), r.union());
        assertEquals(7.0 / 24, r.artifactAreaFraction(), 0.0);
        assertEquals(List.of("ear", "eyes"), r.phrases());
        assertEquals(Optional.empty(), r.verdict());
        assertEquals(Optional.empty(), r.isFake());
        assertEquals(Timings.NONE, r.timings());
        assertEquals("", r.modelId());
        assertThrows(UnsupportedOperationException.class, () -> r.artifacts().add(a));

        // a union with a mask that belongs to no phrase
        BinaryMask extra = Masks.rects(4, 6, new int[] {5, 3, 6, 4});
        ArtifactReport r2 = ArtifactReport.builder("x.png", 6, 4).addArtifact(a).union(a.mask().or(extra))
                .verdict(Verdict.fromLogits(3f, 0f)).build();
        assertEquals(5.0 / 24, r2.artifactAreaFraction(), 0.0);
        assertEquals(a.mask(), r2.artifactUnion());
        assertEquals(Optional.of(true), r2.isFake());
    }

    @Test
    void reportValidation() {
        Artifact a = new Artifact(0, "ear", "", BinaryMask.empty(4, 6), 0.1f);
        Artifact wrongSize = new Artifact(1, "eye", "", BinaryMask.empty(6, 4), 0.1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ArtifactReport.builder("x", 6, 4).addArtifact(wrongSize).union(BinaryMask.empty(4, 6)).build());
        assertTrue(e.getMessage().contains("artifact 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ArtifactReport.builder("x", 6, 4).addArtifact(a).addArtifact(a).build());
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ArtifactReport.builder("x", 6, 4).union(BinaryMask.empty(4, 5)).build());
        assertThrows(IllegalArgumentException.class,
                () -> ArtifactReport.builder("x", 6, 4).generatedTokens(-1).build());
        assertThrows(NullPointerException.class, () -> new ArtifactReport("x", 6, 4, null, "", List.of(),
                BinaryMask.empty(4, 6), "", "", 0, Timings.NONE, "", Explanations.GENERATED));
    }

    @Test
    void explanationStatusMustFitTheVerdict() throws Exception {
        Verdict real = Verdict.fromLogits(new float[] {-1f, 2f});
        Verdict fake = Verdict.fromLogits(new float[] {2f, -1f});
        ArtifactReport skipped = ArtifactReport.builder("x", 6, 4).verdict(real).explanations(Explanations.SKIPPED)
                .build();
        assertEquals(skipped, ReportJson.fromJson(ReportJson.toJson(skipped)));
        assertTrue(ReportJson.toJson(skipped, false).contains("\"explanations\":\"skipped\""),
                ReportJson.toJson(skipped, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ArtifactReport.builder("x", 6, 4).verdict(fake).explanations(Explanations.FORCED).build());
        assertTrue(e.getMessage().contains("REAL verdict"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ArtifactReport.builder("x", 6, 4).verdict(real)
                .explanations(Explanations.SKIPPED).summary("A beach.").build());
        assertTrue(e.getMessage().contains("no summary"), e.getMessage());
        // reports written before the field existed read as generated
        String old = ReportJson.toJson(ArtifactReport.builder("x", 6, 4).build(), false)
                .replace("\"explanations\":\"generated\",", "");
        assertEquals(Explanations.GENERATED, ReportJson.fromJson(old).explanations());
    }
}
