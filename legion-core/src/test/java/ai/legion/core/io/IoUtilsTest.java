package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoUtilsTest {

    @TempDir
    Path dir;

    @Test
    void writesBytesAtomicallyWithoutLeavingTemporaryFiles() throws Exception {
        Path f = dir.resolve("sub").resolve("a.bin");
        IoUtils.writeAtomically(f, new byte[] {1, 2, 3});
        IoUtils.writeAtomically(f, new byte[] {4, 5});
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList());
        }
    }

    @Test
    void deletesATreeDeepestFirstAndIgnoresAMissingPath() throws Exception {
        Path root = dir.resolve("tree");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/b/c/x.txt"), "x");
        Files.writeString(root.resolve("a/y.txt"), "y");
        Path kept = dir.resolve("kept.txt");
        Files.writeString(kept, "k");
        IoUtils.deleteRecursively(root);
        assertFalse(Files.exists(root));
        assertTrue(Files.exists(kept));
        IoUtils.deleteRecursively(root); // already gone: nothing to do
        IoUtils.deleteRecursively(kept);
        assertFalse(Files.exists(kept));
    }
}
