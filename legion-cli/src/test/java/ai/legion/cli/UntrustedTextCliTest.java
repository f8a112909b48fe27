package ai.legion.cli;

import static ai.legion.testing.HostileText.ESCAPED;
import static ai.legion.testing.HostileText.PAYLOAD;
import static ai.legion.testing.HostileText.assertNoRawControls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.BinaryMask;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.eval.runner.ResultsFile;
import ai.legion.testing.Fixtures;
import ai.legion.testing.HostileText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile text (ESC/OSC/CSI sequences, BEL, CR, backspace, bidi overrides, invisible characters, invalid
 * UTF-8, markup) in a checkpoint, a pickle, a config, an annotation file, stored predictions and arguments
 * reaches stdout and stderr of the CLI only escaped.
 */
class UntrustedTextCliTest {

    /** The ASCII part of the payload: usable in file names whatever the JVM's file name encoding. */
    static final String ASCII_PAYLOAD = "\u001b]0;pwned\u0007\u001b[2J\rFAKE\b\b";
    static final String ASCII_ESCAPED = "\\x1b]0;pwned\\x07\\x1b[2J\\rFAKE\\x08\\x08";
    static final String SCRIPT = "<script>alert(1)</script>";

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        /** Both streams hold no raw control, escape sequence or invisible character. */
        Run clean() {
            assertNoRawControls(out);
            assertNoRawControls(err);
            return this;
        }
    }

    static Run legion(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LegionCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * A safetensors file with one F32 element per key; the header is ASCII with every other character as a
     * JSON escape, so that keys can hold control characters (raw ones are invalid JSON).
     */
    static Path safetensors(Path file, Map<String, String> metadata, String... keys) throws Exception {
        StringBuilder h = new StringBuilder("{\"__metadata__\": {");
        metadata.forEach((k, v) -> h.append(h.charAt(h.length() - 1) == '{' ? "" : ", ").append(quote(k)).append(": ")
                .append(quote(v)));
        h.append('}');
        for (int i = 0; i < keys.length; i++) {
            h.append(", ").append(quote(keys[i])).append(": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [")
                    .append(4 * i).append(", ").append(4 * i + 4).append("]}");
        }
        byte[] json = h.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 4 * keys.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(file, b.array());
        return file;
    }

    /** A JSON string literal in ASCII: chars outside printable ASCII, quotes and backslashes as JSON escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? String.valueOf(c)
                    : String.format("\\u%04x", (int) c));
        }
        return sb.append('"').toString();
    }

    @Test
    void inspectListsHostileKeysAndMetadataEscapedAndNoKeyCanFakeALine() throws Exception {
        String key = "w" + PAYLOAD + "\nlegion: all fine";
        Path f = safetensors(tmp.resolve("hostile.safetensors"), Map.of("note", PAYLOAD),
                key, "bidi\u2066\u202eisolate\u2069", "zero\u200dwidth\ufeff\u0085");
        Run r = legion("inspect", f.toString()).clean();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("w" + ESCAPED + "\\nlegion: all fine"), r.out());
        assertTrue(r.out().contains("bidi\\u2066\\u202eisolate\\u2069"), r.out());
        assertTrue(r.out().contains("zero\\u200dwidth\\ufeff\\x85"), r.out());
        assertTrue(r.out().contains("metadata {note=" + ESCAPED + "}"), r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.startsWith("legion: all fine")), r.out());
    }

    @Test
    void aHostileForbiddenPickleGlobalIsNamedEscapedAlsoInTheDebugStackTrace() throws Exception {
        Path f = HostileText.forbiddenGlobalCheckpoint(tmp.resolve("evil.bin"), "posix", "system");
        Run r = legion("inspect", f.toString()).clean();
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("forbidden global 'posix.system" + ESCAPED + "\ufffd'"), r.err());

        System.setProperty("legion.debug", "true");
        try {
            Run debug = legion("inspect", f.toString()).clean();
            assertTrue(debug.err().contains("at ai.legion.core.io"), "the stack trace is printed: " + debug.err());
        } finally {
            System.clearProperty("legion.debug");
        }
    }

    @Test
    void aHostileConfigStringAndHostileArgumentsAreEscapedInErrors() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        safetensors(dir.resolve("model.safetensors"), Map.of(), "lm_head.weight");
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(
                Fixtures.path("parity/legion_tiny/config.json").toFile());
        cfg.put("hidden_act", PAYLOAD);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), cfg);
        Run config = legion("inspect", dir.toString()).clean();
        assertEquals(2, config.code(), config.err());
        assertTrue(config.err().contains("hidden_act \"" + ESCAPED + "\" is not supported"), config.err());

        Run badValue = legion("inspect", "--keys", PAYLOAD, "x").clean();
        assertEquals(2, badValue.code(), badValue.err());
        assertTrue(badValue.err().contains(ESCAPED), badValue.err());

        Run unknown = legion("inspect", "--" + PAYLOAD, "x").clean();
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("--" + ESCAPED), unknown.err());

        Path model = tmp.resolve("no model " + ASCII_PAYLOAD);
        Run missing = legion("analyze", "--model", model.toString(), "x.png").clean();
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("no model " + ASCII_ESCAPED), missing.err());
    }

    @Test
    void theAnalyzeSummaryShowsModelOutputEscaped() {
        String text = PAYLOAD + SCRIPT;
        ArtifactReport r = ArtifactReport.builder("img" + PAYLOAD + ".png", 4, 4).summary("s " + text)
                .addArtifact(new Artifact(0, "p " + text, "e " + text + "\nlegion: fake line", BinaryMask.empty(4, 4),
                        0.5f)).rawText("raw").build();
        String printed = AnalyzeCommand.summary(r);
        assertNoRawControls(printed);
        assertEquals("img" + ESCAPED + ".png: 1 artifact, 0.0% of the image marked (0 tokens, 0 ms)\n"
                + "  summary: s " + ESCAPED + SCRIPT + "\n"
                + "  1. p " + ESCAPED + SCRIPT + " (0.0%): e " + ESCAPED + SCRIPT + "\\nlegion: fake line",
                printed.replace(System.lineSeparator(), "\n"));
        ArtifactReport none = ArtifactReport.builder("x.png", 4, 4).rawText("line 1\n" + PAYLOAD).build();
        assertTrue(AnalyzeCommand.summary(none).endsWith("  output: line 1\n" + ESCAPED), AnalyzeCommand.summary(none));
    }

    /** A small scars-sim test split whose annotation file is edited by {@code edit}. */
    Path sim(String name, java.util.function.Consumer<ArrayNode> edit) throws Exception {
        Path root = tmp.resolve(name);
        ScarsSimGenerator.generate(SimConfig.defaults().toBuilder().seed(5).trainCount(1).testCount(3)
                .detectTrainCount(0).detectTestCount(0).imageSize(64).threads(1).build(), root, true);
        Path ann = root.resolve("test/annotations/test.json");
        ObjectMapper om = new ObjectMapper();
        ArrayNode list = (ArrayNode) om.readTree(ann.toFile());
        edit.accept(list);
        om.writeValue(ann.toFile(), list);
        return root;
    }

    static ObjectNode record(ArrayNode list, int i) {
        return (ObjectNode) list.get(i).elements().next();
    }

    @Test
    void dataCheckShowsHostileIdsCaptionsAndFileNamesEscaped() throws Exception {
        Path root = sim("check", list -> {
            ObjectNode first = (ObjectNode) list.get(0);
            String id = first.fieldNames().next();
            JsonNode rec = first.remove(id);
            first.set("rec" + PAYLOAD, rec); // a hostile id whose image is named by a hostile file name
            ((ObjectNode) rec).put("img_file_name", "nope" + ASCII_PAYLOAD + ".png");
            ObjectNode ref = (ObjectNode) record(list, 1).get("refs").get(0);
            ref.put("sentence", "phrase " + PAYLOAD); // a phrase that is not in its caption
        });
        Run r = legion("data", "check", "synthscars", root.toString()).clean();
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("rec" + ESCAPED + ": image nope" + ASCII_ESCAPED + ".png not found"), r.out());
        assertTrue(r.out().contains("phrase " + ESCAPED), r.out());
    }

    @Test
    void evalPrintsAndWritesHostileCaptionsPredictionsAndFailuresEscaped() throws Exception {
        // texts are scored with whitespace runs collapsed, so the payload's CR would become a space
        String evil = PAYLOAD.replace("\r", "") + SCRIPT;
        String shown = ESCAPED.replace("\\r", "") + "&lt;script&gt;alert(1)&lt;/script&gt;";
        Map<String, String> predictions = new LinkedHashMap<>();
        Path root = sim("eval", list -> {
            for (int i = 0; i < list.size(); i++) {
                ObjectNode rec = record(list, i);
                rec.put("caption", evil + " " + rec.get("caption").asText()); // first: the gallery cuts long text
                String id = list.get(i).fieldNames().next();
                if (i > 0) { // the first image has no prediction: a failure whose reason names it
                    predictions.put(id, "predicted " + evil);
                }
            }
        });
        Path texts = tmp.resolve("texts.json");
        new ObjectMapper().writeValue(texts.toFile(), predictions);
        Path out = tmp.resolve("eval-out");
        Run r = legion("eval", "exp", "--predictions", texts.toString(), "--data", root.toString(), "--out",
                out.toString(), "--no-progress", "--title", "run " + PAYLOAD, "--gallery", "2").clean();
        assertEquals(LegionCli.EXIT_PARTIAL, r.code(), r.err());
        assertTrue(r.out().contains("# run " + ESCAPED), r.out());
        assertTrue(r.err().contains("could not be scored; first: "), r.err());
        String html = Files.readString(out.resolve("report.html"));
        assertNoRawControls(html);
        assertFalse(html.contains("<script"), "markup from the data is escaped");
        assertTrue(html.contains("predicted " + shown), html);
        assertTrue(html.contains("<span class=\"lbl\">reference</span> " + shown), "the reference caption: " + html);
        assertNoRawControls(Files.readString(out.resolve("report.md")));
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("run " + PAYLOAD, json.get("title").asText(), "report.json keeps the exact strings");
        assertTrue(ResultsFile.read(out.resolve("results-clean.jsonl")).results().values().stream()
                .anyMatch(x -> x.explanation() != null && x.explanation().prediction().equals("predicted " + evil)),
                "the results file keeps the exact text");
    }
}
