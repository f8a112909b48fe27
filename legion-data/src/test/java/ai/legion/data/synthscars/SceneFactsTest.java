package ai.legion.data.synthscars;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.SceneFacts;
import ai.legion.data.ValidationReport;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scene facts scars-sim writes, read back by {@link SynthScarsReader}, and the checks on them. */
class SceneFactsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void generatorFactsRoundTrip() throws Exception {
        SimConfig cfg = SimConfig.builder().seed(3).trainCount(2).testCount(25).detectTrainCount(0).detectTestCount(0)
                .threads(1).build();
        ScarsSimGenerator.generate(cfg, tmp);
        JsonNode file = JSON.readTree(tmp.resolve("test/annotations/test.json").toFile());
        List<ArtifactRecord> records = new ArrayList<>();
        try (SynthScarsReader reader = SynthScarsReader.open(tmp, "test")) {
            reader.forEach(records::add);
            assertEquals(0, reader.validation().recordsSkipped(), reader.validation().toString());
        }
        assertEquals(25, records.size());
        int refs = 0;
        for (int i = 0; i < records.size(); i++) {
            ArtifactRecord r = records.get(i);
            JsonNode rec = file.get(i).get(r.id());
            SceneFacts f = r.facts();
            assertNotNull(f, r.id());
            assertEquals(rec.get("objects").size(), f.objects().size());
            for (int k = 0; k < f.objects().size(); k++) {
                JsonNode o = rec.get("objects").get(k);
                assertEquals(new SceneFacts.SceneObject(o.get("type").asText(), o.get("colour").asText(),
                        o.get("name").asText()), f.objects().get(k));
            }
            assertEquals(r.refs().size(), f.refs().size());
            for (int k = 0; k < f.refs().size(); k++) {
                JsonNode ref = rec.get("refs").get(k);
                SceneFacts.RefFacts rf = f.refs().get(k);
                assertEquals(ref.get("object").asText(), rf.object());
                assertEquals(ref.get("object_name").asText(), rf.objectName());
                assertEquals(ref.get("kind").asText(), rf.kind());
                assertEquals(ref.get("category").asText(), rf.category());
                assertTrue(f.types().contains(rf.object()));
                assertTrue(r.refs().get(k).explanation().contains(rf.objectName()), r.refs().get(k).explanation());
                refs++;
            }
        }
        assertTrue(refs >= 25);
    }

    private static final String SQUARE = "[[1, 1, 5, 1, 5, 5, 1, 5]]";

    private static String rec(String id, String objects, String refFacts) {
        return "{\"" + id + "\": {\"img_file_name\": \"a.png\", \"caption\": \"The car's edge: smeared.\", \"refs\": "
                + "[{\"sentence\": \"The car's edge\", \"explanation\": \"The edge of the red car is smeared.\", "
                + "\"bbox\": null, \"segmentation\": " + SQUARE + refFacts + "}]"
                + (objects == null ? "" : ", \"objects\": " + objects) + "}}";
    }

    @Test
    void malformedFactsSkipTheRecordWithTheFieldNamed() throws Exception {
        String objs = "[{\"type\": \"car\", \"colour\": \"red\", \"name\": \"red car\"},"
                + " {\"type\": \"person\", \"colour\": \"blue\", \"name\": \"person in blue\"}]";
        String good = ", \"object\": \"car\", \"object_name\": \"red car\", \"kind\": \"smear\","
                + " \"category\": \"distortion\"";
        List<String> items = List.of(
                rec("ok", objs, good),
                rec("plain", null, ""),
                rec("noObjects", "[]", good),
                rec("typeNumber", "[{\"type\": 3, \"colour\": \"red\", \"name\": \"red car\"}]", good),
                rec("typeTwoWords", "[{\"type\": \"race car\", \"colour\": \"red\", \"name\": \"red car\"}]", good),
                rec("dupType", "[{\"type\": \"car\", \"colour\": \"red\", \"name\": \"red car\"},"
                        + " {\"type\": \"car\", \"colour\": \"blue\", \"name\": \"blue car\"}]", good),
                rec("refMissingKind", objs, ", \"object\": \"car\", \"object_name\": \"red car\","
                        + " \"category\": \"distortion\""),
                rec("refUnknownObject", objs, good.replace("\"car\"", "\"tree\"")),
                rec("refWrongName", objs, good.replace("\"red car\"", "\"blue car\"")),
                rec("kindCase", objs, good.replace("\"smear\"", "\"SMEAR\"")),
                rec("badCategory", objs, good.replace("\"distortion\"", "\"lighting\"")));
        Path split = tmp.resolve("ds/test");
        Files.createDirectories(split.resolve("annotations"));
        Files.writeString(split.resolve("annotations/test.json"), "[" + String.join(",\n", items) + "]",
                StandardCharsets.UTF_8);
        SynthScarsReaderTest.png(split.resolve("images/a.png"), 8, 8);
        List<ArtifactRecord> records = new ArrayList<>();
        try (SynthScarsReader reader = SynthScarsReader.open(tmp.resolve("ds"), "test")) {
            reader.forEach(records::add);
            ValidationReport v = reader.validation();
            assertEquals(List.of("ok", "plain"), records.stream().map(ArtifactRecord::id).toList());
            assertEquals(9, v.counts().get("malformed_record"), v.toString());
            List<String> messages = v.examples("malformed_record").stream().map(ValidationReport.Issue::message)
                    .toList();
            String all = String.join("\n", messages);
            for (String s : List.of("objects is a list of 0", "objects[0].type is number",
                    "objects[0].type is 'race car', expected one lower-case word", "'car' appears twice",
                    "ref 0.kind is missing", "object 'tree' is not among the objects",
                    "object_name 'blue car' differs", "ref 0.kind is 'SMEAR', expected lower snake case",
                    "category 'lighting' is not one of")) {
                assertTrue(all.contains(s), "'" + s + "' not in\n" + all);
            }
        }
        SceneFacts f = records.get(0).facts();
        assertEquals(List.of("car", "person"), f.types());
        assertEquals("person in blue", f.object("person").orElseThrow().name());
        assertEquals(new SceneFacts.RefFacts("car", "red car", "smear", "distortion"), f.refs().get(0));
        assertNull(records.get(1).facts(), "a record without objects has no facts");
        assertEquals("distortion", records.get(0).attribute("ref0.category"), "category is also a label attribute");
    }
}
