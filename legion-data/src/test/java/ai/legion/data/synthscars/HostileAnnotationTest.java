package ai.legion.data.synthscars;

import static ai.legion.testing.HostileText.ESCAPED;
import static ai.legion.testing.HostileText.PAYLOAD;
import static ai.legion.testing.HostileText.assertNoRawControls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.DatasetException;
import ai.legion.data.ValidationReport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ids, phrases and file names of an annotation file are shown escaped in messages and kept exact in records. */
class HostileAnnotationTest {

    @TempDir
    Path tmp;

    @Test
    void theValidationSummaryAndDatasetErrorsShowHostileTextEscaped() throws Exception {
        Path root = tmp.resolve("scars");
        Files.createDirectories(root.resolve("test/images"));
        ObjectMapper om = new ObjectMapper();
        ArrayNode list = om.createArrayNode();
        ObjectNode rec = list.addObject().putObject("id" + PAYLOAD);
        rec.put("caption", "a caption " + PAYLOAD);
        rec.put("img_file_name", "missing.png");
        ObjectNode ref = rec.putArray("refs").addObject();
        ref.put("sentence", "phrase " + PAYLOAD + " not in the caption");
        ref.put("explanation", "why");
        ref.putArray("segmentation").addArray().add(1).add(1).add(5).add(1).add(5).add(5);
        om.writeValue(Files.createDirectories(root.resolve("test/annotations")).resolve("test.json").toFile(), list);

        ValidationReport v;
        try (SynthScarsReader r = SynthScarsReader.open(root, "test")) {
            r.forEach(x -> { });
            v = r.validation();
        }
        String shown = v.toString();
        assertNoRawControls(shown);
        assertTrue(shown.contains("id" + ESCAPED + ": image missing.png not found"), shown);
        assertEquals("id" + PAYLOAD, v.examples("missing_image").get(0).recordId(), "examples keep the exact id");

        DatasetException e = assertThrows(DatasetException.class, () -> SynthScarsReader.open(root, "x" + PAYLOAD));
        assertNoRawControls(e.getMessage());
        assertTrue(e.getMessage().contains("'x" + ESCAPED + "'"), e.getMessage());
    }
}
