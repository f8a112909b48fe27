package ai.legion.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the default model of the command line comes from. */
final class DemoModel {

    private DemoModel() {}

    /**
     * {@code examples/demo-model} under the repository ({@code -Dlegion.home}, set by the {@code ./legion} launcher,
     * else the working directory) when it is there, so a retrained demo model is used as soon as it is written;
     * else the copy in the legion-demo-model jar, unpacked once into the LEGION cache folder.
     *
     * @throws IllegalStateException if the jar's copy cannot be unpacked
     */
    static Path folder() {
        Path home = Path.of(System.getProperty("legion.home", "."));
        Path dir = home.resolve("examples").resolve("demo-model").toAbsolutePath().normalize();
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        return ai.legion.demo.DemoModel.path();
    }

    /** A sample fake of the demo model: the repository's examples/samples/images/fake-1.png, else the jar's copy. */
    static Path sample() {
        Path home = Path.of(System.getProperty("legion.home", "."));
        Path file = home.resolve("examples/samples/images/fake-1.png").toAbsolutePath().normalize();
        return Files.isRegularFile(file) ? file : ai.legion.demo.DemoModel.samples().resolve("fake-1.png");
    }
}
