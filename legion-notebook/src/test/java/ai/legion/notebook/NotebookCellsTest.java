package ai.legion.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every code cell of every notebook in examples/notebooks, in order, in a fresh {@link NotebookKernel} per
 * notebook (JJava's kernel base and evaluation scheme over JShell, on the class path install-kernel.sh gives the
 * real kernel and nothing else, see {@link KernelClassLoaders}), and fails on a compile error or exception, naming
 * the notebook and cell. Every display a notebook publishes must carry an image or HTML, and there must be at least
 * as many displays and display updates as the code has {@code display(...)} and {@code updateDisplay(...)} calls;
 * a cell's value must not show a record's or Optional's default {@code toString}.
 */
class NotebookCellsTest {

    private static final Pattern DISPLAY_CALL = Pattern.compile("(?<![\\w.])display\\(");
    private static final Pattern UPDATE_CALL = Pattern.compile("(?<![\\w.])updateDisplay\\(");
    /** {@code Optional[...]}, a record's generated {@code Name[field=...]} or Object's {@code a.b.Name@1f2e3d}. */
    private static final Pattern DEFAULT_TO_STRING =
            Pattern.compile("Optional\\[|\\b[A-Z]\\w*\\[[a-z]\\w*=|\\b[a-z][\\w.]*\\.[A-Z][\\w$]*@[0-9a-f]{4,}\\b");

    private static final List<Path> CLASS_PATH = KernelClassLoaders.notebookClassPath();
    private static final ClassLoader LIBRARIES = KernelClassLoaders.libraries(CLASS_PATH);

    private static Path notebooks() {
        return Path.of(System.getProperty(LegionHome.PROPERTY, "..")).resolve("examples/notebooks");
    }

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsInOrder() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(notebooks())) {
            files = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertEquals(List.of("evaluation.ipynb", "quickstart.ipynb", "training.ipynb"),
                files.stream().map(p -> p.getFileName().toString()).toList(), "the notebooks of examples/notebooks");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    private static void run(Path notebook) throws IOException {
        JsonNode nb = new ObjectMapper().readTree(notebook.toFile());
        assertEquals(4, nb.path("nbformat").asInt(), notebook + ": nbformat");
        assertEquals("java", nb.path("metadata").path("kernelspec").path("language").asText(),
                notebook + ": kernelspec language");
        String name = notebook.getFileName().toString();
        int displayCalls = 0;
        int updateCalls = 0;
        long t0 = System.nanoTime();
        try (NotebookKernel kernel = new NotebookKernel(CLASS_PATH, LIBRARIES)) {
            int index = 0;
            for (JsonNode cell : nb.path("cells")) {
                index++;
                if (!cell.path("cell_type").asText().equals("code")) {
                    continue;
                }
                String source = source(cell);
                String where = name + " cell " + index;
                for (String line : source.split("\n")) {
                    // the kernelspec supplies the class path: a magic would make the notebook depend on the network
                    assertFalse(line.strip().startsWith("%"), where + ": JJava magic '" + line.strip()
                            + "' (notebooks run on the class path install-kernel.sh gives the kernel)");
                }
                displayCalls += count(DISPLAY_CALL, source);
                updateCalls += count(UPDATE_CALL, source);
                int before = kernel.published().size();
                long c0 = System.nanoTime();
                Object value;
                try {
                    value = kernel.evalRaw(source);
                } catch (NotebookKernel.CellException e) {
                    throw new AssertionError(where + " failed: " + e.getMessage(), e);
                }
                System.out.printf("%s: %.1f s%n", where, (System.nanoTime() - c0) / 1e9);
                List<NotebookKernel.Published> fresh = kernel.published().subList(before, kernel.published().size());
                for (NotebookKernel.Published p : fresh) {
                    checkRich(where + (p.update() ? " update_display" : " display"), p.data());
                    plainText(where + " display", p.data());
                }
                for (NotebookKernel.Published p : fresh) {
                    // display(x) returns its id: as a cell's last line Jupyter would show that id as the result
                    assertFalse(value instanceof String id && id.equals(p.data().getDisplayId()), where
                            + " ends with display(...), whose value (the display id) Jupyter would show: end it with"
                            + " the object itself");
                }
                if (value != null) {
                    DisplayData result = kernel.getRenderer().render(value);
                    plainText(where + " value", result);
                    if (result.hasDataForType(MIMEType.TEXT_HTML) || result.hasDataForType(MIMEType.IMAGE_PNG)) {
                        checkRich(where + " result", result);
                    }
                }
            }
            List<NotebookKernel.Published> all = kernel.published();
            long displays = all.stream().filter(p -> !p.update()).count();
            long updates = all.stream().filter(NotebookKernel.Published::update).count();
            assertTrue(displays >= displayCalls, name + ": " + displays + " displays for " + displayCalls
                    + " display(...) calls in the code");
            assertTrue(updates >= updateCalls, name + ": " + updates + " display updates for " + updateCalls
                    + " updateDisplay(...) calls in the code");
        }
        System.out.printf("%s: all cells in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
    }

    /** The text form must not be a default toString (what a front end without rich output shows). */
    private static void plainText(String where, DisplayData data) {
        String text = String.valueOf(data.getData(MIMEType.TEXT_PLAIN));
        Matcher m = DEFAULT_TO_STRING.matcher(text);
        if (m.find()) {
            fail(where + " shows a default toString (" + m.group() + "...): " + text);
        }
    }

    /** A display must carry a decodable PNG, an SVG or HTML (whose inline PNGs decode). */
    private static void checkRich(String where, DisplayData data) throws IOException {
        Object png = data.getData(MIMEType.IMAGE_PNG);
        Object svg = data.getData(MIMEType.IMAGE_SVG);
        Object html = data.getData(MIMEType.TEXT_HTML);
        assertTrue(png != null || svg != null || html != null, where + " has neither an image nor HTML: "
                + data.getData(MIMEType.TEXT_PLAIN));
        if (png != null) {
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.toString()))),
                    where + ": image/png does not decode");
        }
        if (svg != null) {
            assertTrue(svg.toString().contains("<svg"), where + ": image/svg+xml holds no <svg>");
        }
        if (html != null) {
            Matcher m = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html.toString());
            while (m.find()) {
                assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))),
                        where + ": an inline PNG of the HTML does not decode");
            }
        }
    }

    private static String source(JsonNode cell) {
        JsonNode s = cell.path("source");
        if (s.isTextual()) {
            return s.asText();
        }
        List<String> lines = new ArrayList<>();
        s.forEach(l -> lines.add(l.asText()));
        return String.join("", lines);
    }

    private static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
