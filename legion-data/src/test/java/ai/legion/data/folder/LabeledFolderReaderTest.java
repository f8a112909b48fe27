package ai.legion.data.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.ValidationReport;
import ai.legion.data.folder.LabeledFolderReader.NumericLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledFolderReaderTest {

    @TempDir
    Path dir;

    private Path images;

    @BeforeEach
    void setUp() throws Exception {
        images = Files.createDirectories(dir.resolve("images"));
        for (String n : List.of("a.png", "b.jpg", "c, with comma.png", "d.png", "e.png", "f.png")) {
            Files.write(images.resolve(n), new byte[] {1});
        }
        Files.createDirectories(images.resolve("sub"));
        Files.write(images.resolve("sub/g.png"), new byte[] {1});
    }

    private Path csv(String text) throws Exception {
        Path p = dir.resolve("labels.csv");
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private static List<ArtifactRecord> all(LabeledFolderReader r) {
        List<ArtifactRecord> out = new ArrayList<>();
        r.forEach(out::add);
        return out;
    }

    @Test
    void readsLabelsExtrasAndQuoting() throws Exception {
        Path labels = csv("\uFEFFFile , Label,generator,note\r\n"
                + "a.png,real,progan,plain\r\n"
                + "b.jpg,FAKE,sd,\"quoted, with comma\"\r\n"
                + "\"c, with comma.png\",1,dalle,\"she said \"\"hi\"\"\"\r\n"
                + "d.png, 0 ,x,\"two\r\nlines\"\r\n"
                + "\r\n"
                + "e.png,True,y,z\r\n"
                + "sub/g.png,false,y,z\r\n");
        try (LabeledFolderReader r = new LabeledFolderReader(images, labels, NumericLabels.ONE_IS_FAKE)) {
            List<ArtifactRecord> recs = all(r);
            assertEquals(List.of("a.png", "b.jpg", "c, with comma.png", "d.png", "e.png", "sub/g.png"),
                    recs.stream().map(ArtifactRecord::id).toList());
            assertEquals(List.of(Authenticity.REAL, Authenticity.FAKE, Authenticity.FAKE, Authenticity.REAL,
                    Authenticity.FAKE, Authenticity.REAL), recs.stream().map(ArtifactRecord::authenticity).toList());
            assertEquals(images.resolve("c, with comma.png"), recs.get(2).image());
            assertEquals(images.resolve("sub/g.png"), recs.get(5).image());
            assertEquals("progan", recs.get(0).attribute("generator"));
            assertEquals("quoted, with comma", recs.get(1).attribute("note"));
            assertEquals("she said \"hi\"", recs.get(2).attribute("note"));
            assertEquals("two\r\nlines", recs.get(3).attribute("note"));
            assertNull(recs.get(0).attribute("label"));
            assertNull(recs.get(0).attribute("File"));
            assertEquals("labeled_folder", recs.get(0).dataset());
            assertTrue(r.validation().isClean(), r.validation().toString());
            assertEquals(6, r.validation().recordsRead());
        }
    }

    @Test
    void numericConventionIsExplicit() throws Exception {
        Path labels = csv("image,label\na.png,1\nb.jpg,0\nd.png,true\ne.png,real\n");
        try (LabeledFolderReader fakeIsOne = new LabeledFolderReader(images, labels, NumericLabels.ONE_IS_FAKE);
                LabeledFolderReader realIsOne = new LabeledFolderReader(images, labels, NumericLabels.ONE_IS_REAL)) {
            assertEquals(List.of(Authenticity.FAKE, Authenticity.REAL, Authenticity.FAKE, Authenticity.REAL),
                    all(fakeIsOne).stream().map(ArtifactRecord::authenticity).toList());
            assertEquals(List.of(Authenticity.REAL, Authenticity.FAKE, Authenticity.REAL, Authenticity.REAL),
                    all(realIsOne).stream().map(ArtifactRecord::authenticity).toList());
        }
        assertNull(LabeledFolderReader.parseLabel("2", NumericLabels.ONE_IS_FAKE));
        assertNull(LabeledFolderReader.parseLabel("", NumericLabels.ONE_IS_FAKE));
        assertNull(LabeledFolderReader.parseLabel("yes", NumericLabels.ONE_IS_REAL));
    }

    @Test
    void badRowsAreReportedOthersKept() throws Exception {
        Path labels = csv("path,label,extra\n"
                + "a.png,real,1\n"
                + "missing.png,fake,2\n"
                + "b.jpg,maybe,3\n"
                + "d.png,real\n"                 // too few fields
                + "e.png,fake,4,5\n"             // too many
                + "f\"oops.png,fake,6\n"         // quote inside unquoted field
                + ",fake,7\n"                    // empty path
                + "f.png,1,8\n");
        try (LabeledFolderReader r = new LabeledFolderReader(images, labels, NumericLabels.ONE_IS_FAKE)) {
            List<ArtifactRecord> recs = all(r);
            assertEquals(List.of("a.png", "f.png"), recs.stream().map(ArtifactRecord::id).toList());
            ValidationReport v = r.validation();
            assertEquals(1, v.counts().get("missing_image"));
            assertEquals("missing.png", v.examples("missing_image").get(0).recordId());
            assertEquals(1, v.counts().get("unknown_label"));
            assertTrue(v.examples("unknown_label").get(0).message().contains("'maybe'"));
            assertEquals(3, v.counts().get("malformed_row"));
            assertEquals("line 5", v.examples("malformed_row").get(0).recordId());
            assertEquals(1, v.counts().get("bad_path"));
            assertEquals(2, v.recordsRead());
            assertEquals(6, v.recordsSkipped());
        }
    }

    @Test
    void headerProblemsAreDatasetErrors() throws Exception {
        DatasetException noLabel = assertThrows(DatasetException.class,
                () -> new LabeledFolderReader(images, csv("file,class\na.png,real\n"), NumericLabels.ONE_IS_FAKE));
        assertTrue(noLabel.getMessage().contains("'label' column"), noLabel.getMessage());
        DatasetException noFile = assertThrows(DatasetException.class,
                () -> new LabeledFolderReader(images, csv("name,label\na.png,real\n"), NumericLabels.ONE_IS_FAKE));
        assertTrue(noFile.getMessage().contains("[file, image, path]"), noFile.getMessage());
        DatasetException dup = assertThrows(DatasetException.class,
                () -> new LabeledFolderReader(images, csv("file,label,Label\n"), NumericLabels.ONE_IS_FAKE));
        assertTrue(dup.getMessage().contains("appears twice"), dup.getMessage());
        assertThrows(DatasetException.class,
                () -> new LabeledFolderReader(images, csv(""), NumericLabels.ONE_IS_FAKE));
        assertThrows(DatasetException.class,
                () -> new LabeledFolderReader(images, dir.resolve("absent.csv"), NumericLabels.ONE_IS_FAKE));
        Files.write(dir.resolve("latin1.csv"), new byte[] {'f', 'i', 'l', 'e', ',', 'l', 'a', 'b', 'e', 'l', '\n',
                'a', (byte) 0xe9, '.', 'p', 'n', 'g', ',', '1', '\n'});
        // strict UTF-8: the decoder may fail while the header is read or on the row, depending on buffering
        Exception bad = assertThrows(Exception.class, () -> all(new LabeledFolderReader(images,
                dir.resolve("latin1.csv"), NumericLabels.ONE_IS_FAKE)));
        assertTrue(bad instanceof DatasetException || bad instanceof DatasetException.Unchecked, bad.toString());
        assertTrue(bad.getMessage().contains("latin1.csv"), bad.getMessage());
    }

    @Test
    void closeReleasesUnfinishedIterations() throws Exception {
        Path labels = csv("file,label\na.png,real\nb.jpg,fake\n");
        LabeledFolderReader r = new LabeledFolderReader(images, labels, NumericLabels.ONE_IS_FAKE);
        var it = r.iterator();
        assertEquals("a.png", it.next().id());
        r.close();
        assertThrows(DatasetException.Unchecked.class, it::hasNext);
    }
}
