package ai.legion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output folder names, atomic publication and the input list of {@code legion analyze}, without a model. */
class AnalyzeOutputTest {

    @TempDir
    Path tmp;

    @Test
    void namesAreCleanedAndUniqueWithinARun() {
        AnalyzeOutput out = new AnalyzeOutput(tmp.resolve("out"));
        // input, folder name: in this order, so that repeated names get their suffixes
        String[][] cases = {{"...", "image"}, {"in/..", "image-2"}, {"x:y*?.png", "x_y__"}, {"a\nb.png", "a_b"},
            {"CON.png", "_CON"}, {"shot (1), été.png", "shot (1), été"}, {"rtl\u202egnp.png", "rtl_gnp"},
            {"a\\b|c.png", "a_b_c"}, {"a/fake.png", "fake"}, {"b/Fake.jpg", "Fake-2"}, {"c/fake.webp", "fake-3"},
            {".hidden.png", "hidden"}};
        for (String[] c : cases) {
            assertEquals(c[1], out.assign(Path.of(c[0])), c[0]);
            assertEquals(tmp.resolve("out").toAbsolutePath().normalize(), out.folder(c[1]).getParent());
        }
        assertEquals(100, out.assign(Path.of("l".repeat(300) + ".png")).length());
    }

    @Test
    void anExistingFileAsOutIsRejectedNamingIt() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AnalyzeOutput(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void publishReplacesAWholeFolderAndAFailureKeepsTheOldOne() throws Exception {
        Path root = tmp.resolve("out");
        AnalyzeOutput out = new AnalyzeOutput(root);
        out.publish("a", dir -> Files.writeString(dir.resolve("report.json"), "old"));
        out.publish("a", dir -> Files.writeString(dir.resolve("report.json"), "new"));
        assertEquals("new", Files.readString(root.resolve("a/report.json")));
        Exception e = assertThrows(IOException.class, () -> out.publish("a", dir -> {
            Files.writeString(dir.resolve("report.json"), "half");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("new", Files.readString(root.resolve("a/report.json")));
        assertEquals(List.of("a"), AnalyzeCommandTest.entries(root));
    }

    @Test
    void inputsExpandFoldersAndGlobsAndNameEveryMissingOne() throws IOException {
        Path in = tmp.resolve("in");
        Files.createDirectories(in.resolve("a/deep"));
        Path top = Files.writeString(in.resolve("top.png"), "");
        Path deep = Files.writeString(in.resolve("a/deep/x.JPG"), "");
        Files.writeString(in.resolve("a/notes.txt"), "");
        AnalyzeInputs folder = AnalyzeInputs.expand(List.of(in.toString(), top.toString()));
        assertEquals(List.of(deep, top), folder.images()); // sorted, and top.png given twice is kept once
        assertEquals(List.of(), folder.problems());

        assertEquals(List.of(top), AnalyzeInputs.expand(List.of(in + "/*.png")).images());
        assertEquals(List.of(deep, top), AnalyzeInputs.expand(List.of(in + "/**.{png,JPG}")).images());

        AnalyzeInputs missing = AnalyzeInputs.expand(List.of(in + "/gone.png", in + "/a/*.gif",
                in.resolve("a").toString(), tmp + "/nowhere/*.png"));
        assertEquals(List.of(deep), missing.images());
        assertEquals(3, missing.problems().size(), missing.problems().toString());
        assertTrue(missing.problems().get(0).startsWith(in + "/gone.png: no such file"), missing.problems().get(0));
        assertTrue(missing.problems().get(1).contains("a/*.gif: no image file matches"), missing.problems().get(1));
        assertTrue(missing.problems().get(2).contains("no such folder " + tmp + "/nowhere"), missing.problems().get(2));
    }
}
