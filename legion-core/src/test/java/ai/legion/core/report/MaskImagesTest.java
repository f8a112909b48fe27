package ai.legion.core.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskImagesTest {

    @Test
    void pngIsEightBitGrayscaleWithZeroAnd255() throws Exception {
        BinaryMask m = Masks.ascii("#..#", ".##.", "....");
        byte[] png = MaskImages.encodePng(m);
        // IHDR: width, height, bit depth 8, color type 0 (grayscale), like PIL mode L
        ByteBuffer b = ByteBuffer.wrap(png);
        assertEquals(0x89504E47, b.getInt(0));
        assertEquals(0x49484452, b.getInt(12), "IHDR");
        assertEquals(4, b.getInt(16));
        assertEquals(3, b.getInt(20));
        assertEquals(8, b.get(24));
        assertEquals(0, b.get(25));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(1, img.getRaster().getNumBands());
        int[] samples = img.getRaster().getPixels(0, 0, 4, 3, (int[]) null);
        assertArrayEquals(new int[] {255, 0, 0, 255, 0, 255, 255, 0, 0, 0, 0, 0}, samples);
    }

    @Test
    void writeAllAndReadBack(@TempDir Path dir) throws Exception {
        ArtifactReport r = SampleReports.rich();
        Path out = dir.resolve("cat 01");
        List<Path> files = MaskImages.writeAll(out, r);
        assertEquals(List.of(out.resolve("mask.png"), out.resolve("artifact_00.png"), out.resolve("artifact_01.png"),
                out.resolve("artifact_02.png")), files);
        assertEquals(r.union(), MaskImages.read(files.get(0)));
        for (int k = 0; k < r.artifacts().size(); k++) {
            assertEquals(r.artifacts().get(k).mask(), MaskImages.read(files.get(k + 1)));
        }
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(4, s.count(), "no temporary files left");
        }
        assertEquals("artifact_123.png", MaskImages.artifactFileName(123));
    }

    @Test
    void randomMasksSurviveThePngTrip(@TempDir Path dir) throws Exception {
        Random rnd = new Random(5);
        for (int t = 0; t < 10; t++) {
            BinaryMask m = Masks.random(rnd, 1 + rnd.nextInt(90), 1 + rnd.nextInt(90), rnd.nextDouble());
            Path p = dir.resolve("m" + t + ".png");
            MaskImages.writePng(p, m);
            assertEquals(m, MaskImages.read(p));
            assertEquals(m, MaskImages.fromImage(MaskImages.toImage(m)));
        }
    }

    @Test
    void otherImageTypesReadAsNonZero() {
        BufferedImage rgb = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        rgb.setRGB(0, 0, 0xFF000000); // opaque black: unset
        rgb.setRGB(1, 0, 0x00000100); // transparent but green 1: set (alpha ignored)
        rgb.setRGB(2, 0, 0xFFFFFFFF);
        assertEquals(Masks.ascii(".##"), MaskImages.fromImage(rgb));
        BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY);
        indexed.setRGB(1, 0, 0xFFFFFFFF);
        assertEquals(Masks.ascii(".#"), MaskImages.fromImage(indexed));
    }

    @Test
    void unreadableFilesAreReported(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.png");
        Files.writeString(bad, "not a png");
        ReportException e = assertThrows(ReportException.class, () -> MaskImages.read(bad));
        assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
        e = assertThrows(ReportException.class, () -> MaskImages.read(dir.resolve("none.png")));
        assertTrue(e.getMessage().contains("none.png"), e.getMessage());
        // a folder where the file should go: the atomic write fails and names the target
        Path folder = dir.resolve("taken.png");
        Files.createDirectories(folder.resolve("child"));
        e = assertThrows(ReportException.class, () -> MaskImages.writePng(folder, BinaryMask.full(2, 2)));
        assertTrue(e.getMessage().contains("taken.png"), e.getMessage());
    }

    /**
     * The localization fixture's masks (0/255 PNGs written by the upstream tools): read them, check sizes and
     * foreground counts against expected.json, the upstream IoU of every prediction, and exact PNG and RLE
     * round trips.
     */
    @Test
    void upstreamMetricMasks(@TempDir Path dir) throws Exception {
        Path root = Fixtures.path("metrics");
        JsonNode expected = new ObjectMapper().readTree(root.resolve("expected.json").toFile());
        int checked = 0;
        for (JsonNode c : expected.get("cases")) {
            BinaryMask gt = MaskImages.read(root.resolve(c.get("gt_mask").textValue()));
            assertEquals(c.get("width").intValue(), gt.width());
            assertEquals(c.get("height").intValue(), gt.height());
            assertEquals(c.get("gt_foreground_pixels").intValue(), gt.area());
            for (JsonNode p : c.get("predictions")) {
                BinaryMask pred = MaskImages.read(root.resolve(p.get("mask").textValue()));
                assertEquals(p.get("iou").doubleValue(), pred.iou(gt), 1e-12,
                        c.get("annotation_id").textValue() + " " + p.get("name").textValue());
                Path copy = dir.resolve("copy.png");
                MaskImages.writePng(copy, pred);
                assertEquals(pred, MaskImages.read(copy));
                assertEquals(pred, CocoRle.fromCompressedString(CocoRle.encode(pred).toCompressedString(),
                        pred.height(), pred.width()).decode());
                checked++;
            }
        }
        assertTrue(checked > 0, "the fixture has predictions");
    }
}
