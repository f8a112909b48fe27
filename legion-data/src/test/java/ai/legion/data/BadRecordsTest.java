package ai.legion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.data.loki.LokiReader;
import ai.legion.data.raster.MaskRasterizer;
import ai.legion.data.synthscars.SynthScarsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad annotation records are skipped by id and reason while the good ones are still read. */
class BadRecordsTest {

    @TempDir
    Path dir;

    private static List<String> ids(DatasetReader reader) {
        List<String> out = new ArrayList<>();
        reader.forEach(r -> out.add(r.id()));
        return out;
    }

    private static String scar(String id, String file, String segmentation) {
        return "{\"" + id + "\": {\"img_file_name\": \"" + file + "\", \"caption\": \"a hand\", \"refs\": "
                + "[{\"sentence\": \"hand\", \"explanation\": \"six fingers\", \"segmentation\": " + segmentation + "}]}}";
    }

    @Test
    void synthScarsSkipsBadRecordsByIdAndReason() throws Exception {
        Path split = dir.resolve("test");
        Files.createDirectories(split.resolve("images"));
        Files.createDirectories(split.resolve("annotations"));
        Files.write(split.resolve("images/a.png"), new byte[] {1});
        Files.write(split.resolve("images/b.png"), new byte[] {1});
        String square = "[[0, 0, 4, 0, 4, 4, 0, 4]]";
        StringBuilder huge = new StringBuilder("[[");
        int points = Region.MAX_POLYGON_POINTS * 10; // a million points
        for (int i = 0; i < points; i++) {
            huge.append(i == 0 ? "" : ",").append(i % 97).append(',').append(i % 89);
        }
        huge.append("]]");
        String json = "[\n" + scar("good", "a.png", square) + ",\n"
                + scar("nan", "a.png", "[[0, 0, NaN, 1, 2, 2]]") + ",\n"
                + scar("inf", "a.png", "[[0, 0, Infinity, 1, 2, 2]]") + ",\n"
                + scar("odd", "a.png", "[[0, 0, 1, 1, 2]]") + ",\n"
                + scar("far", "a.png", "[[0, 0, 1e12, 0, 1, 1]]") + ",\n"
                + scar("million", "a.png", huge.toString()) + ",\n"
                + "{\"nofile\": {\"caption\": \"x\", \"refs\": []}},\n"
                + scar("noimage", "gone.png", square) + ",\n"
                + "{\"nullrefs\": {\"img_file_name\": \"a.png\", \"caption\": \"x\", \"refs\": null}},\n"
                + "{\"strrefs\": {\"img_file_name\": \"a.png\", \"caption\": \"x\", \"refs\": \"oops\"}},\n"
                + "42,\n"
                + scar("good", "b.png", square) + ",\n"
                + scar("good2", "b.png", square) + "\n]";
        Files.writeString(split.resolve("annotations/test.json"), json);
        try (SynthScarsReader reader = SynthScarsReader.open(dir, "test")) {
            List<String> ids = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> ids(reader));
            assertEquals(List.of("good", "good2"), ids);
            ValidationReport v = reader.validation();
            assertEquals(2, v.recordsRead());
            assertEquals(11, v.recordsSkipped(), v.toString());
            assertEquals(Map.of("malformed_record", 9, "missing_image", 1, "duplicate_id", 1), v.skippedReasons());
            String text = v.toString();
            for (String s : List.of("nan: ", "NaN", "inf: ", "Infinity", "odd: ", "odd number", "far: ", "1.0E12",
                    "million: ", "1000000 points, more than the 100000", "nofile: ", "img_file_name is missing",
                    "noimage: ", "gone.png not found", "nullrefs: ", "refs is null", "strrefs: ", "refs is the string",
                    "#10: ", "is a number", "good: ", "more than once")) {
                assertTrue(text.contains(s), s + " not in\n" + text);
            }
        }
    }

    @Test
    void theRasterizerRefusesAPolygonOverTheLimitQuickly() {
        double[] huge = new double[2 * (Region.MAX_POLYGON_POINTS + 1)];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = i % 7;
        }
        Region.Polygons region = new Region.Polygons(List.of(huge));
        for (MaskRasterizer r : List.of(MaskRasterizer.evaluation(), MaskRasterizer.training())) {
            IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(IllegalArgumentException.class, () -> r.rasterize(region, 64, 64)));
            assertTrue(e.getMessage().contains("100001 points, more than the 100000"), e.getMessage());
        }
    }

    private static String item(Object id, String image, String region) {
        return "{\"id\": " + id + ", \"image_path\": \"images/" + image + "\", \"problems\": {\"global\": "
                + "[{\"desc\": \"odd light\"}], \"regional\": [{\"region\": " + region + ", \"desc\": \"a hand\"}]}}";
    }

    @Test
    void lokiSkipsBadBoxesAndDuplicateIds() throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Files.write(dir.resolve("images/a.png"), new byte[] {1});
        String json = "[\n" + item(1, "a.png", "[1, 2, 3, 4]") + ",\n"
                + item(2, "a.png", "[1, 2, -3, 4]") + ",\n"
                + item(3, "a.png", "[1, 2, 3, 1e15]") + ",\n"
                + item(4, "a.png", "[1, 2, NaN, 4]") + ",\n"
                + item(5, "a.png", "[1, 2, 3]") + ",\n"
                + item(1, "a.png", "[5, 5, 1, 1]") + ",\n"
                + "\"text\",\n"
                + item(6, "a.png", "[0, 0, 1, 1]") + "\n]";
        Path file = dir.resolve("open_ended_vqa.json");
        Files.writeString(file, json);
        try (LokiReader reader = LokiReader.open(file)) {
            List<String> ids = ids(reader);
            assertEquals(List.of("1", "6"), ids);
            ValidationReport v = reader.validation();
            assertEquals(6, v.recordsSkipped(), v.toString());
            assertEquals(Map.of("degenerate_box", 1, "malformed_record", 4, "duplicate_id", 1), v.skippedReasons());
            String text = v.toString();
            for (String s : List.of("2: ", "-3.0", "3: ", "1.0E15", "4: ", "5: ", "[x, y, w, h]", "1: id appears",
                    "#6: ", "the string")) {
                assertTrue(text.contains(s), s + " not in\n" + text);
            }
        }
    }
}
