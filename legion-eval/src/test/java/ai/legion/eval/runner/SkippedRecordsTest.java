package ai.legion.eval.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.eval.report.EvalReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records the reader rejects are counted with their reasons in the summary, and the good ones are scored. */
class SkippedRecordsTest {

    @TempDir
    Path dir;

    private static String scar(String id, String file, String segmentation) {
        return "{\"" + id + "\": {\"img_file_name\": \"" + file + "\", \"caption\": \"a hand\", \"refs\": "
                + "[{\"sentence\": \"hand\", \"explanation\": \"six fingers\", \"segmentation\": " + segmentation + "}]}}";
    }

    @Test
    void badRecordsAreSkippedNamedAndCountedWhileTheRestIsScored() throws Exception {
        Path split = dir.resolve("test");
        Files.createDirectories(split.resolve("images"));
        Files.createDirectories(split.resolve("annotations"));
        for (String name : List.of("a.png", "b.png")) {
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", split.resolve("images/" + name)
                    .toFile());
        }
        String square = "[[0, 0, 4, 0, 4, 4, 0, 4]]";
        String json = "[\n" + scar("good-a", "a.png", square) + ",\n"
                + scar("nan-box", "a.png", "[[0, 0, NaN, 1, 2, 2]]") + ",\n"
                + scar("odd-count", "b.png", "[[0, 0, 1, 1, 2]]") + ",\n"
                + "{\"null-refs\": {\"img_file_name\": \"a.png\", \"caption\": \"x\", \"refs\": null}},\n"
                + "\"not an object\",\n"
                + scar("good-a", "b.png", square) + ",\n"
                + scar("good-b", "b.png", square) + "\n]";
        Files.writeString(split.resolve("annotations/test.json"), json);

        EvalData data = EvalData.open(dir, Task.LOCALIZATION, EvalData.Options.defaults());
        EvalResult r = Evaluation.localization().predictions(ExternalPredictions.builder()
                .masks(Files.createDirectories(dir.resolve("no-masks"))).missingAsEmpty(true).build())
                .data(data).progress(false).run();

        assertEquals(List.of("good-a", "good-b"), r.results().stream().map(ImageResult::id).toList());
        assertEquals(2, r.summary().scored());
        assertEquals(2, r.summary().localization().all().count());
        SkippedRecords s = r.summary().skipped();
        assertEquals(5, s.count());
        assertEquals(Map.of("malformed_record", 4, "duplicate_id", 1), s.reasons());
        assertEquals("5 (malformed_record: 4, duplicate_id: 1)", s.line());
        List<String> ids = s.examples().stream().map(i -> i.recordId()).toList();
        assertEquals(List.of("nan-box", "odd-count", "null-refs", "#4", "good-a"), ids);

        EvalReport report = EvalReport.builder().summary(r.summary()).results(r.results()).build();
        JsonNode skipped = new ObjectMapper().readTree(report.json()).path("summary").path("skipped_records");
        assertEquals(5, skipped.path("count").asInt());
        assertEquals(4, skipped.path("reasons").path("malformed_record").asInt());
        assertEquals("odd-count", skipped.path("examples").get(1).path("id").asText());
        assertTrue(skipped.path("examples").get(1).path("message").asText().contains("odd number"), skipped.toString());
        String md = report.markdown();
        assertTrue(md.contains("records skipped by the reader") && md.contains("5 (malformed_record: 4, duplicate_id: 1)")
                && md.contains("nan-box"), md);

        EvalResult inMemory = Evaluation.localization().predictions(ExternalPredictions.builder()
                .masks(dir.resolve("no-masks")).missingAsEmpty(true).build())
                .data(data.records(0)).progress(false).run();
        assertEquals(SkippedRecords.NONE, inMemory.summary().skipped());
    }
}
