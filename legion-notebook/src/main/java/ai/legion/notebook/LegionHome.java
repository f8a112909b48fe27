package ai.legion.notebook;

import ai.legion.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the notebooks find the repository's files: the demo model, the sample images and the training configs.
 *
 * <p>The root is the {@code legion.home} system property (examples/notebooks/install-kernel.sh sets it in the
 * kernelspec), else the {@code LEGION_HOME} environment variable, else the nearest folder at or above the working
 * directory (Jupyter starts a kernel in the notebook's folder) that holds {@code examples/demo-model}. A kernel
 * without a checkout (only the Maven artifacts on its class path) gets the demo model and its samples from the
 * {@code legion-demo-model} jar ({@link DemoModel}); the training configs need a checkout.
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
        return checkout().orElseThrow(() -> new IllegalStateException("no " + DEMO_MODEL + " folder at or above "
                + Path.of("").toAbsolutePath().normalize() + ", and neither -D" + PROPERTY + " nor " + ENV
                + " is set: install the kernel with examples/notebooks/install-kernel.sh or start Jupyter inside a "
                + "legion-jvm checkout"));
    }

    /**
     * The checkout the notebooks run in, if any: the configured root (which must then hold the demo model), else
     * the nearest folder at or above the working directory that does.
     *
     * @throws IllegalStateException when -Dlegion.home or LEGION_HOME names a folder without the demo model
     */
    private static Optional<Path> checkout() {
        String configured = System.getProperty(PROPERTY);
        String from = "-D" + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            from = ENV;
        }
        return checkout(configured, from, Path.of(""));
    }

    /** {@link #checkout()} for a configured root ({@code from} names its source) and a working directory. */
    static Optional<Path> checkout(String configured, String from, Path workingDir) {
        if (configured != null && !configured.isBlank()) {
            Path root = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(root.resolve(DEMO_MODEL))) {
                throw new IllegalStateException(from + " is " + root + ", which has no " + DEMO_MODEL
                        + " folder: point it at the root of a legion-jvm checkout");
            }
            return Optional.of(root);
        }
        for (Path p = workingDir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(DEMO_MODEL))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The demo model, a LEGION folder the analyzer loads: the checkout's, else the one in the jar. */
    public static Path demoModel() {
        return demoModel(checkout());
    }

    static Path demoModel(Optional<Path> checkout) {
        return checkout.map(r -> r.resolve(DEMO_MODEL)).orElseGet(DemoModel::path);
    }

    /**
     * The sample images: the checkout's {@code examples/samples/images}, else the demo model's held-out samples
     * from the jar.
     */
    public static Path sampleImages() {
        return sampleImages(checkout());
    }

    static Path sampleImages(Optional<Path> checkout) {
        return checkout.map(r -> r.resolve("examples/samples/images")).orElseGet(DemoModel::samples);
    }

    /** The training configs of the demo model ({@code examples/configs}). */
    public static Path configs() {
        return root().resolve("examples/configs");
    }
}
