package ai.legion.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo model jar unpacks to exactly the files of examples/, once, also when several JVMs race for it. */
class DemoModelTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples")
            .toAbsolutePath().normalize();

    @TempDir
    Path cache;

    @Test
    void unpacksTheFilesOfExamplesIntoAVersionedHashedFolder() throws Exception {
        DemoModel.Index index = DemoModel.Index.read();
        Path dir = DemoModel.unpack(cache, index);
        assertEquals(cache.resolve("demo-model"), dir.getParent());
        assertTrue(dir.getFileName().toString().matches("[A-Za-z0-9._-]+-[0-9a-f]{16}"), dir.toString());

        Set<String> expected = new TreeSet<>();
        for (Path f : files(EXAMPLES.resolve("demo-model"))) {
            expected.add("model/" + EXAMPLES.resolve("demo-model").relativize(f).toString().replace('\\', '/'));
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(dir.resolve("model").resolve(
                    EXAMPLES.resolve("demo-model").relativize(f))), f.toString());
        }
        for (Path f : files(EXAMPLES.resolve("samples/images"))) {
            expected.add("samples/" + f.getFileName());
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(dir.resolve("samples").resolve(f.getFileName())));
        }
        expected.add("samples/real.png");
        assertArrayEquals(Files.readAllBytes(EXAMPLES.resolve("samples/real.png")),
                Files.readAllBytes(dir.resolve("samples/real.png")));
        assertEquals(expected, new TreeSet<>(index.files()));
        Set<String> unpacked = files(dir).stream().map(f -> dir.relativize(f).toString().replace('\\', '/'))
                .filter(n -> !n.equals(DemoModel.MANIFEST)).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, unpacked);

        // a second call reuses the folder as it is
        long modified = Files.getLastModifiedTime(dir.resolve("model/config.json")).toMillis();
        assertEquals(dir, DemoModel.unpack(cache, index));
        assertEquals(modified, Files.getLastModifiedTime(dir.resolve("model/config.json")).toMillis());
    }

    @Test
    void aFolderWithAFileCutShortIsUnpackedAgain() throws Exception {
        DemoModel.Index index = DemoModel.Index.read();
        Path dir = DemoModel.unpack(cache, index);
        Path config = dir.resolve("model/config.json");
        byte[] good = Files.readAllBytes(config);
        Files.write(config, new byte[] {'{'});
        assertFalse(DemoModel.complete(dir, index));
        assertEquals(dir, DemoModel.unpack(cache, index));
        assertArrayEquals(good, Files.readAllBytes(config));
        assertTrue(DemoModel.complete(dir, index));
        try (Stream<Path> s = Files.list(dir.getParent())) {
            assertEquals(List.of(dir), s.toList(), "leftover temporary or stale folders");
        }
    }

    @Test
    void severalJvmsUnpackingAtOnceAgreeOnOneCompleteFolder() throws Exception {
        int n = 3;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            processes.add(new ProcessBuilder(java, "-Dlegion.cache=" + cache, "-cp",
                    System.getProperty("java.class.path"), DemoModelRace.class.getName())
                    .redirectErrorStream(true).start());
        }
        Set<String> printed = new TreeSet<>();
        for (Process p : processes) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor(), out);
            printed.add(out.lines().reduce((a, b) -> b).orElse(""));
        }
        DemoModel.Index index = DemoModel.Index.read();
        Path dir = index.folder(cache);
        assertEquals(Set.of(dir.resolve("model").toString()), printed);
        assertTrue(DemoModel.complete(dir, index));
        try (Stream<Path> s = Files.list(dir.getParent())) {
            assertEquals(List.of(dir), s.toList(), "leftover temporary folders");
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
