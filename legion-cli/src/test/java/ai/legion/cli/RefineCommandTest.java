package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.testing.HostileText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code legion refine regen|inpaint} with the tiny fixture model against a local AUTOMATIC1111 API subset. */
class RefineCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    HttpServer server;
    final List<JsonNode> txt2img = Collections.synchronizedList(new ArrayList<>());
    final List<JsonNode> img2img = Collections.synchronizedList(new ArrayList<>());

    static Path fixtures() {
        String prop = System.getProperty("legion.fixtures");
        return prop != null ? Paths.get(prop) : Paths.get("../legion-core/src/test/resources/fixtures");
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/sdapi/v1/txt2img", ex -> answer(ex, txt2img, false));
        server.createContext("/sdapi/v1/img2img", ex -> answer(ex, img2img, true));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** txt2img: a gray image of the requested size; img2img: the init image inverted. */
    static void answer(HttpExchange ex, List<JsonNode> log, boolean edit) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            log.add(body);
            BufferedImage img;
            if (edit) {
                img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(body.at("/init_images/0").asText())));
                for (int y = 0; y < img.getHeight(); y++) {
                    for (int x = 0; x < img.getWidth(); x++) {
                        img.setRGB(x, y, ~img.getRGB(x, y));
                    }
                }
            } else {
                img = new BufferedImage(body.path("width").asInt(512), body.path("height").asInt(512), BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < img.getHeight(); y++) {
                    for (int x = 0; x < img.getWidth(); x++) {
                        img.setRGB(x, y, (x * 3) << 16 | (y * 5) << 8 | 128);
                    }
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            ObjectNode o = JSON.createObjectNode();
            o.putArray("images").add(Base64.getEncoder().encodeToString(png.toByteArray()));
            o.put("info", "{}");
            byte[] out = JSON.writeValueAsBytes(o);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
        }
    }

    record Run(int code, String out, String err) {}

    static Run refine(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new RefineCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    String[] model() {
        Path tiny = fixtures().resolve("parity/legion_tiny");
        return new String[] {"--model", tiny.toString(), "--sam-config",
            fixtures().resolve("parity/sam/config.json").toString(), "--max-new-tokens", "6"};
    }

    static String[] concat(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] p : parts) {
            all.addAll(List.of(p));
        }
        return all.toArray(String[]::new);
    }

    @Test
    void inpaintAndRegenRunAgainstALocalA1111AndWriteTheirFolders() throws Exception {
        Path image = fixtures().resolve("parity/legion_tiny/image.png");
        Path out = tmp.resolve("inpaint");
        Run r = refine(concat(new String[] {"inpaint", image.toString(), "--server", url(), "--out", out.toString(),
            "--rounds", "2", "--seed", "7"}, model()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("iteration 0:"), r.out());
        assertTrue(r.out().contains("summary: " + out.resolve("summary.json").toAbsolutePath()), r.out());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals("inpainting", s.get("mode").asText());
        assertTrue(s.get("finished").asBoolean());
        int iterations = s.get("iterations").size();
        assertTrue(iterations >= 1 && iterations <= 3, s.toString());
        assertEquals(s.at("/iterations").findValues("edits").stream().mapToInt(JsonNode::size).sum(), img2img.size());
        for (JsonNode call : img2img) {
            assertEquals(0.84, call.get("denoising_strength").asDouble());
        }
        for (int t = 0; t < iterations; t++) {
            assertTrue(Files.isRegularFile(out.resolve("iteration_" + t + "/image.png")));
            assertTrue(Files.isRegularFile(out.resolve("iteration_" + t + "/report.json")));
        }

        Path regen = tmp.resolve("regen");
        r = refine(concat(new String[] {"regen", "--prompt", "a lighthouse, dramatic sky", "--server", url(), "--out",
            regen.toString(), "--iterations", "2", "--width", "64", "--height", "48", "--seed", "3"}, model()));
        assertEquals(0, r.code(), r.err());
        assertEquals(2, txt2img.size());
        assertEquals(3, txt2img.get(0).get("seed").asLong());
        assertEquals(4, txt2img.get(1).get("seed").asLong());
        assertEquals(64, txt2img.get(1).get("width").asInt());
        assertEquals("a lighthouse, dramatic sky", Files.readString(regen.resolve("iteration_0/prompt.txt")).strip());
        assertEquals(txt2img.get(1).get("prompt").asText(), Files.readString(regen.resolve("iteration_1/prompt.txt")).strip());
        JsonNode rs = JSON.readTree(regen.resolve("summary.json").toFile());
        assertEquals(2, rs.get("iterations").size());
        assertTrue(rs.at("/iterations/1/scores").has("artifact_area"));
    }

    /**
     * Inpainting with the bundled demo model on a held-out scars-sim sample: the model finds artifacts, each
     * is repainted through img2img with its dilated mask, and every pixel outside the masks sent is unchanged.
     */
    @Test
    void bothLoopsRunWithTheDemoModelAndInpaintingChangesOnlyPixelsUnderTheMasksSent() throws Exception {
        Path image = Path.of("../examples/samples/images/fake-1.png");
        Path out = tmp.resolve("demo");
        Run r = refine("inpaint", image.toString(), "--model", "../examples/demo-model", "--server", url(), "--out", out.toString(),
                "--rounds", "1", "--seed", "7");
        assertEquals(0, r.code(), r.err());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        int found = s.at("/iterations/0/artifacts").size();
        assertTrue(found >= 1, "the demo model finds the sample's artifacts: " + s);
        assertEquals(found, img2img.size(), "one img2img call per artifact");
        BufferedImage before = ImageIO.read(image.toFile());
        BufferedImage after = ImageIO.read(out.resolve("iteration_1/image.png").toFile());
        boolean[] masked = new boolean[before.getWidth() * before.getHeight()];
        for (JsonNode call : img2img) {
            BufferedImage m = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(call.get("mask").asText())));
            for (int y = 0; y < m.getHeight(); y++) {
                for (int x = 0; x < m.getWidth(); x++) {
                    masked[y * m.getWidth() + x] |= (m.getRGB(x, y) & 0xff) > 127;
                }
            }
        }
        int changed = 0;
        for (int y = 0; y < before.getHeight(); y++) {
            for (int x = 0; x < before.getWidth(); x++) {
                boolean same = (before.getRGB(x, y) & 0xffffff) == (after.getRGB(x, y) & 0xffffff);
                if (!masked[y * before.getWidth() + x]) {
                    assertTrue(same, "pixel (" + x + ", " + y + ") outside every mask changed");
                } else if (!same) {
                    changed++;
                }
            }
        }
        assertTrue(changed > 0, "the masked regions were repainted");
        assertTrue(s.at("/iterations/1/scores").has("artifact_area"), s.toString());

        Path regen = tmp.resolve("demo-regen");
        r = refine("regen", "--prompt", "a red car on a beach", "--model", "../examples/demo-model", "--server", url(), "--out",
                regen.toString(), "--iterations", "2", "--width", "128", "--height", "128", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        JsonNode rs = JSON.readTree(regen.resolve("summary.json").toFile());
        assertEquals(2, rs.get("iterations").size());
        assertEquals(2, txt2img.size());
        assertEquals(txt2img.get(1).get("prompt").asText(), Files.readString(regen.resolve("iteration_1/prompt.txt")).strip());
        assertTrue(rs.at("/iterations/0/verdict").isTextual(), "the demo model's verdict is recorded: " + rs);
    }

    /** A server answering 500 with escape sequences, a bidi override, markup and invalid UTF-8 in the body. */
    @Test
    void aHostileServerErrorBodyReachesStderrEscaped() throws Exception {
        HttpServer hostile = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hostile.createContext("/sdapi/v1/txt2img", ex -> {
            try (ex) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.writeBytes(("oops " + HostileText.PAYLOAD + "<b>").getBytes(StandardCharsets.UTF_8));
                body.write(0xFF);
                ex.getResponseHeaders().add("Content-Type", "text/plain");
                ex.sendResponseHeaders(500, body.size());
                ex.getResponseBody().write(body.toByteArray());
            }
        });
        hostile.start();
        try {
            Run r = refine(concat(new String[] {"regen", "--prompt", "p", "--server", "http://127.0.0.1:"
                + hostile.getAddress().getPort(), "--retries", "0", "--out", tmp.resolve("hostile").toString(),
                "--iterations", "1"}, model()));
            assertEquals(1, r.code(), r.out() + r.err());
            HostileText.assertNoRawControls(r.out());
            HostileText.assertNoRawControls(r.err());
            // whitespace runs of a body are one space in messages, so the CR is a space there
            assertTrue(r.err().contains("HTTP 500: oops \\x1b]0;pwned\\x07\\x1b[2J FAKE\\x08\\x08\\u202eevil\\x9b31m"
                    + "\\u200b<b>\ufffd"), r.err());
        } finally {
            hostile.stop(0);
        }
    }

    @Test
    void aServerThatIsDownExitsOneAndBadArgumentsExitTwo() {
        int port = server.getAddress().getPort();
        server.stop(0);
        Run down = refine(concat(new String[] {"regen", "--prompt", "p", "--server", "http://127.0.0.1:" + port,
            "--retries", "0", "--out", tmp.resolve("down").toString(), "--iterations", "1"}, model()));
        assertEquals(1, down.code(), down.out() + down.err());
        assertTrue(down.err().contains("could not connect") && down.err().contains("127.0.0.1:" + port), down.err());
        assertTrue(down.err().contains("iteration 0"), down.err());

        Run noCheckpoint = refine(concat(new String[] {"inpaint", "x.png", "--backend", "comfyui", "--out",
            tmp.resolve("c").toString()}, model()));
        assertEquals(2, noCheckpoint.code());
        assertTrue(noCheckpoint.err().contains("{{checkpoint}}") && noCheckpoint.err().contains("--checkpoint"),
                noCheckpoint.err());

        Run badBackend = refine(concat(new String[] {"inpaint", "x.png", "--backend", "sdnext", "--out", "o"}, model()));
        assertEquals(2, badBackend.code());
        assertTrue(badBackend.err().contains("--backend"), badBackend.err());

        Run missingImage = refine(concat(new String[] {"inpaint", tmp.resolve("missing.png").toString(), "--server",
            "http://127.0.0.1:" + port, "--out", tmp.resolve("m").toString()}, model()));
        assertEquals(2, missingImage.code(), missingImage.err());
        assertTrue(missingImage.err().contains("missing.png"), missingImage.err());
    }
}
