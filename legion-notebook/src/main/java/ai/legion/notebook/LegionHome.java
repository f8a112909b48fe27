package ai.legion.notebook;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the notebooks find the repository's files: the demo model, the sample images and the training configs.
 *
 * <p>The root is the {@code legion.home} system property (examples/notebooks/install-kernel.sh sets it in the
 * kernelspec), else the {@code LEGION_HOME} environment variable, else the nearest folder at or above the working
 * directory (Jupyter starts a kernel in the notebook's folder) that holds {@code examples/demo-model}.
 */
public final class LegionHome {

    /** The system property naming the repository root. */
    public static final String PROPERTY = "legion.home";

    /** The environment variable naming the repository root. */
    public static final String ENV = "LEGION_HOME";

    private static final String DEMO_MODEL = "examples/demo-model";

    private LegionHome() {}

    /**
     * The repository root.
     *
     * @throws IllegalStateException naming the places looked at when none holds {@code examples/demo-model}
     */
    public static Path root() {
        String configured = System.getProperty(PROPERTY);
        String from = "-D" + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            from = ENV;
        }
        if (configured != null && !configured.isBlank()) {
            Path root = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(root.resolve(DEMO_MODEL))) {
                throw new IllegalStateException(from + " is " + root + ", which has no " + DEMO_MODEL
                        + " folder: point it at the root of a legion-jvm checkout");
            }
            return root;
        }
        Path start = Path.of("").toAbsolutePath().normalize();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(DEMO_MODEL))) {
                return p;
            }
        }
        throw new IllegalStateException("no " + DEMO_MODEL + " folder at or above " + start + ", and neither -D"
                + PROPERTY + " nor " + ENV + " is set: install the kernel with examples/notebooks/install-kernel.sh "
                + "or start Jupyter inside a legion-jvm checkout");
    }

    /** The bundled demo model, a LEGION folder the analyzer loads. */
    public static Path demoModel() {
        return root().resolve(DEMO_MODEL);
    }

    /** The sample images ({@code examples/samples/images}). */
    public static Path sampleImages() {
        return root().resolve("examples/samples/images");
    }

    /** The training configs of the demo model ({@code examples/configs}). */
    public static Path configs() {
        return root().resolve("examples/configs");
    }
}
