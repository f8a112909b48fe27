package ai.legion.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the demo model bundled with the repository lives. */
final class DemoModel {

    private DemoModel() {}

    /**
     * {@code examples/demo-model} under the repository: {@code -Dlegion.home} (set by the {@code ./legion}
     * launcher), else the working directory.
     *
     * @throws IllegalArgumentException if the folder is not there (naming where it was looked for)
     */
    static Path folder() {
        Path home = Path.of(System.getProperty("legion.home", "."));
        Path dir = home.resolve("examples").resolve("demo-model").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException("no --model given and the demo model is not at " + dir
                    + " (run from the repository, or pass --model DIR)");
        }
        return dir;
    }
}
