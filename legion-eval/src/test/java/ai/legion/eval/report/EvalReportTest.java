package ai.legion.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.MaskImages;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.perturb.JpegCompression;
import ai.legion.data.synthscars.SynthScarsReader;
import ai.legion.eval.grounding.GroundingSummary;
import ai.legion.eval.robust.Metric;
import ai.legion.eval.robust.RobustnessTable;
import ai.legion.eval.runner.EvalData;
import ai.legion.eval.runner.EvalResult;
import ai.legion.eval.runner.Evaluation;
import ai.legion.eval.runner.ExternalPredictions;
import ai.legion.eval.runner.Task;
import ai.legion.eval.runner.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Reports of stored predictions: the XHTML parses as XML and holds the summary's values, as do Markdown and JSON. */
class EvalReportTest {

    @TempDir
    static Path tmp;

    static List<ArtifactRecord> records;
    static EvalResult good;
    static EvalResult empty;
    static Path textsFile;

    @BeforeAll
    static void runs() throws Exception {
        records = new ArrayList<>(TestData.testRecords());
        // ground-truth masks for half of the images (the others score as empty), captions for some texts
        Path masks = Files.createDirectories(tmp.resolve("masks"));
        Map<String, String> texts = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            ArtifactRecord r = records.get(i);
            if (i % 2 == 0) {
                MaskImages.writePng(masks.resolve(r.id() + ".png"), SynthScarsReader.groundTruthMask(r, 64, 64));
            }
            texts.put(r.id(), i % 3 == 0 ? r.caption() : "The image <b>looks</b> fine & real.");
        }
        Path json = tmp.resolve("texts.json");
        new ObjectMapper().writeValue(json.toFile(), texts);
        textsFile = json;
        good = Evaluation.of(EnumSet.of(Task.LOCALIZATION, Task.EXPLANATION)).predictions(ExternalPredictions.builder()
                .masks(masks).explanations(json).missingAsEmpty(true).build()).data(records).progress(false).run();
        empty = Evaluation.localization().predictions(ExternalPredictions.builder()
                .masks(Files.createDirectories(tmp.resolve("none"))).missingAsEmpty(true).build()).data(records)
                .progress(false).run();
    }

    static Document parse(Path html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(html.toFile());
    }

    static Element byId(Document doc, String tag, String id) {
        NodeList nodes = doc.getElementsByTagNameNS("*", tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (id.equals(e.getAttribute("id"))) {
                return e;
            }
        }
        throw new AssertionError("no <" + tag + " id=" + id + ">");
    }

    /** The tooltips of every SVG bar. */
    static List<String> tooltips(Document doc) {
        List<String> out = new ArrayList<>();
        NodeList rects = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        for (int i = 0; i < rects.getLength(); i++) {
            NodeList t = ((Element) rects.item(i)).getElementsByTagNameNS("*", "title");
            if (t.getLength() == 1) {
                out.add(t.item(0).getTextContent());
            }
        }
        return out;
    }

    @Test
    void theHtmlIsWellFormedXmlWithTheTablesChartsAndGallery() throws Exception {
        RobustnessTable table = new RobustnessTable(List.of(RobustnessTable.row(null, good.summary()),
                RobustnessTable.row(new JpegCompression(50), empty.summary())));
        EvalReport.Files files = EvalReport.builder().title("scars-sim <test> & co").dataset("scars-sim test")
                .source("peer").summary(good.summary()).results(good.results()).robustness(table).gallery(2)
                .fact("data", "x").write(tmp.resolve("report"));
        Document doc = parse(files.html());
        assertEquals("html", doc.getDocumentElement().getLocalName());
        String miou = ReportTables.pct(good.summary().localization().all().miou());
        String f1 = ReportTables.pct(good.summary().localization().all().f1());
        String table2 = byId(doc, "table", "table2").getTextContent();
        assertTrue(table2.contains(miou + " / " + f1), table2);
        assertTrue(table2.contains(ReportTables.pct(good.summary().emptyMask().all().miou())), table2);
        String table3 = byId(doc, "table", "table3").getTextContent();
        assertTrue(table3.contains(ReportTables.pct(good.summary().explanation().rougeL())), table3);
        String table10 = byId(doc, "table", "table10").getTextContent();
        assertTrue(table10.contains(ReportTables.num(table.ratio(table.row("jpeg:50"), Metric.MIOU), 3)), table10);
        assertTrue(byId(doc, "table", "paper-table2").getTextContent().contains("54.62 / 29.90"));
        assertTrue(doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg").getLength() >= 4);
        // the charts draw the summary's numbers (exact values in the bar tooltips)
        List<String> tips = tooltips(doc);
        var loc = good.summary().localization().all();
        for (String want : List.of(String.format(java.util.Locale.ROOT, "this run, mIoU: %.2f", 100 * loc.miou()),
                String.format(java.util.Locale.ROOT, "this run, F1: %.2f", 100 * loc.f1()),
                String.format(java.util.Locale.ROOT, "empty mask, mIoU: %.2f",
                        100 * good.summary().emptyMask().all().miou()),
                String.format(java.util.Locale.ROOT, "full mask, F1: %.2f", 100 * good.summary().fullMask().all().f1()),
                String.format(java.util.Locale.ROOT, "ROUGE-L, this run: %.2f", 100 * good.summary().explanation().rougeL()),
                "ROUGE-L, paper: SynthScars: 39.50",
                String.format(java.util.Locale.ROOT, "mIoU ratio, jpeg:50: %.3f", table.ratio(table.row("jpeg:50"),
                        Metric.MIOU)),
                "paper LEGION mIoU ratio, jpeg:50: 0.973")) { // 57.78 / 59.41
            assertTrue(tips.contains(want), want + " in " + tips);
        }
        // the per-image mIoU histogram counts every localized image once
        int histogram = 0;
        for (String t : tips) {
            if (t.startsWith("images, ")) {
                histogram += Integer.parseInt(t.substring(t.lastIndexOf(' ') + 1));
            }
        }
        assertEquals(loc.count() + good.summary().explanation().count(), histogram, "mIoU and ROUGE-L histograms");
        String paper10 = byId(doc, "table", "paper-table10").getTextContent();
        assertTrue(paper10.contains("57.91") && paper10.contains("0.975 (-2.5%)"), paper10); // LEGION mIoU, JPEG 20
        NodeList imgs = doc.getElementsByTagNameNS("*", "img");
        assertEquals(4, imgs.getLength()); // 2 best + 2 worst
        assertTrue(((Element) imgs.item(0)).getAttribute("src").startsWith("data:image/jpeg;base64,"));
        assertTrue(files.html().toFile().length() < 2_000_000);
        String text = doc.getDocumentElement().getTextContent();
        assertTrue(text.contains("The image <b>looks</b> fine & real."), "explanations are escaped, not markup");
        assertTrue(text.contains("scars-sim <test> & co"));

        String md = Files.readString(files.markdown());
        assertTrue(md.contains("| " + ReportTables.pct(good.summary().localization().all().miou()) + " / " + f1), md);
        assertTrue(md.contains("Robustness"), md);
        JsonNode json = new ObjectMapper().readTree(files.json().toFile());
        assertEquals(good.summary().localization().all().miou(),
                json.at("/summary/localization/prediction/all/miou").asDouble(), 0.0);
        assertEquals(good.summary().explanation().rougeL(), json.at("/summary/explanation/rouge_l").asDouble(), 0.0);
        assertEquals(table.ratio(table.row("jpeg:50"), Metric.F1), json.at("/robustness/rows/1/ratios/F1").asDouble(),
                0.0);
    }

    @Test
    void groundingIsReportedOnlyForDataWithSceneFacts() throws Exception {
        // stored texts on scars-sim: half are the reference captions, the rest name no object at all
        GroundingSummary g = good.summary().grounding();
        assertEquals(records.size(), g.images());
        assertEquals(0, g.artifacts(), "stored texts list no artifacts");
        assertTrue(Double.isNaN(g.objectAccuracy()));
        assertEquals(0.0, g.hallucinationRate());
        assertTrue(g.constantCaptionHallucinationRate() >= 0 && g.constantCaptionHallucinationRate() <= 1);
        EvalReport.Files files = EvalReport.builder().dataset("scars-sim test").summary(good.summary())
                .results(good.results()).write(tmp.resolve("grounded"));
        JsonNode json = new ObjectMapper().readTree(files.json().toFile());
        assertTrue(json.at("/summary/grounding/object_accuracy").isNull());
        assertEquals(0.0, json.at("/summary/grounding/hallucination_rate").asDouble(-1), 0.0);
        assertEquals(g.constantCaptionHallucinationRate(),
                json.at("/summary/grounding/constant_caption_hallucination_rate").asDouble(), 0.0);
        assertTrue(byId(parse(files.html()), "table", "grounding").getTextContent().contains("hallucination rate"));
        assertTrue(Files.readString(files.markdown()).contains("Grounding"));

        // the same texts on the same records without their facts (as for real SynthScars): no grounding at all
        List<ArtifactRecord> plain = records.stream().map(r -> new ArtifactRecord(r.id(), r.dataset(), r.image(),
                r.authenticity(), r.caption(), r.refs(), r.attributes())).toList();
        EvalResult noFacts = Evaluation.explanation().predictions(ExternalPredictions.builder().explanations(textsFile)
                .build()).data(plain).progress(false).run();
        assertNull(noFacts.summary().grounding());
        assertTrue(noFacts.results().stream().allMatch(r -> r.grounding() == null));
        EvalReport.Files plainFiles = EvalReport.builder().summary(noFacts.summary()).results(noFacts.results())
                .write(tmp.resolve("plain"));
        assertTrue(new ObjectMapper().readTree(plainFiles.json().toFile()).at("/summary/grounding").isMissingNode());
        assertFalse(Files.readString(plainFiles.markdown()).contains("Grounding"));
        assertFalse(Files.readString(plainFiles.html()).contains("id=\"grounding\""));
    }

    @Test
    void detectionAndFailuresAreReported() throws Exception {
        EvalData det = EvalData.open(TestData.sim(), Task.DETECTION, EvalData.Options.defaults());
        Map<String, Double> scores = new LinkedHashMap<>();
        List<ArtifactRecord> detRecords = det.records(0);
        for (ArtifactRecord r : detRecords.subList(0, 5)) {
            scores.put(r.id(), r.id().contains("fake") ? 0.8 : 0.6);
        }
        Path file = tmp.resolve("scores.json");
        new ObjectMapper().writeValue(file.toFile(), scores);
        EvalResult r = Evaluation.detection().predictions(ExternalPredictions.builder().scores(file).build())
                .data(detRecords).progress(false).run();
        assertEquals(1, r.summary().failed());
        EvalReport.Files files = EvalReport.builder().summary(r.summary()).results(r.results()).write(tmp.resolve("det"));
        Document doc = parse(files.html());
        String t5 = byId(doc, "table", "table5").getTextContent();
        assertTrue(t5.contains(ReportTables.pct(r.summary().detection().meanAccuracy())), t5);
        assertTrue(byId(doc, "table", "failures").getTextContent().contains("no p(fake) score"));
        assertTrue(Files.readString(files.markdown()).contains("no p(fake) score"));
    }
}
