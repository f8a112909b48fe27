package ai.legion.data.synthscars;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.report.MaskImages;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.FileNames;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.ValidationReport;
import ai.legion.data.raster.MaskRasterizer;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthScarsReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The 119-record SynthScars sample of legion-core's test resources (on the classpath via its test-jar). */
    static void copySample(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try (InputStream in = SynthScarsReaderTest.class.getResourceAsStream("/data/synthscars-format-sample.json")) {
            if (in != null) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                return;
            }
        }
        Files.copy(Fixtures.resource("data/synthscars-format-sample.json"), target, StandardCopyOption.REPLACE_EXISTING);
    }

    static void png(Path file, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x336699);
        String name = file.getFileName().toString().toLowerCase();
        ImageIO.write(img, name.endsWith(".jpg") || name.endsWith(".jpeg") ? "jpg" : "png", file.toFile());
    }

    /** A generic parse of the sample: id -> record object, in file order. */
    private static List<Entry<String, JsonNode>> genericRecords(Path json) throws IOException {
        List<Entry<String, JsonNode>> out = new ArrayList<>();
        for (JsonNode item : JSON.readTree(json.toFile())) {
            item.fields().forEachRemaining(out::add);
        }
        return out;
    }

    /** Lays out SynthScars/train with the sample and 8x8 placeholder images; returns the dataset root. */
    private Path sampleLayout(String annotationsFolder) throws IOException {
        Path root = tmp.resolve("SynthScars");
        Path json = root.resolve("train").resolve(annotationsFolder).resolve("train.json");
        copySample(json);
        for (Entry<String, JsonNode> e : genericRecords(json)) {
            png(root.resolve("train/images").resolve(FileNames.baseName(e.getValue().get("img_file_name").asText())),
                    8, 8);
        }
        return root;
    }

    private static List<ArtifactRecord> readAll(SynthScarsReader reader) {
        List<ArtifactRecord> out = new ArrayList<>();
        reader.forEach(out::add);
        return out;
    }

    @Test
    void readsTheSampleLikeAGenericParse() throws Exception {
        Path root = sampleLayout("annotations");
        Path json = root.resolve("train/annotations/train.json");
        List<Entry<String, JsonNode>> expected = genericRecords(json);
        try (SynthScarsReader reader = SynthScarsReader.open(root, "train")) {
            assertEquals("synthscars", reader.name());
            List<ArtifactRecord> records = readAll(reader);
            assertEquals(expected.size(), records.size());
            int refs = 0;
            for (int i = 0; i < records.size(); i++) {
                ArtifactRecord r = records.get(i);
                String id = expected.get(i).getKey();
                JsonNode v = expected.get(i).getValue();
                assertEquals(id, r.id());
                assertEquals("synthscars", r.dataset());
                assertEquals(Authenticity.FAKE, r.authenticity());
                String file = v.get("img_file_name").asText();
                assertEquals(root.resolve("train/images").resolve(file.substring(file.lastIndexOf('/') + 1)), r.image());
                assertEquals(v.get("caption").asText().replaceAll("^\"+|\"+$", "").strip(), r.caption());
                assertEquals("train", r.attribute("split"));
                assertEquals(file, r.attribute("img_file_name"));
                assertNull(r.facts(), "published SynthScars records have no scene facts");
                JsonNode refNodes = v.get("refs");
                assertEquals(refNodes.size(), r.refs().size(), id);
                for (int k = 0; k < refNodes.size(); k++) {
                    JsonNode rn = refNodes.get(k);
                    Ref ref = r.refs().get(k);
                    assertEquals(rn.get("sentence").asText(), ref.phrase());
                    assertEquals(rn.get("explanation").asText(), ref.explanation());
                    List<double[]> polys = ((Region.Polygons) ref.region()).polygons();
                    JsonNode seg = rn.get("segmentation");
                    assertEquals(seg.size(), polys.size());
                    for (int p = 0; p < seg.size(); p++) {
                        double[] want = new double[seg.get(p).size()];
                        for (int j = 0; j < want.length; j++) {
                            want[j] = seg.get(p).get(j).asDouble();
                        }
                        assertArrayEquals(want, polys.get(p), 0.0, id + " ref " + k + " polygon " + p);
                    }
                    refs++;
                }
            }
            ValidationReport report = reader.validation();
            assertEquals(expected.size(), report.recordsRead());
            assertEquals(0, report.recordsSkipped());
            assertNull(report.counts().get("malformed_record"));
            assertNull(report.counts().get("missing_image"));
            assertTrue(refs >= records.size());
            // a second pass reads the same records with a fresh report
            assertEquals(records.size(), readAll(reader).size());
            assertEquals(expected.size(), reader.validation().recordsRead());
        }
    }

    @Test
    void boundsCheckReportsCoordinatesBeyondTheImage() throws Exception {
        Path root = sampleLayout("annotations");
        SynthScarsReader.Options opts = SynthScarsReader.Options.defaults().withCheckBounds(true);
        try (SynthScarsReader reader = SynthScarsReader.open(root, "train", opts)) {
            List<ArtifactRecord> records = readAll(reader);
            // the placeholders are 8x8, the real polygons are hundreds of pixels wide: every record with a ref
            long withRefs = records.stream().filter(r -> !r.refs().isEmpty()).count();
            assertTrue(withRefs > 0);
            assertEquals((int) withRefs, reader.validation().counts().get("coordinates_out_of_bounds"));
            assertEquals(records.size(), reader.validation().recordsRead());
            assertTrue(reader.validation().examples("coordinates_out_of_bounds").get(0).message().contains("8x8"));
        }
    }

    @Test
    void misspelledAnnotationFolderSplitFolderAndJsonFile() throws Exception {
        Path root = sampleLayout("annoations");
        int n = genericRecords(root.resolve("train/annoations/train.json")).size();
        try (SynthScarsReader a = SynthScarsReader.open(root, "train");
                SynthScarsReader b = SynthScarsReader.open(root.resolve("train"), "train");
                SynthScarsReader c = SynthScarsReader.open(root.resolve("train/annoations/train.json"), "train");
                SynthScarsReader d = SynthScarsReader.open(root.resolve("train/annoations/train.json"),
                        root.resolve("train/images"), "train", SynthScarsReader.Options.defaults());
                SynthScarsReader e = SynthScarsReader.open(tmp, "train")) {
            for (SynthScarsReader r : List.of(a, b, c, d, e)) {
                assertEquals(n, readAll(r).size(), r.annotationFile().toString());
                assertEquals(root.resolve("train/images").toAbsolutePath().normalize(),
                        r.imagesDir().toAbsolutePath().normalize());
            }
        }
        DatasetException missing = assertThrows(DatasetException.class, () -> SynthScarsReader.open(root, "test"));
        assertTrue(missing.getMessage().contains("test"), missing.getMessage());
    }

    private Path writeSplit(String json, String... images) throws IOException {
        Path split = tmp.resolve("ds/test");
        Files.createDirectories(split.resolve("annotations"));
        Files.writeString(split.resolve("annotations/test.json"), json, StandardCharsets.UTF_8);
        Files.createDirectories(split.resolve("images"));
        for (String img : images) {
            png(split.resolve("images").resolve(img), 8, 8);
        }
        return tmp.resolve("ds");
    }

    private static String body(String file, String caption, String refs) {
        return "{\"img_file_name\": \"" + file + "\", \"caption\": \"" + caption + "\", \"refs\": [" + refs + "]}";
    }

    private static String rec(String id, String file, String caption, String refs) {
        return "{\"" + id + "\": " + body(file, caption, refs) + "}";
    }

    private static String ref(String sentence, String explanation, String segmentation) {
        return "{\"sentence\": \"" + sentence + "\", \"explanation\": \"" + explanation + "\", \"bbox\": null,"
                + " \"segmentation\": " + segmentation + "}";
    }

    @Test
    void malformedRecordsAreReportedAndTheRestIsRead() throws Exception {
        String square = "[[1, 1, 5, 1, 5, 5, 1, 5]]";
        String json = "[\n"
                + rec("good1", "/mnt/elsewhere/raw_imgs/a.png", "\\\"Found: hand.\\\"", ref("hand", "six fingers", square)) + ",\n"
                + "42,\n"
                + "{\"notobj\": \"just a string\"},\n"
                + "{\"norefs\": {\"img_file_name\": \"b.png\", \"caption\": \"x\"}},\n"
                + "{\"nocaption\": {\"img_file_name\": \"b.png\", \"refs\": []}},\n"
                + rec("odd", "b.png", "eye", ref("eye", "e", "[[1, 2, 3, 4, 5]]")) + ",\n"
                + rec("nan", "b.png", "eye", ref("eye", "e", "[[1, NaN, 3, 4, 5, 6]]")) + ",\n"
                + rec("str", "b.png", "eye", ref("eye", "e", "[[1, \"2\", 3, 4, 5, 6]]")) + ",\n"
                + rec("segnull", "b.png", "eye", ref("eye", "e", "null")) + ",\n"
                + "{\"badref\": {\"img_file_name\": \"b.png\", \"caption\": \"x\", \"refs\": [\"oops\"]}},\n"
                + rec("good2", "C:\\\\data\\\\b.jpg", "A dog: ear, paw and tail.",
                        ref("ear", "", "[[1, 1, 3, 3]]") + ", " + ref("leg", "bent", "[[0, 0, 2, 2, 4, 4]]")
                                + ", " + ref("tail", "t", "[]")) + ",\n"
                + rec("good1", "b.png", "dup id", ref("dup", "d", square)) + ",\n"
                + rec("stem", "a.jpg", "stem", ref("stem", "s", square)) + ",\n"
                + rec("gone", "missing.png", "gone", ref("gone", "g", square)) + ",\n"
                + "{\"multi1\": " + body("a.png", "m", ref("m", "m", square)) + ", \"multi2\": "
                + body("b.png", "m", ref("m", "m", square)) + "}\n"
                + "]";
        Path root = writeSplit(json, "a.png", "b.jpg", "b.png", "a.jpg");
        try (SynthScarsReader reader = SynthScarsReader.open(root, "test")) {
            List<ArtifactRecord> records = readAll(reader);
            List<String> ids = records.stream().map(ArtifactRecord::id).toList();
            assertEquals(List.of("good1", "good2", "stem", "multi1", "multi2"), ids, "a repeated id is skipped");
            ValidationReport v = reader.validation();
            Map<String, Integer> counts = v.counts();
            assertEquals(9, counts.get("malformed_record"), v.toString());
            assertEquals(1, counts.get("missing_image"), v.toString());
            assertEquals(11, v.recordsSkipped());
            assertEquals(5, v.recordsRead());
            assertEquals(1, counts.get("duplicate_id"));
            assertEquals(2, counts.get("duplicate_stem"), v.toString()); // a.jpg after a.png, multi2 b.png after b.jpg
            assertEquals(1, counts.get("duplicate_image"), v.toString()); // multi1 a.png
            assertEquals(1, counts.get("empty_explanation"));
            assertEquals(1, counts.get("phrase_not_in_caption"), v.toString()); // "leg"
            assertEquals(3, counts.get("degenerate_polygon"), v.toString()); // 2 points, collinear, no polygon
            String messages = v.toString();
            for (String s : List.of("#1", "notobj", "norefs", "nocaption", "odd number", "NaN", "\"2\"", "segnull", "badref")) {
                assertTrue(messages.contains(s), s + " not named in\n" + messages);
            }

            ArtifactRecord good1 = records.get(0);
            assertEquals(root.resolve("test/images/a.png"), good1.image(), "absolute foreign path resolved by name");
            assertEquals("Found: hand.", good1.caption(), "quotes then whitespace stripped");
            ArtifactRecord good2 = records.get(1);
            assertEquals(root.resolve("test/images/b.jpg"), good2.image(), "Windows path resolved by name");
            assertEquals(3, good2.refs().size());
            assertEquals("", good2.refs().get(0).explanation());
            assertEquals(0, ((Region.Polygons) good2.refs().get(2).region()).polygons().size());
            assertEquals(root.resolve("test/images/a.jpg"), records.get(2).image(), "full names, never stems");
        }
    }

    @Test
    void missingImagesCanBeKeptAndLabelsBecomeAttributes() throws Exception {
        String square = "[[1, 1, 5, 1, 5, 5, 1, 5]]";
        String json = "[" + "{\"r1\": {\"img_file_name\": \"nope.png\", \"caption\": \"c eye\", \"content_type\": \"Human\","
                + " \"refs\": [{\"sentence\": \"eye\", \"explanation\": \"e\", \"artifact_type\": \"Structure\","
                + " \"segmentation\": " + square + "}]}}]";
        Path root = writeSplit(json, "nope.jpg");
        try (SynthScarsReader skip = SynthScarsReader.open(root, "test")) {
            assertTrue(readAll(skip).isEmpty());
            String msg = skip.validation().examples("missing_image").get(0).message();
            assertTrue(msg.contains("nope.jpg exists"), msg);
        }
        SynthScarsReader.Options keep = SynthScarsReader.Options.defaults().withKeepMissingImages(true);
        try (SynthScarsReader reader = SynthScarsReader.open(root, "test", keep)) {
            List<ArtifactRecord> records = readAll(reader);
            assertEquals(1, records.size());
            ArtifactRecord r = records.get(0);
            assertEquals(root.resolve("test/images/nope.png"), r.image());
            assertFalse(Files.exists(r.image()));
            assertEquals("Human", r.attribute("content_type"));
            assertEquals("Structure", r.attribute("ref0.artifact_type"));
            assertEquals(1, reader.validation().counts().get("missing_image"));
        }
    }

    @Test
    void structuralErrorsSurfaceAsDatasetExceptions() throws Exception {
        Path notAList = writeSplit("{\"a\": 1}");
        try (SynthScarsReader reader = SynthScarsReader.open(notAList, "test")) {
            DatasetException.Unchecked e = assertThrows(DatasetException.Unchecked.class, () -> readAll(reader));
            assertTrue(e.getMessage().contains("expected a JSON array"), e.getMessage());
            assertTrue(e.getMessage().contains("test.json"), e.getMessage());
        }
    }

    @Test
    void streamsRecordsBeforeTheFileEnds() throws Exception {
        // a truncated file: records before the cut are produced, then the cut surfaces as an error
        Path split = tmp.resolve("big/train");
        Files.createDirectories(split.resolve("images"));
        png(split.resolve("images/img.png"), 8, 8);
        Path json = split.resolve("annotations/train.json");
        Files.createDirectories(json.getParent());
        int n = 20_000;
        writeGenerated(json, n, 60);
        long size = Files.size(json);
        Path cut = split.resolve("annotations/cut.json");
        try (InputStream in = Files.newInputStream(json)) {
            Files.write(cut, in.readNBytes((int) (size / 2)));
        }
        try (SynthScarsReader reader = SynthScarsReader.open(cut, split.resolve("images"), "train",
                SynthScarsReader.Options.defaults())) {
            Iterator<ArtifactRecord> it = reader.iterator();
            int read = 0;
            DatasetException.Unchecked error = null;
            try {
                while (it.hasNext()) {
                    it.next();
                    read++;
                }
            } catch (DatasetException.Unchecked e) {
                error = e;
            }
            assertNotNull(error, "a truncated file must fail");
            assertTrue(read > n / 4 && read < n, "records produced before the cut: " + read);
            assertTrue(error.getMessage().contains("cut.json"), error.getMessage());
        }

        // the whole file: used heap stays far below the size of a parsed tree of it
        java.lang.management.MemoryMXBean mem = java.lang.management.ManagementFactory.getMemoryMXBean();
        System.gc();
        long base = mem.getHeapMemoryUsage().getUsed();
        long peak = 0;
        int read = 0;
        try (SynthScarsReader reader = SynthScarsReader.open(json, split.resolve("images"), "train",
                SynthScarsReader.Options.defaults())) {
            for (ArtifactRecord r : reader) {
                assertEquals(2, r.refs().size());
                if (++read % 4000 == 0) {
                    System.gc();
                    peak = Math.max(peak, mem.getHeapMemoryUsage().getUsed() - base);
                }
            }
            assertEquals(n, read);
            assertEquals(n, reader.validation().recordsRead());
        }
        System.out.printf("streamed %d records from a %.1f MB file, peak heap delta %.1f MB%n", n, size / 1e6,
                peak / 1e6);
        assertTrue(peak < 64L << 20, "heap grew by " + peak / 1e6 + " MB while streaming a " + size / 1e6 + " MB file");
    }

    /** {@code n} records of 2 refs of {@code points}-point polygons, all on one image; deterministic. */
    static void writeGenerated(Path json, int n, int points) throws IOException {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        try (var out = Files.newBufferedWriter(json, StandardCharsets.UTF_8)) {
            out.write("[\n");
            for (int i = 0; i < n; i++) {
                StringBuilder sb = new StringBuilder(4096);
                sb.append("{\"").append(i).append("\": {\"caption\": \"Upon examining the image, record ").append(i)
                        .append(": the left hand and the right eye look wrong.\", \"img_file_name\": \"img.png\","
                                + " \"refs\": [");
                for (int k = 0; k < 2; k++) {
                    sb.append(k == 0 ? "" : ", ").append("{\"sentence\": \"").append(k == 0 ? "left hand" : "right eye")
                            .append("\", \"explanation\": \"generated\", \"bbox\": null, \"segmentation\": [[");
                    for (int p = 0; p < points * 2; p++) {
                        sb.append(p == 0 ? "" : ", ").append(Math.round(rnd.nextDouble(0, 4000) * 100) / 100.0);
                    }
                    sb.append("]]}");
                }
                sb.append("]}}").append(i + 1 < n ? ",\n" : "\n");
                out.write(sb.toString());
            }
            out.write("]\n");
        }
    }

    @Test
    void groundTruthMaskOfTheMetricsFixtureRecords() throws Exception {
        // the fixture's annotations read through the reader (images absent: kept), then upstream's generate_mask
        Path metrics = Fixtures.path("metrics");
        Path images = tmp.resolve("no-images");
        Files.createDirectories(images);
        JsonNode expected = JSON.readTree(metrics.resolve("expected.json").toFile());
        Map<String, ArtifactRecord> byId = new HashMap<>();
        try (SynthScarsReader reader = SynthScarsReader.open(metrics.resolve("annotations.json"), images, "test",
                SynthScarsReader.Options.defaults().withKeepMissingImages(true))) {
            for (ArtifactRecord r : reader) {
                byId.putIfAbsent(r.id(), r);
            }
        }
        int cases = 0;
        for (JsonNode c : expected.get("cases")) {
            ArtifactRecord r = byId.get(c.get("annotation_id").asText());
            assertNotNull(r, c.get("annotation_id").asText());
            int h = c.get("height").asInt();
            int w = c.get("width").asInt();
            BinaryMask gt = MaskImages.read(metrics.resolve(c.get("gt_mask").asText()));
            BinaryMask ours = SynthScarsReader.groundTruthMask(r, h, w);
            assertEquals(gt, ours, r.id());
            assertEquals(MaskRasterizer.evaluation().unionOfRefs(r.refs(), h, w), ours);
            cases++;
        }
        assertTrue(cases > 0);
    }

    @Test
    void helpers() {
        assertEquals("x.png", FileNames.baseName("/a/b/x.png"));
        assertEquals("x.png", FileNames.baseName("C:\\a\\x.png"));
        assertEquals("x.png", FileNames.baseName("x.png"));
        assertEquals("x", FileNames.stem("x.png"));
        assertEquals("a \"b\"", SynthScarsReader.stripCaption("\"\" a \"b\" \n\""));
        assertEquals("quoted", SynthScarsReader.stripCaption("\"quoted\""));
        assertEquals(0.0, SynthScarsReader.area(new double[] {0, 0, 1, 1, 2, 2}));
        assertEquals(4.0, SynthScarsReader.area(new double[] {0, 0, 2, 0, 2, 2, 0, 2}));
    }
}
