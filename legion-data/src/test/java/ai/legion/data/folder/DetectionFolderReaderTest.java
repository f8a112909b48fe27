package ai.legion.data.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.ValidationReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectionFolderReaderTest {

    @TempDir
    Path root;

    private void file(String rel) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
    }

    @BeforeEach
    void layout() throws IOException {
        // created out of order on purpose: the reader must sort
        file("test/progan/car/1_fake/002.png");
        file("test/progan/car/1_fake/001.PNG");
        file("test/progan/car/0_real/001.jpg");
        file("test/progan/cat/0_real/x.JPEG");
        file("test/biggan/1_fake/b.bmp");
        file("test/biggan/0_real/a.webp");
        file("test/biggan/0_real/readme.txt");
        file("test/biggan/0_real/c.jpeg");
        file("test/biggan/unlabeled/z.png");
        file("test/dalle/1_fake/deep/nested/y.png");
        file("train/progan/airplane/1_fake/t.png");
    }

    private static List<ArtifactRecord> all(DetectionFolderReader r) {
        List<ArtifactRecord> out = new ArrayList<>();
        r.forEach(out::add);
        return out;
    }

    @Test
    void walksSortedWithLabelsAndAttributes() throws Exception {
        DetectionFolderReader r = new DetectionFolderReader(root, "test");
        List<ArtifactRecord> recs = all(r);
        assertEquals(List.of(
                "biggan/0_real/a.webp",
                "biggan/0_real/c.jpeg",
                "biggan/1_fake/b.bmp",
                "dalle/1_fake/deep/nested/y.png",
                "progan/car/0_real/001.jpg",
                "progan/car/1_fake/001.PNG",
                "progan/car/1_fake/002.png",
                "progan/cat/0_real/x.JPEG"), recs.stream().map(ArtifactRecord::id).toList());
        assertEquals(List.of(Authenticity.REAL, Authenticity.REAL, Authenticity.FAKE, Authenticity.FAKE,
                Authenticity.REAL, Authenticity.FAKE, Authenticity.FAKE, Authenticity.REAL),
                recs.stream().map(ArtifactRecord::authenticity).toList());

        ArtifactRecord car = recs.get(4);
        assertEquals(root.resolve("test/progan/car/0_real/001.jpg"), car.image());
        assertEquals("progan", car.attribute("generator"));
        assertEquals("progan", car.attribute("category"));
        assertEquals("car", car.attribute("class"));
        assertEquals("test", car.attribute("split"));
        assertEquals("unifd", car.dataset());
        assertTrue(car.refs().isEmpty());

        ArtifactRecord big = recs.get(0);
        assertEquals("biggan", big.attribute("generator"));
        assertNull(big.attribute("class"));

        ValidationReport v = r.validation();
        assertEquals(8, v.recordsRead());
        assertEquals(1, v.counts().get("not_an_image"));
        assertEquals("biggan/0_real/readme.txt", v.examples("not_an_image").get(0).recordId());
        assertEquals(1, v.counts().get("no_label_folder"));
        assertEquals("biggan/unlabeled/z.png", v.examples("no_label_folder").get(0).recordId());
        assertEquals(1, v.recordsSkipped());

        // deterministic: a second pass gives the same sequence
        assertEquals(recs.stream().map(ArtifactRecord::id).toList(),
                all(r).stream().map(ArtifactRecord::id).toList());
    }

    @Test
    void rootAtAGeneratorAndNestedClassPaths() throws Exception {
        List<ArtifactRecord> big = all(new DetectionFolderReader(root.resolve("test/biggan")));
        assertEquals(3, big.size());
        assertEquals("biggan", big.get(0).attribute("generator"));
        assertEquals("0_real/a.webp", big.get(0).id());
        assertNull(big.get(0).attribute("split"));

        List<ArtifactRecord> train = all(new DetectionFolderReader(root, "train"));
        assertEquals(1, train.size());
        assertEquals("progan", train.get(0).attribute("generator"));
        assertEquals("airplane", train.get(0).attribute("class"));
        assertEquals("train", train.get(0).attribute("split"));

        List<ArtifactRecord> whole = all(new DetectionFolderReader(root));
        assertEquals(9, whole.size());
        assertEquals("test", whole.get(0).attribute("generator"), "without a split the first component is the generator");
        assertEquals("biggan", whole.get(0).attribute("class"));
    }

    @Test
    void innermostLabelFolderWins() throws Exception {
        file("odd/1_fake/0_real/r.png");
        List<ArtifactRecord> recs = all(new DetectionFolderReader(root, "odd"));
        assertEquals(Authenticity.REAL, recs.get(0).authenticity());
    }

    @Test
    void missingRootIsADatasetError() {
        DatasetException e = assertThrows(DatasetException.class, () -> new DetectionFolderReader(root, "val"));
        assertTrue(e.getMessage().contains("val"), e.getMessage());
    }

    @Test
    void walkerIsLazyAndSkipsUnreadableFolders() throws Exception {
        List<String> errors = new ArrayList<>();
        SortedFileWalk walk = new SortedFileWalk(root.resolve("test"), (d, e) -> errors.add(d.toString()));
        int n = 0;
        while (walk.hasNext()) {
            assertTrue(Files.isRegularFile(walk.next()));
            n++;
        }
        assertEquals(10, n);
        assertTrue(errors.isEmpty());
        assertThrows(IOException.class, () -> new SortedFileWalk(root.resolve("nope"), (d, e) -> { }));
    }
}
