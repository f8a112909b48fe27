package ai.legion.data.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScarsSimGeneratorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** More detection fakes than train images, so both the copied and the extra fakes are exercised. */
    private static final SimConfig SMALL = SimConfig.builder().seed(7).trainCount(60).testCount(30).detectTrainCount(80)
            .detectTestCount(20).threads(2).build();

    @TempDir
    static Path shared;
    private static Path root;
    private static SimSummary summary;

    @BeforeAll
    static void generateOnce() throws IOException {
        root = shared.resolve("small");
        summary = ScarsSimGenerator.generate(SMALL, root);
    }

    @Test
    void writesTheSynthScarsSchema() throws IOException {
        Set<String> ids = new HashSet<>();
        for (String split : List.of("train", "test")) {
            int expected = split.equals("train") ? SMALL.trainCount() : SMALL.testCount();
            Path json = root.resolve(split).resolve("annotations").resolve(split + ".json");
            JsonNode arr = JSON.readTree(json.toFile());
            assertTrue(arr.isArray(), json + " is not a list");
            assertEquals(expected, arr.size());
            try (Stream<Path> files = Files.list(root.resolve(split).resolve("images"))) {
                assertEquals(expected, files.count());
            }
            for (JsonNode item : arr) {
                assertEquals(1, item.size(), "each list item is a single-key object");
                String id = item.fieldNames().next();
                assertTrue(ids.add(id), "duplicate id " + id);
                checkRecord(split, id, item.get(id));
            }
        }
    }

    private static void checkRecord(String split, String id, JsonNode rec) throws IOException {
        String where = split + " record " + id;
        List<String> fields = new ArrayList<>();
        rec.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("caption", "img_file_name", "refs", "objects"), fields, where);
        Path image = root.resolve(split).resolve("images").resolve(rec.get("img_file_name").asText());
        assertTrue(Files.isRegularFile(image), where + ": missing " + image);
        BufferedImage img = ImageIO.read(image.toFile());
        assertEquals(SMALL.imageSize(), img.getWidth(), where);
        assertEquals(SMALL.imageSize(), img.getHeight(), where);
        String caption = rec.get("caption").asText();
        assertTrue(caption.startsWith("Upon examining the image. I have found: "), where + ": " + caption);
        int mid = caption.indexOf("\nTo elaborate, I have found the following artifacts. ");
        assertTrue(mid > 0, where + ": " + caption);
        assertEquals(mid, caption.lastIndexOf("\nTo elaborate"), where);
        JsonNode refs = rec.get("refs");
        assertTrue(refs.isArray() && refs.size() >= SMALL.minArtifacts() && refs.size() <= SMALL.maxArtifacts(), where);
        Map<String, String> objects = new TreeMap<>();
        for (JsonNode o : rec.get("objects")) {
            String type = o.get("type").asText();
            String colour = o.get("colour").asText();
            String name = o.get("name").asText();
            assertTrue(type.matches("ball|box|house|tree|person|car|sign"), where + ": type " + type);
            assertEquals(type.equals("person") ? "person in " + colour : colour + " " + type, name, where);
            assertTrue(caption.contains(name), where + ": the summary does not name " + name);
            assertNull(objects.put(type, name), where + ": two objects of type " + type);
        }
        assertTrue(objects.size() >= SMALL.minObjects() && objects.size() <= SMALL.maxObjects(), where);
        StringBuilder elaborate = new StringBuilder();
        Set<String> sentences = new HashSet<>();
        for (JsonNode ref : refs) {
            String sentence = ref.get("sentence").asText();
            String explanation = ref.get("explanation").asText();
            assertFalse(sentence.isEmpty(), where);
            assertTrue(sentences.add(sentence), where + ": duplicate phrase " + sentence);
            assertTrue(sentence.matches("The [a-z]+'s [a-z]+"), where + ": " + sentence);
            assertTrue(caption.contains(sentence), where + ": sentence not in caption: " + sentence);
            assertTrue(explanation.endsWith(".") && !explanation.contains(":") && !explanation.contains("{"),
                    where + ": " + explanation);
            assertTrue(ref.has("bbox") && ref.get("bbox").isNull(), where);
            String object = ref.get("object").asText();
            assertEquals(objects.get(object), ref.get("object_name").asText(), where + ": ref on " + object);
            assertTrue(explanation.contains(ref.get("object_name").asText()), where + ": " + explanation);
            assertEquals("The " + object + "'s", sentence.substring(0, sentence.indexOf(' ', 4)), where);
            ArtifactKind kind = ArtifactKind.valueOf(ref.get("kind").asText().toUpperCase(java.util.Locale.ROOT));
            assertEquals(kind.category.name().toLowerCase(java.util.Locale.ROOT), ref.get("category").asText(), where);
            assertTrue(sentence.endsWith("'s " + kind.part), where + ": " + sentence + " for " + kind);
            JsonNode seg = ref.get("segmentation");
            assertEquals(1, seg.size(), where);
            JsonNode poly = seg.get(0);
            assertTrue(poly.size() >= 6 && poly.size() % 2 == 0, where + ": polygon of " + poly.size() + " values");
            double[] p = new double[poly.size()];
            for (int i = 0; i < p.length; i++) {
                assertTrue(poly.get(i).isNumber(), where);
                p[i] = poly.get(i).asDouble();
                double limit = i % 2 == 0 ? img.getWidth() : img.getHeight();
                assertTrue(p[i] >= 0 && p[i] <= limit, where + ": coordinate " + p[i] + " outside the image");
            }
            assertTrue(PolygonRaster.mask(List.of(p), img.getWidth(), img.getHeight()).area() > 0, where);
            elaborate.append(sentence).append(':').append(explanation);
        }
        String tail = caption.substring(mid + "\nTo elaborate, I have found the following artifacts. ".length());
        assertEquals(elaborate.toString(), tail, where);
    }

    @Test
    void writesTheDetectionLayoutAndStats() throws IOException {
        for (String split : List.of("train", "test")) {
            int n = split.equals("train") ? SMALL.detectTrainCount() : SMALL.detectTestCount();
            for (String cls : List.of("0_real", "1_fake")) {
                try (Stream<Path> files = Files.list(root.resolve("detect").resolve(split).resolve(cls))) {
                    assertEquals(n, files.filter(p -> p.toString().endsWith(".png")).count(), split + "/" + cls);
                }
            }
        }
        // detection fakes start with the SynthScars images of the same split, then extra fakes
        assertArrayEquals(Files.readAllBytes(root.resolve("train/images/train_000005.png")),
                Files.readAllBytes(root.resolve("detect/train/1_fake/fake_000005.png")));
        assertTrue(Files.isRegularFile(root.resolve("detect/train/1_fake/fake_000079.png")));
        assertEquals(new SimSummary.DetectStats(80, 80, 60), summary.detectTrain());
        assertEquals(new SimSummary.DetectStats(20, 20, 20), summary.detectTest());

        JsonNode stats = JSON.readTree(root.resolve(ScarsSimGenerator.STATS_FILE).toFile());
        assertEquals(SMALL.testCount(), stats.at("/splits/test/images").asInt());
        assertEquals(summary.test().refs(), stats.at("/splits/test/refs").asInt());
        assertEquals(summary.test().emptyMaskMiou(), stats.at("/splits/test/empty_mask_miou").asDouble(), 1e-6);
        assertEquals(summary.test().fullMaskMiou(), stats.at("/splits/test/full_mask_miou").asDouble(), 1e-6);
        assertEquals(summary.train().unionArea().median(), stats.at("/splits/train/union_area_fraction/median").asDouble(),
                1e-6);
        int kinds = 0;
        for (Iterator<JsonNode> it = stats.get("artifacts_by_kind").elements(); it.hasNext(); ) {
            kinds += it.next().asInt();
        }
        assertEquals(summary.train().refs() + summary.test().refs(), kinds);
    }

    @Test
    void sameSeedSameBytesWhateverTheThreadCount(@TempDir Path dir) throws IOException {
        SimConfig cfg = SimConfig.builder().seed(123).trainCount(24).testCount(12).detectTrainCount(30).detectTestCount(8)
                .threads(1).build();
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        ScarsSimGenerator.generate(cfg, a);
        ScarsSimGenerator.generate(cfg.toBuilder().threads(3).build(), b);
        ScarsSimGenerator.generate(cfg.toBuilder().seed(124).build(), c);
        Map<String, byte[]> fa = readTree(a);
        Map<String, byte[]> fb = readTree(b);
        assertEquals(fa.keySet(), fb.keySet());
        assertEquals(24 + 12 + 2 * 30 + 2 * 8 + 3, fa.size());
        for (String k : fa.keySet()) {
            assertArrayEquals(fa.get(k), fb.get(k), "differs: " + k);
        }
        Map<String, byte[]> fc = readTree(c);
        assertEquals(fa.keySet(), fc.keySet());
        int same = 0;
        for (String k : fa.keySet()) {
            same += java.util.Arrays.equals(fa.get(k), fc.get(k)) ? 1 : 0;
        }
        assertFalse(java.util.Arrays.equals(fa.get("train/annotations/train.json"), fc.get("train/annotations/train.json")));
        assertTrue(same < 3, "another seed reproduced " + same + " files");
    }

    /**
     * The grounding fields (record {@code objects}; ref {@code object}, {@code object_name}, {@code kind},
     * {@code category}) were added later: with them removed, the annotations, and every image, are what the
     * generator wrote before (SHA-256 of that output, recorded at commit 5a0b213).
     */
    @Test
    void groundingFieldsLeaveTheRestOfTheOutputUnchanged(@TempDir Path dir) throws Exception {
        SimConfig cfg = SimConfig.builder().seed(11).trainCount(12).testCount(8).detectTrainCount(14).detectTestCount(10)
                .threads(2).build();
        ScarsSimGenerator.generate(cfg, dir);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, byte[]> e : readTree(dir).entrySet()) {
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            byte[] bytes = e.getValue();
            if (e.getKey().endsWith(".json") && !e.getKey().equals(ScarsSimGenerator.STATS_FILE)) {
                JsonNode arr = JSON.readTree(bytes);
                for (JsonNode item : arr) {
                    com.fasterxml.jackson.databind.node.ObjectNode rec =
                            (com.fasterxml.jackson.databind.node.ObjectNode) item.elements().next();
                    rec.remove("objects");
                    for (JsonNode ref : rec.get("refs")) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) ref).remove(
                                List.of("object", "object_name", "kind", "category"));
                    }
                }
                bytes = JSON.writeValueAsBytes(arr);
            }
            sha.update(bytes);
        }
        assertEquals("e792bec630cf16e71c98dff637c62c239910b0ea8e49b231e61de5ad39aeab23", java.util.HexFormat.of().formatHex(sha.digest()));
    }

    private static Map<String, byte[]> readTree(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void trivialPredictorsStayBelowTheTarget(@TempDir Path dir) throws IOException {
        SimConfig cfg = SimConfig.builder().seed(5).trainCount(64).testCount(300).detectTrainCount(0).detectTestCount(0)
                .build();
        SimSummary s = ScarsSimGenerator.generate(cfg, dir);
        // recompute from the written file, independently of the generator's bookkeeping
        JsonNode arr = JSON.readTree(dir.resolve("test/annotations/test.json").toFile());
        int n = cfg.imageSize();
        double empty = 0;
        double full = 0;
        List<Double> areas = new ArrayList<>();
        for (JsonNode item : arr) {
            JsonNode rec = item.elements().next();
            List<double[]> polys = new ArrayList<>();
            for (JsonNode ref : rec.get("refs")) {
                JsonNode p = ref.get("segmentation").get(0);
                double[] v = new double[p.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.get(i).asDouble();
                }
                polys.add(v);
            }
            BinaryMask gt = PolygonRaster.mask(polys, n, n);
            empty += PolygonRaster.perImageMiou(BinaryMask.empty(n, n), gt);
            full += PolygonRaster.perImageMiou(BinaryMask.full(n, n), gt);
            areas.add(gt.areaFraction());
        }
        empty /= arr.size();
        full /= arr.size();
        assertEquals(s.test().emptyMaskMiou(), empty, 1e-12);
        assertEquals(s.test().fullMaskMiou(), full, 1e-12);
        SimSummary.AreaStats a = s.test().unionArea();
        System.out.printf("baselines on %d test images: empty-mask mIoU %.4f, full-mask mIoU %.4f; union area mean %.3f"
                        + " p10 %.3f median %.3f p90 %.3f max %.3f, in [5%%,30%%] %.2f; constant-caption ROUGE-L %.4f%n",
                arr.size(), empty, full, a.mean(), a.p10(), a.median(), a.p90(), a.max(), a.within5to30(),
                s.test().constantCaptionRougeL());
        // the constant caption is a train caption, scored against every test caption
        double rouge = 0;
        for (JsonNode item : arr) {
            rouge += CaptionBaseline.f1(CaptionBaseline.tokens(s.test().constantCaption()),
                    CaptionBaseline.tokens(item.elements().next().get("caption").asText()));
        }
        assertEquals(s.test().constantCaptionRougeL(), rouge / arr.size(), 1e-12);
        assertTrue(Double.isNaN(s.train().constantCaptionRougeL()));
        assertTrue(empty < 0.5, "empty-mask mIoU " + empty);
        assertTrue(full < 0.5, "full-mask mIoU " + full);
        assertTrue(a.median() >= 0.05 && a.median() <= 0.30, "median union area " + a.median());
        assertTrue(a.within5to30() >= 0.7, "share of images with a union area in [5%, 30%]: " + a.within5to30());
        assertEquals(300, areas.size());
    }

    @Test
    void realImagesHaveNoRefsAndFakesHaveOneToThree() {
        for (int i = 0; i < 40; i++) {
            ScarsSimGenerator.Rendered real = ScarsSimGenerator.render(SMALL, ScarsSimGenerator.imageSeed(1, 3, i), false);
            assertTrue(real.refs().isEmpty());
            assertNull(real.caption());
            assertEquals(0.0, real.unionFraction());
            ScarsSimGenerator.Rendered fake = ScarsSimGenerator.render(SMALL, ScarsSimGenerator.imageSeed(1, 4, i), true);
            assertNotNull(fake.caption());
            assertTrue(fake.refs().size() >= 1 && fake.refs().size() <= 3);
        }
    }

    @Test
    void withoutFingerprintEveryFakeHasADistortion() {
        SimConfig cfg = SMALL.toBuilder().fingerprintStrength(0).categoryWeights(1, 0.01, 1).build();
        for (int i = 0; i < 80; i++) {
            ScarsSimGenerator.Rendered fake = ScarsSimGenerator.render(cfg, ScarsSimGenerator.imageSeed(2, 1, i), true);
            assertTrue(fake.refs().stream().anyMatch(r -> r.kind().category == ArtifactKind.Category.DISTORTION),
                    "image " + i + " has no distortion artifact");
        }
    }

    @Test
    void fingerprintSeparatesRealFromFakeWithAMatchedFilter() throws IOException {
        // correlation with the fingerprint pattern: fakes ≈ A/4, reals ≈ 0
        double amp = SMALL.fingerprintStrength();
        int period = SMALL.fingerprintPeriod();
        double maxReal = Double.NEGATIVE_INFINITY;
        double minFake = Double.POSITIVE_INFINITY;
        for (String cls : List.of("0_real", "1_fake")) {
            try (Stream<Path> files = Files.list(root.resolve("detect/train").resolve(cls))) {
                for (Path p : files.toList()) {
                    double score = matchedFilter(ImageIO.read(p.toFile()), period);
                    if (cls.equals("0_real")) {
                        maxReal = Math.max(maxReal, score);
                    } else {
                        minFake = Math.min(minFake, score);
                    }
                }
            }
        }
        System.out.printf("fingerprint matched filter: max real %.3f, min fake %.3f (A/4 = %.3f)%n", maxReal, minFake,
                amp / 4);
        assertTrue(minFake > maxReal, "min fake " + minFake + " <= max real " + maxReal);
    }

    private static double matchedFilter(BufferedImage img, int period) {
        double s = 0;
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                double lum = (((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255)) / 3.0;
                s += lum * Math.cos(2 * Math.PI * x / period) * Math.cos(2 * Math.PI * y / period);
                n++;
            }
        }
        return s / n;
    }

    @Test
    void generatesAThousandImages(@TempDir Path dir) throws IOException {
        SimConfig cfg = SimConfig.builder().seed(9).trainCount(800).testCount(200).detectTrainCount(0).detectTestCount(0)
                .imageSize(128).build();
        long t0 = System.nanoTime();
        SimSummary s = ScarsSimGenerator.generate(cfg, dir);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("1000 images of 128x128 in %.2f s with %d threads (%s)%n", seconds, cfg.threads(),
                ScarsSimGenerator.describe(s).lines().skip(1).findFirst().orElse(""));
        assertEquals(800, s.train().images());
        assertEquals(200, s.test().images()); // speed: `legion data sim` prints it (docs/PERFORMANCE.md)
    }

    @Test
    void refusesToOverwriteUnlessAsked(@TempDir Path dir) throws IOException {
        SimConfig cfg = SimConfig.builder().trainCount(3).testCount(2).detectTrainCount(2).detectTestCount(1).build();
        ScarsSimGenerator.generate(cfg, dir);
        Path stray = dir.resolve("detect/train/0_real/stray.png");
        Files.write(stray, new byte[] {1});
        Path keep = dir.resolve("notes.txt");
        Files.writeString(keep, "mine");
        IOException e = assertThrows(IOException.class, () -> ScarsSimGenerator.generate(cfg, dir));
        assertTrue(e.getMessage().contains("already holds"), e.getMessage());
        ScarsSimGenerator.generate(cfg, dir, true);
        assertFalse(Files.exists(stray), "old output is removed");
        assertEquals("mine", Files.readString(keep), "unrelated files are kept");
    }

    @Test
    void commandLine(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path target = dir.resolve("cli");
        int code = ScarsSimGenerator.run(new String[] {"--out", target.toString(), "--seed", "3", "--train", "5", "--test",
                "3", "--size", "64", "--detect-train", "4", "--detect-test", "2"}, ps(out), ps(err));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("scars-sim wrote"));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(target.resolve("test/images/test_000002.png"))));
        assertEquals(64, img.getWidth());
        assertEquals(5, JSON.readTree(target.resolve("train/annotations/train.json").toFile()).size());
        assertEquals(1, ScarsSimGenerator.run(new String[] {"--out", target.toString()}, ps(out), ps(err)));
        assertEquals(0, ScarsSimGenerator.run(new String[] {"--out", target.toString(), "--train", "1", "--test", "1",
                "--detect-train", "0", "--detect-test", "0", "--overwrite"}, ps(out), ps(err)));
        assertEquals(2, ScarsSimGenerator.run(new String[] {"--train", "1"}, ps(out), ps(err)));
        assertEquals(2, ScarsSimGenerator.run(new String[] {"--out", target.toString(), "--size", "x"}, ps(out), ps(err)));
        assertEquals(2, ScarsSimGenerator.run(new String[] {"--out", target.toString(), "--bogus"}, ps(out), ps(err)));
        assertEquals(2, ScarsSimGenerator.run(new String[] {"--out", target.toString(), "--size", "8"}, ps(out), ps(err)));
    }

    private static PrintStream ps(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
