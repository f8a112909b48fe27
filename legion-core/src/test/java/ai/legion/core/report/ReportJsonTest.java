package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void roundTripIsExact() throws Exception {
        ArtifactReport r = SampleReports.rich();
        for (boolean pretty : new boolean[] {true, false}) {
            ArtifactReport back = ReportJson.fromJson(ReportJson.toJson(r, pretty));
            assertEquals(r, back);
            for (int k = 0; k < r.artifacts().size(); k++) {
                assertEquals(r.artifacts().get(k).mask(), back.artifacts().get(k).mask());
                assertEquals(r.artifacts().get(k).score(), back.artifacts().get(k).score(), 0f);
            }
            assertEquals(r.union(), back.union());
            assertEquals(r.verdict().orElseThrow().fakeLogit(), back.verdict().orElseThrow().fakeLogit(), 0f);
            assertEquals(new ArrayList<>(r.timings().asMap().keySet()), new ArrayList<>(back.timings().asMap().keySet()));
        }
    }

    @Test
    void randomReportsRoundTrip() throws Exception {
        Random rnd = new Random(3);
        for (int t = 0; t < 15; t++) {
            ArtifactReport r = SampleReports.random(rnd, 1 + rnd.nextInt(50), 1 + rnd.nextInt(80), rnd.nextInt(5));
            assertEquals(r, ReportJson.fromJson(ReportJson.toJson(r, t % 2 == 0)));
        }
        // floats and doubles in their shortest form survive the trip bit for bit
        for (int t = 0; t < 200; t++) {
            float fake = Float.intBitsToFloat(rnd.nextInt()) % 100f;
            float real = (float) rnd.nextGaussian() * 7f;
            if (!Float.isFinite(fake)) {
                continue;
            }
            ArtifactReport r = ArtifactReport.builder("v", 2, 2).verdict(Verdict.fromLogits(fake, real))
                    .addArtifact(new Artifact(0, "p", "e", BinaryMask.full(2, 2), rnd.nextFloat())).build();
            assertEquals(r, ReportJson.fromJson(ReportJson.toJson(r, false)));
        }
    }

    @Test
    void schemaFieldsAndOrder() throws Exception {
        ArtifactReport r = SampleReports.rich();
        JsonNode root = MAPPER.readTree(ReportJson.toJson(r));
        assertEquals(List.of("format", "version", "source", "model", "image", "verdict", "explanations",
                "summary", "artifact_area_fraction", "union", "artifacts", "text", "timings_ms"), names(root));
        assertEquals("legion-report", root.get("format").textValue());
        assertEquals(1, root.get("version").intValue());
        assertEquals(96, root.at("/image/width").intValue());
        assertEquals(64, root.at("/image/height").intValue());
        assertEquals("FAKE", root.at("/verdict/label").textValue());
        assertEquals(List.of("label", "probability", "p_real", "p_fake", "logits"), names(root.get("verdict")));
        assertEquals(1.75, root.at("/verdict/logits/0").doubleValue(), 0.0);
        assertEquals(-0.5, root.at("/verdict/logits/1").doubleValue(), 0.0);
        assertEquals(r.artifactAreaFraction(), root.get("artifact_area_fraction").doubleValue(), 0.0);

        JsonNode union = root.get("union");
        assertEquals(List.of("size", "counts", "area", "area_fraction", "bbox"), names(union));
        assertEquals("[64,96]", union.get("size").toString());
        assertEquals(CocoRle.encode(r.union()).toCompressedString(), union.get("counts").textValue());
        assertEquals(r.union().area(), union.get("area").intValue());
        assertEquals("[10,2,84,58]", union.get("bbox").toString());

        JsonNode a0 = root.at("/artifacts/0");
        assertEquals(List.of("index", "phrase", "explanation", "score", "mask"), names(a0));
        assertEquals("Man's right ear.", a0.get("phrase").textValue());
        assertEquals("[10,8,20,20]", a0.at("/mask/bbox").toString());
        assertEquals(400, a0.at("/mask/area").intValue());
        assertEquals(400.0 / (96 * 64), a0.at("/mask/area_fraction").doubleValue(), 0.0);
        assertTrue(root.at("/artifacts/2/mask/bbox").isNull(), "an empty mask has no box");
        // 96 * 64 = 6144 unset pixels: pycocotools' string for one run of 6144
        assertEquals(CocoRle.encode(BinaryMask.empty(64, 96)).toCompressedString(),
                root.at("/artifacts/2/mask/counts").textValue());

        assertEquals(List.of("raw", "explanation", "generated_tokens"), names(root.get("text")));
        assertEquals(57, root.at("/text/generated_tokens").intValue());
        assertEquals(List.of("load", "preprocess", "clip", "llm_prefill", "decode", "sam_encoder", "masks", "total",
                "other"), names(root.get("timings_ms")));
        assertEquals(List.of("parse", "io"), names(root.at("/timings_ms/other")));
    }

    @Test
    void noVerdictIsNull() throws Exception {
        ArtifactReport r = ArtifactReport.builder("a.png", 3, 2).build();
        JsonNode root = MAPPER.readTree(ReportJson.toJson(r));
        assertTrue(root.get("verdict").isNull());
        assertEquals(r, ReportJson.fromJson(ReportJson.toJson(r)));
        // an absent verdict field reads the same
        ((ObjectNode) root).remove("verdict");
        assertEquals(r, ReportJson.fromJson(root.toString()));
    }

    @Test
    void uncompressedCountsAndUnknownFieldsAreAccepted() throws Exception {
        ArtifactReport r = SampleReports.rich();
        ObjectNode root = (ObjectNode) MAPPER.readTree(ReportJson.toJson(r));
        ObjectNode mask = (ObjectNode) root.at("/artifacts/1/mask");
        ArrayNode counts = mask.putArray("counts");
        for (int c : CocoRle.encode(r.artifacts().get(1).mask()).counts()) {
            counts.add(c);
        }
        mask.remove("bbox");
        mask.remove("area");
        root.put("future_field", "ignored");
        assertEquals(r, ReportJson.fromJson(root.toString()));
    }

    @Test
    void invalidDocumentsNameTheField() throws Exception {
        String good = ReportJson.toJson(SampleReports.rich());
        assertError(good.replace("\"version\" : 1", "\"version\" : 2"), "version");
        assertError("{", "not valid JSON");
        assertError("[]", "expected a JSON object");

        ObjectNode root = (ObjectNode) MAPPER.readTree(good);
        ((ArrayNode) root.at("/artifacts/0/mask/size")).set(0, 65);
        assertError(root.toString(), "artifacts[0].mask.size");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ObjectNode) root.at("/artifacts/1/mask")).put("counts", "11 1");
        assertError(root.toString(), "artifacts[1].mask.counts");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ObjectNode) root.at("/union")).put("area", 3);
        assertError(root.toString(), "union.area");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ArrayNode) root.at("/union/bbox")).set(0, 11);
        assertError(root.toString(), "union.bbox");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ObjectNode) root.at("/artifacts/0")).put("score", 1.5);
        assertError(root.toString(), "artifacts[0]");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ObjectNode) root.at("/verdict")).put("label", "REAL");
        assertError(root.toString(), "verdict");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ObjectNode) root.at("/text")).remove("generated_tokens");
        assertError(root.toString(), "text.generated_tokens");

        root = (ObjectNode) MAPPER.readTree(good);
        ((ObjectNode) root.at("/timings_ms")).put("decode", -1.0);
        assertError(root.toString(), "timings_ms");
    }

    private static void assertError(String json, String expected) {
        ReportException e = assertThrows(ReportException.class, () -> ReportJson.fromJson(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void fileWriteIsAtomicAndReadable(@TempDir Path dir) throws Exception {
        ArtifactReport r = SampleReports.rich();
        Path file = dir.resolve("out/report.json");
        ReportJson.write(file, r);
        assertEquals(r, ReportJson.read(file));
        assertTrue(Files.readString(file, StandardCharsets.UTF_8).contains("日本"), "UTF-8 kept as is");
        // overwrite replaces the whole file and leaves no temporary file behind
        ArtifactReport small = ArtifactReport.builder("s", 2, 2).build();
        ReportJson.write(file, small);
        assertEquals(small, ReportJson.read(file));
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList());
        }
        ReportException e = assertThrows(ReportException.class, () -> ReportJson.read(dir.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
        Files.writeString(dir.resolve("bad.json"), "{\"format\":\"other\"}");
        e = assertThrows(ReportException.class, () -> ReportJson.read(dir.resolve("bad.json")));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("format"), e.getMessage());
        assertEquals(dir.resolve("bad.json"), e.file());
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
