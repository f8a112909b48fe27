package ai.legion.eval.report;

import static ai.legion.testing.HostileText.ESCAPED;
import static ai.legion.testing.HostileText.PAYLOAD;
import static ai.legion.testing.HostileText.assertNoRawControls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.BinaryMask;
import ai.legion.core.text.RougeL;
import ai.legion.eval.runner.EvalSummary;
import ai.legion.eval.runner.ImageResult;
import ai.legion.eval.runner.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Ids, captions, model output, group names, error reasons, titles and facts with control characters, escape
 * sequences, bidi overrides and markup: the XHTML and Markdown show them escaped, report.json keeps them exact.
 */
class HostileReportTest {

    static final String SCRIPT = "<script>alert('x')</script>";

    @TempDir
    Path tmp;

    @Test
    void everyStringOfThePageAndTheMarkdownIsEscapedAndTheJsonIsExact() throws Exception {
        String evil = PAYLOAD + SCRIPT;
        RougeL rouge = new RougeL(true);
        Set<Task> tasks = EnumSet.of(Task.LOCALIZATION, Task.EXPLANATION);
        List<ImageResult> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            BinaryMask gt = BinaryMask.fromBooleans(new boolean[] {true, i > 0, false, i > 1}, 2, 2);
            BinaryMask pred = BinaryMask.fromBooleans(new boolean[] {true, false, i > 2, true}, 2, 2);
            String prediction = "predicted " + i + " " + evil;
            String reference = "reference " + i + " " + evil;
            results.add(new ImageResult("img" + i + evil, tmp.resolve("missing" + i + ".png").toString(), "sim",
                    "peer", "clean", Map.of("content_type", "kind" + (i % 2) + evil), null, 2, 2,
                    ImageResult.Localization.of(pred, gt), new ImageResult.Explanation(prediction, reference,
                            rouge.score(prediction, reference), null), null, 0, 0));
        }
        results.add(new ImageResult("broken" + evil, "x.png", "sim", "peer", "clean", Map.of(), "cannot read "
                + evil, 0, 0, null, null, null, 0, 0));
        EvalSummary summary = EvalSummary.of(results, tasks, 0.5, rouge);
        EvalReport.Files files = EvalReport.builder().title("title " + evil).dataset("data " + evil)
                .source("source " + evil).fact("fact " + evil, "value " + evil).summary(summary).results(results)
                .gallery(2).write(tmp.resolve("report"));

        String html = Files.readString(files.html());
        assertNoRawControls(html);
        assertFalse(html.contains("<script"), "no markup from the data");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), html);
        assertTrue(html.contains("<title>title " + ESCAPED + "&lt;script&gt;"), html);
        assertTrue(html.contains("<b>img0" + ESCAPED + "&lt;script&gt;"), "gallery card id");
        assertTrue(html.contains("predicted 0 " + ESCAPED), "model output in the gallery");
        assertTrue(html.contains("reference 0 " + ESCAPED), "caption in the gallery");
        assertTrue(html.contains("ind0" + ESCAPED + "&lt;script&gt;"), "group name in a table and a chart");
        assertTrue(html.contains("<th>broken" + ESCAPED + "&lt;script&gt;"), "failed id");
        assertTrue(html.contains("cannot read " + ESCAPED + "&lt;script&gt;"), "failure reason");
        assertTrue(html.contains("image not shown: "), "the gallery's image errors name the missing files");
        // still well-formed XML, whose text is the escaped form of the data
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document doc = f.newDocumentBuilder().parse(files.html().toFile());
        assertEquals(0, doc.getElementsByTagNameNS("*", "script").getLength());
        assertTrue(doc.getDocumentElement().getTextContent().contains("title " + ESCAPED + SCRIPT));

        String md = Files.readString(files.markdown());
        assertNoRawControls(md);
        assertTrue(md.startsWith("# title " + ESCAPED + "\\<script>"), md);
        assertTrue(md.contains("| broken" + ESCAPED + "\\<script>alert('x')\\</script> | cannot read "), md);
        assertTrue(md.contains("| fact " + ESCAPED), md);

        JsonNode json = new ObjectMapper().readTree(files.json().toFile());
        assertEquals("title " + evil, json.get("title").asText(), "report.json keeps the exact strings");
        assertEquals("value " + evil, json.at("/facts").get("fact " + evil).asText());
        assertTrue(json.at("/summary/localization/prediction/by/content_type").has("kind0" + evil));
    }

    @Test
    void aCrLfOrNewlineInACaptionIsASpaceInTheMarkdownButALoneCrIsShown() {
        assertEquals("a b c\\rd \\x1b[2J\\| \\<i>", Table.md("a\r\nb\nc\rd \u001b[2J| <i>"));
    }
}
