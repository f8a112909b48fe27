package ai.legion.data.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.ValidationReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegionDetectionJsonReaderTest {

    @TempDir
    Path dir;

    @BeforeEach
    void images() throws Exception {
        for (String rel : List.of("data/progan/0_real/a.png", "data/progan/1_fake/b.png", "data/sd/1_fake/c.png",
                "data/sd/0_real/d.png")) {
            Path p = dir.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[] {1});
        }
    }

    private Path json(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private static List<ArtifactRecord> all(LegionDetectionJsonReader r) {
        List<ArtifactRecord> out = new ArrayList<>();
        r.forEach(out::add);
        return out;
    }

    @Test
    void trainAndTestSpellings() throws Exception {
        Path f = json("list.json", """
                [
                  {"image_path": "data/progan/0_real/a.png", "label": "real", "category": "progan"},
                  {"image_path": "data/progan/1_fake/b.png", "label": "fake", "category": "progan"},
                  {"image": "data/sd/1_fake/c.png", "label": "sd_fake", "category": "sd", "id": 17, "w": 512},
                  {"image": "data/sd/0_real/d.png", "label": "Real", "category": "sd"},
                  {"image": "data/sd/0_real/gone.png", "label": "real"},
                  {"label": "real"},
                  {"image": "data/sd/0_real/d.png", "label": 1},
                  42
                ]""");
        try (LegionDetectionJsonReader r = new LegionDetectionJsonReader(f)) {
            List<ArtifactRecord> recs = all(r);
            assertEquals(4, recs.size());
            assertEquals(List.of(Authenticity.REAL, Authenticity.FAKE, Authenticity.FAKE, Authenticity.FAKE),
                    recs.stream().map(ArtifactRecord::authenticity).toList());
            ArtifactRecord a = recs.get(0);
            assertEquals("data/progan/0_real/a.png", a.id());
            assertEquals(dir.resolve("data/progan/0_real/a.png"), a.image());
            assertEquals("progan", a.attribute("category"));
            assertEquals("real", a.attribute("label"));
            assertNull(a.attribute("image_path"));
            assertEquals("legion_detection", a.dataset());
            ArtifactRecord c = recs.get(2);
            assertEquals("17", c.id());
            assertEquals("512", c.attribute("w"));
            assertEquals("sd", c.attribute("category"));

            ValidationReport v = r.validation();
            assertEquals(1, v.counts().get("suspicious_label"));
            assertEquals(1, v.counts().get("missing_image"));
            assertEquals(1, v.counts().get("missing_image_path"));
            assertEquals(1, v.counts().get("missing_label"));
            assertEquals(1, v.counts().get("bad_entry"));
            assertEquals(4, v.recordsRead());
            assertEquals(4, v.recordsSkipped());
        }
    }

    @Test
    void imageRootAndNoExistenceCheck() throws Exception {
        Path f = json("sub.json", "[{\"image\": \"0_real/gone.png\", \"label\": \"real\"}]");
        LegionDetectionJsonReader r = new LegionDetectionJsonReader(f, dir.resolve("data/sd"), false);
        List<ArtifactRecord> recs = all(r);
        assertEquals(1, recs.size());
        assertEquals(dir.resolve("data/sd/0_real/gone.png"), recs.get(0).image());
        assertTrue(r.validation().isClean());
    }

    @Test
    void utf16IsDetected() throws Exception {
        Path f = dir.resolve("u16.json");
        Files.write(f, "[{\"image\": \"data/sd/1_fake/c.png\", \"label\": \"fake\", \"category\": \"é\"}]"
                .getBytes(StandardCharsets.UTF_16LE));
        List<ArtifactRecord> recs = all(new LegionDetectionJsonReader(f));
        assertEquals(1, recs.size());
        assertEquals("é", recs.get(0).attribute("category"));
    }

    @Test
    void brokenFilesFailClearly() throws Exception {
        Path obj = json("obj.json", "{\"image\": \"x\"}");
        DatasetException.Unchecked e1 = assertThrows(DatasetException.Unchecked.class,
                () -> new LegionDetectionJsonReader(obj).iterator());
        assertTrue(e1.getMessage().contains("expected a JSON array"), e1.getMessage());
        assertTrue(e1.getMessage().contains("obj.json"), e1.getMessage());

        Path syntax = json("syntax.json", "[{\"image\": \"data/progan/0_real/a.png\", \"label\": \"real\"},\n {\"image\": }]");
        Iterator<ArtifactRecord> it = new LegionDetectionJsonReader(syntax).iterator();
        assertEquals("data/progan/0_real/a.png", it.next().id()); // records before the damage are returned
        DatasetException.Unchecked e2 = assertThrows(DatasetException.Unchecked.class, it::hasNext);
        assertTrue(e2.getMessage().contains("line 2"), e2.getMessage());
        assertTrue(e2.getMessage().contains("syntax.json"), e2.getMessage());

        Path cut = json("cut.json", "[{\"image\": \"data/progan/0_real/a.png\", \"label\": \"real\"},");
        Iterator<ArtifactRecord> it2 = new LegionDetectionJsonReader(cut).iterator();
        it2.next();
        assertThrows(DatasetException.Unchecked.class, it2::hasNext);

        assertThrows(DatasetException.class, () -> new LegionDetectionJsonReader(dir.resolve("absent.json")));
    }
}
