package ai.legion.data.richhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.DatasetException;
import ai.legion.data.FileNames;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.ValidationReport;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RichHfReaderTest {

    private static final int S = RichHfReader.MAP_SIDE;

    @TempDir
    Path dir;

    private Path images;
    private Path cache;
    private byte[] mapA;
    private byte[] mapB;
    private byte[] misA;

    @BeforeEach
    void setUp() throws Exception {
        images = Files.createDirectories(dir.resolve("pickapic"));
        cache = dir.resolve("cache");
        SplittableRandom rnd = new SplittableRandom(7);
        mapA = new byte[S * S]; // sparse blob with soft values
        for (int y = 30; y < 60; y++) {
            for (int x = 10; x < 90; x++) {
                mapA[y * S + x] = (byte) (1 + rnd.nextInt(255));
            }
        }
        mapB = new byte[S * S]; // dense pattern, passed raw
        for (int i = 0; i < mapB.length; i++) {
            mapB[i] = (byte) ((i * 31) >> 4);
        }
        misA = new byte[S * S];
        misA[5 * S + 5] = (byte) 200;
    }

    static byte[] grayPng(byte[] pixels, int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, w, h, pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", out));
        return out.toByteArray();
    }

    static byte[] readGray(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType(), "cached heatmaps are 8-bit gray PNGs");
        byte[] out = new byte[img.getWidth() * img.getHeight()];
        img.getRaster().getDataElements(0, 0, img.getWidth(), img.getHeight(), out);
        return out;
    }

    private byte[] example(String filename, byte[] artifactMap, byte[] misalignmentMap, boolean packed, float base) {
        TfRecordTestWriter.ExampleBuilder b = new TfRecordTestWriter.ExampleBuilder()
                .string("filename", filename)
                .floats("aesthetics_score", packed, base)
                .floats("artifact_score", packed, base + 0.125f)
                .floats("misalignment_score", packed, base + 0.25f)
                .floats("overall_score", packed, base + 0.5f)
                .string("prompt_misalignment_label", "1 1 0 1");
        if (artifactMap != null) {
            b.bytes("artifact_map", artifactMap);
        }
        if (misalignmentMap != null) {
            b.bytes("misalignment_map", misalignmentMap);
        }
        return b.build();
    }

    private void touch(String name) throws Exception {
        Files.write(images.resolve(name), new byte[] {1});
    }

    private static List<ArtifactRecord> all(RichHfReader reader) {
        List<ArtifactRecord> out = new ArrayList<>();
        reader.forEach(out::add);
        return out;
    }

    /** dev.tfrecord: a PNG map (image by base name), a raw map (image found as uid.jpg), a missing image. */
    private Path writeDev() throws Exception {
        Path root = Files.createDirectories(dir.resolve("richhf-18k"));
        byte[] f = TfRecordTestWriter.file(
                example("train/aaa-111.png", grayPng(mapA, S, S), grayPng(misA, S, S), true, 0.25f),
                example("sub/bbb-222.png", mapB, grayPng(misA, S, S), false, 0.5f),
                example("ccc-333.png", grayPng(mapA, S, S), grayPng(misA, S, S), true, 0.75f));
        Files.write(root.resolve("dev.tfrecord"), f);
        touch("aaa-111.png");
        touch("bbb-222.jpg");
        return root;
    }

    @Test
    void readsSplitWritesHeatmapsAndReportsMissingImages() throws Exception {
        Path root = writeDev();
        Files.write(root.resolve("devious.tfrecord"), new byte[] {1, 2, 3}); // not the dev split
        try (RichHfReader reader = RichHfReader.forSplit(root, "dev", images, cache, RichHfReader.Options.defaults())) {
            assertEquals(List.of(root.resolve("dev.tfrecord")), reader.files());
            List<ArtifactRecord> recs = all(reader);
            assertEquals(2, recs.size());

            ArtifactRecord a = recs.get(0);
            assertEquals("aaa-111", a.id());
            assertEquals("richhf18k", a.dataset());
            assertEquals(images.resolve("aaa-111.png"), a.image());
            assertEquals(Authenticity.FAKE, a.authenticity());
            assertEquals("", a.caption());
            assertEquals("dev", a.attribute("split"));
            assertEquals("train/aaa-111.png", a.attribute("filename"));
            assertEquals("0.25", a.attribute("aesthetics_score"));
            assertEquals("0.375", a.attribute("artifact_score"));
            assertEquals("0.5", a.attribute("misalignment_score"));
            assertEquals("0.75", a.attribute("overall_score"));
            assertEquals("1 1 0 1", a.attribute("prompt_misalignment_label"));
            assertEquals("dev.tfrecord", a.attribute("tfrecord"));
            assertEquals("0", a.attribute("tfrecord_index"));
            assertNull(a.attribute("artifact_map"));
            assertNull(a.attribute("misalignment_map"));
            assertEquals(1, a.refs().size());
            Ref ref = a.refs().get(0);
            assertEquals("artifact", ref.phrase());
            Region.Heatmap hm = assertInstanceOf(Region.Heatmap.class, ref.region());
            assertEquals(cache.resolve("aaa-111.png"), hm.file());
            assertEquals(0, hm.threshold());
            assertArrayEquals(mapA, readGray(hm.file()));

            ArtifactRecord b = recs.get(1);
            assertEquals("bbb-222", b.id());
            assertEquals(images.resolve("bbb-222.jpg"), b.image()); // uid + .jpg
            assertEquals("0.5", b.attribute("aesthetics_score")); // unpacked floats
            assertEquals("1", b.attribute("tfrecord_index"));
            assertArrayEquals(mapB, readGray(((Region.Heatmap) b.refs().get(0).region()).file())); // raw bytes

            ValidationReport v = reader.validation();
            assertEquals(2, v.recordsRead());
            assertEquals(1, v.recordsSkipped());
            assertEquals(1, v.counts().get("missing_image"));
            assertEquals("ccc-333", v.examples("missing_image").get(0).recordId());
            assertFalse(Files.exists(cache.resolve("ccc-333.png")), "skipped records write no heatmap");
            try (var s = Files.list(cache)) {
                assertEquals(2, s.count(), "no temporary files left behind");
            }
        }
    }

    @Test
    void keepsMissingImagesWhenAskedAndWritesMisalignmentMaps() throws Exception {
        Path root = writeDev();
        RichHfReader.Options opts = RichHfReader.Options.defaults().withSkipMissingImages(false)
                .withWriteMisalignmentMaps(true).withThreshold(16);
        try (RichHfReader reader = new RichHfReader("dev", List.of(root), images, cache, opts)) {
            List<ArtifactRecord> recs = all(reader);
            assertEquals(3, recs.size());
            ArtifactRecord c = recs.get(2);
            assertEquals(images.resolve("ccc-333.png"), c.image());
            assertEquals(16, ((Region.Heatmap) c.refs().get(0).region()).threshold());
            Path mis = Path.of(c.attribute("misalignment_map"));
            assertEquals(cache.resolve("ccc-333_misalignment.png"), mis);
            assertArrayEquals(misA, readGray(mis));
            assertEquals(1, reader.validation().counts().get("missing_image"));
            assertEquals(3, reader.validation().recordsRead());
        }
    }

    @Test
    void cachedHeatmapsAreReusedUnlessOverwriteIsOn() throws Exception {
        Path root = writeDev();
        try (RichHfReader reader = RichHfReader.forSplit(root, "dev", images, cache, RichHfReader.Options.defaults())) {
            all(reader);
            byte[] sentinel = grayPng(new byte[4], 2, 2);
            Files.write(cache.resolve("aaa-111.png"), sentinel);
            List<ArtifactRecord> again = all(reader);
            assertEquals(2, again.size());
            assertArrayEquals(sentinel, Files.readAllBytes(cache.resolve("aaa-111.png")));
            assertEquals(2, reader.validation().recordsRead(), "each iteration has its own report");
        }
        try (RichHfReader reader = RichHfReader.forSplit(root, "dev", images, cache,
                RichHfReader.Options.defaults().withOverwriteHeatmaps(true))) {
            all(reader);
            assertArrayEquals(mapA, readGray(cache.resolve("aaa-111.png")));
        }
    }

    @Test
    void decodesJpegAndColourMaps() throws Exception {
        BufferedImage rgb = new BufferedImage(S, S, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(0, 0, 0xff0000); // pure red → Pillow L = 76
        rgb.setRGB(1, 0, 0x808080);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(rgb, "png", png);
        byte[] flat = new byte[S * S];
        java.util.Arrays.fill(flat, (byte) 100);
        BufferedImage gray = new BufferedImage(S, S, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setDataElements(0, 0, S, S, flat);
        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        ImageIO.write(gray, "jpg", jpg);
        Path root = Files.createDirectories(dir.resolve("r"));
        Files.write(root.resolve("test.tfrecord"), TfRecordTestWriter.file(
                example("rgb.png", png.toByteArray(), null, true, 0f),
                example("jpg.png", jpg.toByteArray(), null, true, 0f)));
        touch("rgb.png");
        touch("jpg.png");
        try (RichHfReader reader = RichHfReader.forSplit(root, "test", images, cache, RichHfReader.Options.defaults())) {
            List<ArtifactRecord> recs = all(reader);
            assertEquals(2, recs.size());
            byte[] a = readGray(cache.resolve("rgb.png"));
            assertEquals(76, a[0] & 0xff);
            assertEquals(128, a[1] & 0xff);
            assertEquals(0, a[2] & 0xff);
            byte[] b = readGray(cache.resolve("jpg.png"));
            for (byte v : b) {
                assertTrue(Math.abs((v & 0xff) - 100) <= 2, "JPEG of a flat map decodes near 100: " + (v & 0xff));
            }
            assertTrue(reader.validation().isClean(), reader.validation().toString());
        }
    }

    @Test
    void damagedFilesAndBadRecordsAreReportedOthersRead() throws Exception {
        Path root = Files.createDirectories(dir.resolve("sharded"));
        for (String n : List.of("a1", "a2", "a3", "a4", "b1", "b2")) {
            touch(n + ".png");
        }
        byte[] shard0 = TfRecordTestWriter.file(
                example("a1.png", grayPng(mapA, S, S), null, true, 0f),
                example("a2.png", grayPng(mapA, S, S), null, true, 0f),
                new byte[] {0x0A, 0x7F, 0x01}, // not a valid Example
                example("a3.png", new byte[100], null, true, 0f), // undecodable map
                new TfRecordTestWriter.ExampleBuilder().string("filename", "a4.png").build(), // no map, no scores
                example("a4.png", grayPng(mapA, S, S), null, true, 0f));
        int a1Length = 12 + example("a1.png", grayPng(mapA, S, S), null, true, 0f).length + 4;
        shard0[a1Length + 20] ^= 0x10; // corrupt a2's data
        byte[] shard1Full = TfRecordTestWriter.file(
                example("b1.png", grayPng(mapA, S, S), null, true, 0f),
                example("b2.png", grayPng(mapA, S, S), null, true, 0f));
        byte[] shard1 = java.util.Arrays.copyOf(shard1Full, shard1Full.length - 10); // b2 truncated
        Files.write(root.resolve("train-00000-of-00002.tfrecord"), shard0);
        Files.write(root.resolve("train-00001-of-00002.tfrecord"), shard1);
        try (RichHfReader reader = RichHfReader.forSplit(root, "train", images, cache,
                RichHfReader.Options.defaults())) {
            assertEquals(2, reader.files().size());
            List<String> ids = all(reader).stream().map(ArtifactRecord::id).toList();
            assertEquals(List.of("a1", "a4", "b1"), ids);
            ValidationReport v = reader.validation();
            assertEquals(1, v.counts().get("tfrecord_crc_mismatch"));
            assertEquals(1, v.counts().get("tfrecord_damaged"));
            assertTrue(v.examples("tfrecord_damaged").get(0).message().contains("truncated"));
            assertEquals("train-00001-of-00002.tfrecord#1", v.examples("tfrecord_damaged").get(0).recordId());
            assertEquals(1, v.counts().get("bad_example"));
            assertEquals(1, v.counts().get("bad_artifact_map"));
            assertEquals(1, v.counts().get("missing_artifact_map"));
            assertEquals(4, v.counts().get("missing_score"));
            assertEquals(1, v.counts().get("duplicate_id"));
            assertTrue(Files.exists(cache.resolve("a4__2.png")), "a repeated uid gets its own heatmap file");
            assertTrue(v.examples("bad_artifact_map").get(0).message().contains("neither an encoded image"));
            assertEquals(3, v.recordsRead());
        }
        // with CRC checks off the corrupt record of shard 0 is read (its bytes changed inside the PNG)
        try (RichHfReader reader = RichHfReader.forSplit(root, "train", images, cache,
                RichHfReader.Options.defaults().withTfRecord(TfRecordReader.Options.defaults().withVerifyCrc(false)))) {
            all(reader);
            assertNull(reader.validation().counts().get("tfrecord_crc_mismatch"));
        }
    }

    @Test
    void clearErrorsForMissingInputs() throws Exception {
        DatasetException e = assertThrows(DatasetException.class, () -> RichHfReader.forSplit(
                Files.createDirectories(dir.resolve("none")), "dev", images, cache, RichHfReader.Options.defaults()));
        assertTrue(e.getMessage().contains("no TFRecord files for split 'dev'"), e.getMessage());
        assertThrows(DatasetException.class, () -> new RichHfReader("dev", List.of(dir.resolve("nope.tfrecord")),
                images, cache, RichHfReader.Options.defaults()));
        assertThrows(DatasetException.class, () -> new RichHfReader("dev", List.of(writeDev()),
                dir.resolve("no-images"), cache, RichHfReader.Options.defaults()));
        assertThrows(IllegalArgumentException.class, () -> RichHfReader.Options.defaults().withThreshold(256));
    }

    @Test
    void fileNameHelpers() {
        assertEquals("x.y", RichHfReader.baseName("a/b\\x.y"));
        assertEquals("abc", FileNames.stem("abc.png"));
        assertEquals("a_b_c.d", RichHfReader.safeFileStem("a/b c.d"));
        assertEquals("_.hidden", RichHfReader.safeFileStem(".hidden"));
    }
}
