package ai.legion.data.loki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.ValidationReport;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LokiReaderTest {

    @TempDir
    Path tmp;

    /** A hand-written open_ended_vqa.json: 3 good items, 3 broken ones, 1 with a missing image. */
    private static final String ITEMS = """
            [
              {"id": "img-1", "image_path": "media/image/fake_1.png", "modality": "image-text",
               "question": "Explain the anomalies.", "choices": [], "answer": "", "question_type": "open-ended",
               "metric": "image-model-as-judge",
               "problems": {"global": [{"desc": "Overall lighting is inconsistent."}, {"desc": "Text is garbled."}],
                            "regional": [{"region": [1.7, 0.2, 2.5, 1.9], "desc": "The hand has six fingers."},
                                         {"region": [6, 5, 1, 1], "desc": ""}]}},
              {"id": 42, "image_path": "/elsewhere/machine/fake_2.png", "label": "AI-generated fake",
               "problems": {"global": [{"desc": "Only global."}]}},
              {"id": "bad-region", "image_path": "media/image/fake_1.png",
               "problems": {"regional": [{"region": [1, 2, 3], "desc": "three numbers"}]}},
              "not an item",
              {"id": "no-path", "problems": {}},
              {"id": "gone", "image_path": "media/image/missing.png", "problems": {"regional": []}},
              {"image_path": "media/image/real_3.png", "is_real": true,
               "problems": {"regional": [{"region": [0, 0, 2, 3], "desc": "a box"}]}}
            ]
            """;

    private static void png(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }

    /** Writes the dataset with the JSON in {@code charset}, with or without a BOM; returns the root. */
    private Path dataset(String name, String json, Charset charset, boolean bom) throws IOException {
        Path root = tmp.resolve(name);
        png(root.resolve("media/image/fake_1.png"));
        png(root.resolve("images/fake_2.png"));
        png(root.resolve("media/image/real_3.png"));
        Path file = root.resolve(LokiReader.DEFAULT_JSON);
        Files.createDirectories(file.getParent());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (bom) {
            bytes.write(charset.equals(StandardCharsets.UTF_8) ? new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}
                    : charset.equals(StandardCharsets.UTF_16LE) ? new byte[] {(byte) 0xFF, (byte) 0xFE}
                            : new byte[] {(byte) 0xFE, (byte) 0xFF});
        }
        bytes.write(json.getBytes(charset));
        Files.write(file, bytes.toByteArray());
        return root;
    }

    private static List<ArtifactRecord> readAll(LokiReader reader) {
        List<ArtifactRecord> out = new ArrayList<>();
        reader.forEach(out::add);
        return out;
    }

    @Test
    void readsUtf16WithBomAndReportsBrokenItems() throws Exception {
        Path root = dataset("loki", ITEMS, StandardCharsets.UTF_16LE, true);
        try (LokiReader reader = LokiReader.open(root)) {
            assertEquals("loki", reader.name());
            List<ArtifactRecord> records = readAll(reader);
            assertEquals(List.of("img-1", "42", "real_3"), records.stream().map(ArtifactRecord::id).toList());

            ArtifactRecord first = records.get(0);
            assertEquals(root.resolve("media/image/fake_1.png"), first.image());
            assertEquals("Overall lighting is inconsistent.\nText is garbled.", first.caption());
            assertEquals(Authenticity.UNKNOWN, first.authenticity());
            assertEquals(2, first.refs().size());
            Ref r1 = first.refs().get(0);
            assertEquals("region 1", r1.phrase());
            assertEquals("The hand has six fingers.", r1.explanation());
            assertEquals(new Region.Box(1.7, 0.2, 2.5, 1.9), r1.region());
            assertEquals("region 2", first.refs().get(1).phrase());
            assertEquals("image-model-as-judge", first.attribute("metric"));
            assertEquals("open-ended", first.attribute("question_type"));
            assertEquals("Explain the anomalies.", first.attribute("question"));
            assertEquals("[]", first.attribute("choices"));
            assertEquals("media/image/fake_1.png", first.attribute("image_path"));

            ArtifactRecord second = records.get(1);
            assertEquals(root.resolve("images/fake_2.png"), second.image(), "found by file name in images/");
            assertEquals(Authenticity.FAKE, second.authenticity());
            assertEquals("Only global.", second.caption());
            assertTrue(second.refs().isEmpty());

            ArtifactRecord third = records.get(2);
            assertEquals(Authenticity.REAL, third.authenticity());

            ValidationReport v = reader.validation();
            Map<String, Integer> counts = v.counts();
            assertEquals(3, counts.get("malformed_record"), v.toString());
            assertEquals(1, counts.get("missing_image"), v.toString());
            assertEquals(1, counts.get("missing_id"), v.toString());
            assertEquals(null, counts.get("degenerate_box"), v.toString()); // skipping one: BadRecordsTest
            assertEquals(1, counts.get("empty_explanation"), v.toString());
            assertEquals(3, v.recordsRead());
            assertEquals(4, v.recordsSkipped());
            String text = v.toString();
            assertTrue(text.contains("bad-region") && text.contains("[x, y, w, h]"), text);
            assertTrue(text.contains("#3") && text.contains("no-path"), text);

            // upstream's generate_loki_mask: corners (1, 0)-(4, 2) and (6, 5)-(7, 6) clamped to 7x8 -> (6,5)-(6,6)
            BinaryMask gt = LokiReader.groundTruthMask(first, 7, 7);
            assertEquals(12 + 2, gt.area());
            assertTrue(gt.get(1, 0) && gt.get(4, 2) && gt.get(6, 5) && gt.get(6, 6));
            assertTrue(!gt.get(0, 0) && !gt.get(5, 2) && !gt.get(4, 3));
        }
    }

    @Test
    void detectsEveryEncodingWeSupport() throws Exception {
        Object[][] variants = {
            {StandardCharsets.UTF_16LE, true}, {StandardCharsets.UTF_16BE, true}, {StandardCharsets.UTF_16LE, false},
            {StandardCharsets.UTF_16BE, false}, {StandardCharsets.UTF_8, true}, {StandardCharsets.UTF_8, false}};
        String json = "[{\"id\": \"ü-1\", \"image_path\": \"media/image/fake_1.png\", \"problems\": "
                + "{\"global\": [{\"desc\": \"Ünïcode — ok\"}]}}]";
        for (Object[] v : variants) {
            Charset cs = (Charset) v[0];
            boolean bom = (Boolean) v[1];
            Path root = dataset("enc-" + cs.name() + "-" + bom, json, cs, bom);
            try (LokiReader reader = LokiReader.open(root.resolve(LokiReader.DEFAULT_JSON))) {
                assertEquals(root.toAbsolutePath(), reader.root(), "root from data_json/image/");
                List<ArtifactRecord> records = readAll(reader);
                assertEquals(1, records.size(), cs + " bom=" + bom);
                assertEquals("ü-1", records.get(0).id());
                assertEquals("Ünïcode — ok", records.get(0).caption(), cs + " bom=" + bom);
            }
        }
        assertEquals(new LokiReader.Encoding(StandardCharsets.UTF_16LE, 2),
                LokiReader.detectEncoding(new byte[] {(byte) 0xFF, (byte) 0xFE, '[', 0}, 4));
        assertEquals(new LokiReader.Encoding(StandardCharsets.UTF_8, 0), LokiReader.detectEncoding(new byte[] {'['}, 1));
    }

    @Test
    void optionsKeepMissingImagesAndDefaultAuthenticity() throws Exception {
        Path root = dataset("opts", ITEMS, StandardCharsets.UTF_16LE, true);
        LokiReader.Options opts = LokiReader.Options.defaults().withKeepMissingImages(true)
                .withDefaultAuthenticity(Authenticity.FAKE);
        try (LokiReader reader = LokiReader.open(root, opts)) {
            List<ArtifactRecord> records = readAll(reader);
            assertEquals(List.of("img-1", "42", "gone", "real_3"), records.stream().map(ArtifactRecord::id).toList());
            assertEquals(Authenticity.FAKE, records.get(0).authenticity());
            assertEquals(Authenticity.REAL, records.get(3).authenticity(), "item label wins over the default");
            assertEquals(root.resolve("images/missing.png"), records.get(2).image());
        }
    }

    @Test
    void truncatedFileYieldsItemsThenAnErrorNamingTheFile() throws Exception {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 200; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"id\": \"i").append(i).append("\", \"image_path\": "
                    + "\"media/image/fake_1.png\", \"problems\": {\"regional\": [{\"region\": [1, 1, 2, 2], \"desc\": \"d\"}]}}");
        }
        String cut = sb.substring(0, sb.length() / 2);
        Path root = dataset("cut", cut, StandardCharsets.UTF_16LE, true);
        try (LokiReader reader = LokiReader.open(root)) {
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
            assertNotNull(error);
            assertTrue(read > 50 && read < 200, "items before the cut: " + read);
            assertTrue(error.getMessage().contains("open_ended_vqa.json"), error.getMessage());
        }
    }

    @Test
    void openRejectsMissingLayouts() throws Exception {
        DatasetException e = assertThrows(DatasetException.class, () -> LokiReader.open(tmp));
        assertTrue(e.getMessage().contains(LokiReader.DEFAULT_JSON), e.getMessage());
        assertThrows(DatasetException.class, () -> LokiReader.open(tmp.resolve("nothing-here")));
        // parses as JSON: the tree matches what a generic parser sees
        assertEquals(7, new ObjectMapper().readTree(ITEMS).size());
    }
}
