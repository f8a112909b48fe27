package ai.legion.data.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.synthscars.SynthScarsReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README samples are the first test records and the first real image, copied with every annotation field. */
class SampleSetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void firstTestRecordsAndFirstRealImage(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("sim");
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(2).trainCount(2).testCount(4)
                .detectTrainCount(0).detectTestCount(2).imageSize(64).threads(1).build(), root, true);
        Path out = tmp.resolve("samples");
        SampleSet.write(root, 2, out);

        List<ArtifactRecord> all = read(root);
        List<ArtifactRecord> picked = read(out);
        assertEquals(2, picked.size());
        for (int i = 0; i < 2; i++) {
            ArtifactRecord a = all.get(i);
            ArtifactRecord b = picked.get(i);
            assertEquals("fake-" + (i + 1) + ".png", b.image().getFileName().toString());
            assertArrayEquals(Files.readAllBytes(a.image()), Files.readAllBytes(b.image()));
            assertEquals(a.caption(), b.caption());
            assertEquals(a.facts(), b.facts(), "scene facts are kept");
        }
        // every annotation field is copied; only the file name changes
        JsonNode source = JSON.readTree(root.resolve("test/annotations/test.json").toFile());
        JsonNode copied = JSON.readTree(out.resolve("annotations/test.json").toFile());
        for (int i = 0; i < 2; i++) {
            ObjectNode expected = source.get(i).deepCopy();
            ((ObjectNode) expected.elements().next()).put("img_file_name", "fake-" + (i + 1) + ".png");
            assertEquals(expected, copied.get(i));
        }
        assertArrayEquals(Files.readAllBytes(root.resolve("detect/test/0_real/real_000000.png")),
                Files.readAllBytes(out.resolve("real.png")));

        IOException e = assertThrows(IOException.class, () -> SampleSet.write(tmp.resolve("nothing"), 1, out));
        assertTrue(e.getMessage().contains("not a scars-sim root"), e.getMessage());
    }

    private static List<ArtifactRecord> read(Path root) throws Exception {
        List<ArtifactRecord> out = new ArrayList<>();
        try (SynthScarsReader r = SynthScarsReader.open(root, "test")) {
            r.forEach(out::add);
        }
        return out;
    }
}
