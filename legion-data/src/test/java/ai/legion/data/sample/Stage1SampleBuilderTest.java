package ai.legion.data.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.SamConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage-1 samples from real annotation records: ids and labels equal the upstream fixture's, and the
 * k-th mask belongs to the k-th phrase in caption order.
 */
class Stage1SampleBuilderTest {

    static LegionTokenizer tokenizer;
    static JsonNode expected;
    static JsonNode records;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = LegionTokenizer.load(Fixtures.path("prompt"));
        ObjectMapper json = new ObjectMapper();
        expected = json.readTree(Fixtures.path("prompt/expected.json").toFile());
        records = json.readTree(Fixtures.resource("data/synthscars-format-sample.json").toFile());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** Test mask source: the polygon's bounding box, so expectations can be computed by hand. */
    static BinaryMask boxOf(ArtifactRecord r, Ref ref, int h, int w) {
        double[] p = ((Region.Polygons) ref.region()).polygon(0);
        double x0 = Double.MAX_VALUE;
        double y0 = Double.MAX_VALUE;
        double x1 = -1;
        double y1 = -1;
        for (int i = 0; i + 1 < p.length; i += 2) {
            x0 = Math.min(x0, p[i]);
            x1 = Math.max(x1, p[i]);
            y0 = Math.min(y0, p[i + 1]);
            y1 = Math.max(y1, p[i + 1]);
        }
        boolean[] px = new boolean[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[y * w + x] = x >= x0 && x <= x1 && y >= y0 && y <= y1;
            }
        }
        return BinaryMask.fromBooleans(px, h, w);
    }

    static Stage1SampleBuilder builder() {
        return new Stage1SampleBuilder(tokenizer, new ClipImageProcessor(ClipImageProcessorConfig.square(42)),
                SamImageProcessor.of(SamConfig.vitB()), new ImageLoader(), Stage1SampleBuilderTest::boxOf, null, 576);
    }

    static ArtifactRecord record(String id, int width, int height) throws Exception {
        JsonNode rec = null;
        for (JsonNode r : records) {
            if (r.has(id)) {
                rec = r.get(id);
            }
        }
        if (rec == null) {
            return null;
        }
        Path img = tmp.resolve(id + ".png");
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", img.toFile());
        List<Ref> refs = new ArrayList<>();
        for (JsonNode ref : rec.get("refs")) {
            List<double[]> polys = new ArrayList<>();
            for (JsonNode poly : ref.get("segmentation")) {
                double[] p = new double[poly.size()];
                for (int i = 0; i < p.length; i++) {
                    p[i] = poly.get(i).asDouble();
                }
                polys.add(p);
            }
            refs.add(new Ref(ref.get("sentence").asText(), ref.path("explanation").asText(""),
                    new Region.Polygons(polys)));
        }
        return new ArtifactRecord(id, "synthscars", img, Authenticity.FAKE, rec.get("caption").asText(), refs, Map.of());
    }

    @Test
    void idsLabelsAndMaskOrderMatchTheUpstreamFixture() throws Exception {
        int checked = 0;
        for (JsonNode c : expected.get("cases")) {
            if (!c.get("kind").asText().equals("training_conversation")) {
                continue;
            }
            ArtifactRecord r = record(c.get("annotation_id").asText(), 600, 500);
            if (r == null) {
                continue; // a fixture root whose records are not in the data sample
            }
            Stage1Sample s = builder().build(r, 0);
            assertArrayEquals(longs(c.get("input_ids")), s.inputIds(), r.id());
            assertArrayEquals(longs(c.get("labels")), s.labels(), r.id());
            int segs = c.get("seg_positions").size();
            assertEquals(segs, s.masks().size(), r.id());
            // mask k belongs to the k-th phrase in caption order (tokens_positive order)
            JsonNode spans = c.get("tokens_positive");
            String caption = r.caption().strip();
            for (int k = 0; k < segs; k++) {
                String phrase = s.phrases().get(k);
                Ref ref = r.refs().stream().filter(x -> x.phrase().equals(phrase)).findFirst().orElseThrow();
                assertEquals(boxOf(r, ref, 500, 600), s.masks().get(k), r.id() + " mask " + k);
                int start = spans.get(k).get(0).asInt();
                assertTrue(stripQuotes(caption).startsWith(phrase, start), phrase + " at " + start);
            }
            assertArrayEquals(new int[] {500, 600}, s.originalHw());
            assertEquals(3 * 42 * 42, s.clipPixels().length);
            assertEquals(3 * 1024 * 1024, s.samPixels().length);
            checked++;
        }
        assertTrue(checked > 0 || !java.nio.file.Files.exists(Fixtures.resource("data/synthscars-format-sample.json")));
    }

    private static String stripQuotes(String s) {
        return ai.legion.core.tokenizer.PyText.strip(ai.legion.core.tokenizer.PyText.strip(s, "\""));
    }

    /**
     * Repeated, nested and overlapping phrases (cases produced by LEGION's GCG dataset code): one mask per
     * kept ref, and the k-th [SEG] gets the mask of the ref upstream puts k-th, duplicates included.
     */
    @Test
    void repeatedAndNestedPhrasesGetUpstreamsMaskOrder() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(Fixtures.resource("prompt-tagging/cases.json").toFile());
        Path img = tmp.resolve("tagging.png");
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", img.toFile());
        int checked = 0;
        for (JsonNode c : cases.get("cases")) {
            List<Ref> refs = new ArrayList<>();
            for (JsonNode phrase : c.get("phrases")) {
                int x = 3 * refs.size(); // a box of its own for every ref, duplicated phrases included
                refs.add(new Ref(phrase.asText(), "",
                        new Region.Polygons(List.of(new double[] {x, 0, x + 2, 0, x + 2, 5, x, 5}))));
            }
            String name = c.get("name").asText();
            ArtifactRecord r = new ArtifactRecord(name, "t", img, Authenticity.FAKE, c.get("caption").asText(), refs,
                    Map.of());
            Stage1Sample s = builder().build(r, 0);
            int segs = c.get("seg_count").asInt();
            assertEquals(segs, s.masks().size(), name);
            assertEquals(segs, Arrays.stream(s.inputIds()).filter(id -> id == tokenizer.tokenId("[SEG]"))
                    .count(), name);
            for (int k = 0; k < segs; k++) {
                Ref ref = refs.get(c.get("mask_order").get(k).asInt());
                assertEquals(boxOf(r, ref, 30, 40), s.masks().get(k), name + " mask " + k);
                assertEquals(c.get("mask_phrases").get(k).asText(), s.phrases().get(k), name + " phrase " + k);
            }
            checked++;
        }
        assertTrue(checked > 0);
    }

    @Test
    void recordsWithoutAnyPhraseInTheirCaptionAreSkipped() throws Exception {
        Path img = tmp.resolve("x.png");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", img.toFile());
        ArtifactRecord r = new ArtifactRecord("x", "t", img, Authenticity.FAKE, "A caption.",
                List.of(new Ref("not there", "", new Region.Polygons(List.of(new double[] {0, 0, 4, 0, 4, 4})))), Map.of());
        SkippedRecordException e = assertThrows(SkippedRecordException.class, () -> builder().build(r, 0));
        assertTrue(e.getMessage().contains("no ref phrase"), e.getMessage());
    }

    static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }
}
