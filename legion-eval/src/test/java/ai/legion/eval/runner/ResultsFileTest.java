package ai.legion.eval.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.text.RougeL;
import ai.legion.eval.grounding.ImageGrounding;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON Lines results: exact round trips, the last line of an id wins, damaged lines are skipped. */
class ResultsFileTest {

    @TempDir
    Path tmp;

    static ImageResult sample(String id, String error) {
        boolean[] p = new boolean[12];
        boolean[] g = new boolean[12];
        p[1] = p[2] = p[5] = true;
        g[2] = g[5] = g[6] = g[7] = true;
        ImageResult.Localization loc = ImageResult.Localization.of(BinaryMask.fromBooleans(p, 3, 4),
                BinaryMask.fromBooleans(g, 3, 4));
        ImageResult.Explanation exp = new ImageResult.Explanation("a \"quoted\" text\u00e9", "the reference",
                new RougeL.Score(0.1, 1.0 / 3, 2.0 / 7), 61.25);
        ImageResult.Detection det = new ImageResult.Detection(0.7310585786300049, true, "progan");
        return error == null
                ? new ImageResult(id, "/x/" + id + ".png", "synthscars", "legion", "jpeg:50",
                        Map.of("content_type", "human"), null, 4, 3, loc, exp, det, 17, 12.5)
                : new ImageResult(id, "/x/" + id + ".png", "synthscars", "legion", "clean", Map.of(), error, 0, 0,
                        null, null, null, 0, 0);
    }

    @Test
    void everyFieldSurvivesARoundTripExactly() throws Exception {
        ImageResult r = sample("a", null);
        ImageResult back = ResultsFile.fromJson(ResultsFile.toJson(r));
        assertEquals(r, back);
        assertEquals(r.localization().miou(), back.localization().miou(), 0.0);
        assertEquals(BinaryMask.fromBooleans(new boolean[] {false, true, true, false, false, true, false, false, false,
                false, false, false}, 3, 4), back.localization().prediction(3, 4));
        ImageGrounding g = new ImageGrounding(List.of("car", "tree"), List.of("ball", "car", "tree"),
                List.of("ball", "car"), 2, List.of(new ImageGrounding.ArtifactMatch("car", "smear", 1, 0.25, "smear",
                        true), new ImageGrounding.ArtifactMatch("tree", "split_trunk", -1, 0, null, false)));
        ImageResult grounded = new ImageResult("g", "/x/g.png", "synthscars", "legion", "clean", Map.of(), null, 4, 3,
                r.localization(), r.explanation(), null, 0, 0, g);
        String line = ResultsFile.toJson(grounded);
        assertEquals(grounded, ResultsFile.fromJson(line));
        assertTrue(line.contains("\"hallucinated\":[\"ball\"]"), line);
        assertTrue(line.contains("\"kind_right\":true"), line);
        // the column form legion-spark keeps: the line's grounding object, read back to the same record
        assertTrue(line.contains("\"grounding\":" + ResultsFile.groundingToJson(g)), line);
        assertEquals(g, ResultsFile.groundingFromJson(ResultsFile.groundingToJson(g)));
        ImageGrounding textOnly = new ImageGrounding(List.of("car"), List.of("car"), List.of(), -1, null);
        assertEquals(textOnly, ResultsFile.fromJson(ResultsFile.toJson(new ImageResult("t", "t.png", "synthscars",
                "peer", "clean", Map.of(), null, 4, 3, null, r.explanation(), null, 0, 0, textOnly))).grounding());
        assertEquals(textOnly, ResultsFile.groundingFromJson(ResultsFile.groundingToJson(textOnly)));
        ImageResult f = sample("b", "cannot read the image: gone");
        assertEquals(f, ResultsFile.fromJson(ResultsFile.toJson(f)));
        assertTrue(ResultsFile.toJson(r).indexOf('\n') < 0);
    }

    @Test
    void theLastLineOfAnIdWinsAndDamagedLinesAreSkipped() throws Exception {
        Path file = tmp.resolve("sub/results.jsonl");
        try (ResultsFile.Appender out = ResultsFile.append(file)) {
            out.write(sample("a", "failed once"));
            out.write(sample("b", null));
        }
        Files.writeString(file, "{\"id\": \"c\", \"sta", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        try (ResultsFile.Appender out = ResultsFile.append(file)) { // terminates the cut line first
            out.write(sample("a", null));
        }
        ResultsFile.Contents c = ResultsFile.read(file);
        assertEquals(4, c.lines());
        assertEquals(1, c.malformed());
        assertEquals(2, c.results().size());
        assertTrue(c.results().get("a").ok());
        assertNull(c.results().get("c"));
        assertEquals(java.util.List.of("b", "a"), java.util.List.copyOf(c.results().keySet()));
    }
}
