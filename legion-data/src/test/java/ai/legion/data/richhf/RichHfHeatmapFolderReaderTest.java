package ai.legion.data.richhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.Region;
import ai.legion.data.ValidationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RichHfHeatmapFolderReaderTest {

    @TempDir
    Path root;

    private void file(String rel) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, RichHfReaderTest.grayPng(new byte[] {0, 5, 0, 9}, 2, 2));
    }

    @Test
    void recordsForEveryImageWithAHeatmap() throws Exception {
        file("raw_imgs/b.png");
        file("heatmaps/b.png");
        file("raw_imgs/a.jpg");
        file("heatmaps/a.png"); // JPEG image, PNG heatmap: found by stem
        file("raw_imgs/c.png"); // no heatmap
        file("raw_imgs/sub/d.PNG");
        file("heatmaps/sub/d.PNG");
        file("raw_imgs/notes.txt");
        file("heatmaps/orphan.png");

        try (RichHfHeatmapFolderReader reader = new RichHfHeatmapFolderReader(root)) {
            List<ArtifactRecord> recs = new ArrayList<>();
            reader.forEach(recs::add);
            assertEquals(List.of("a", "b", "sub/d"), recs.stream().map(ArtifactRecord::id).toList());
            ArtifactRecord a = recs.get(0);
            assertEquals(root.resolve("raw_imgs/a.jpg"), a.image());
            assertEquals(Authenticity.FAKE, a.authenticity());
            assertEquals("richhf18k", a.dataset());
            assertEquals("legion_benchmark", a.attribute("source"));
            assertEquals(1, a.refs().size());
            assertEquals("artifact", a.refs().get(0).phrase());
            Region.Heatmap hm = assertInstanceOf(Region.Heatmap.class, a.refs().get(0).region());
            assertEquals(root.resolve("heatmaps/a.png"), hm.file());
            assertEquals(0, hm.threshold());
            assertEquals(root.resolve("heatmaps/b.png"),
                    ((Region.Heatmap) recs.get(1).refs().get(0).region()).file());
            assertEquals(root.resolve("heatmaps/sub/d.PNG"),
                    ((Region.Heatmap) recs.get(2).refs().get(0).region()).file());

            ValidationReport v = reader.validation();
            assertEquals(3, v.recordsRead());
            assertEquals(1, v.recordsSkipped());
            assertEquals("c.png", v.examples("missing_heatmap").get(0).recordId());
            assertEquals("notes.txt", v.examples("not_an_image").get(0).recordId());
            assertEquals(1, v.counts().get("orphan_heatmap"));
            assertEquals("orphan.png", v.examples("orphan_heatmap").get(0).recordId());
        }
    }

    @Test
    void thresholdAndLayoutErrors() throws Exception {
        file("imgs/x.png");
        file("maps/x.png");
        RichHfHeatmapFolderReader reader = new RichHfHeatmapFolderReader(root.resolve("imgs"), root.resolve("maps"), 10);
        ArtifactRecord x = reader.iterator().next();
        assertEquals(10, ((Region.Heatmap) x.refs().get(0).region()).threshold());
        DatasetException e = assertThrows(DatasetException.class, () -> new RichHfHeatmapFolderReader(root));
        assertTrue(e.getMessage().contains("raw_imgs"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new RichHfHeatmapFolderReader(root.resolve("imgs"), root.resolve("maps"), -1));
    }
}
