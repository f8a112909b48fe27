package ai.legion.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.config.LegionConfig;
import ai.legion.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How notebooks find the demo model with and without a checkout. */
class LegionHomeTest {

    @TempDir
    Path tmp;

    /** The checkout these tests run in (the build sets -Dlegion.home as install-kernel.sh does). */
    private static Path checkoutRoot() {
        return Path.of(System.getProperty(LegionHome.PROPERTY, "..")).toAbsolutePath().normalize();
    }

    @Test
    void outsideACheckoutTheDemoModelAndSamplesComeFromTheJar() throws Exception {
        Optional<Path> none = LegionHome.checkout(null, "-D" + LegionHome.PROPERTY, tmp);
        assertTrue(none.isEmpty(), () -> "found a checkout above " + tmp + ": " + none);
        Path model = LegionHome.demoModel(none);
        assertEquals(DemoModel.path(), model);
        // the unpacked folder is a LEGION model folder the loader reads
        assertEquals(LegionConfig.read(checkoutRoot().resolve("examples/demo-model/config.json")),
                LegionConfig.read(model.resolve("config.json")));
        Path samples = LegionHome.sampleImages(none);
        for (String name : new String[] {"fake-1.png", "fake-2.png", "fake-3.png", "real.png"}) {
            assertTrue(Files.size(samples.resolve(name)) > 0, name);
        }
    }

    @Test
    void insideACheckoutTheCheckoutsFilesWinFromAnySubfolder() {
        Path root = checkoutRoot();
        Optional<Path> found = LegionHome.checkout(null, LegionHome.ENV, root.resolve("examples/notebooks"));
        assertEquals(Optional.of(root), found);
        assertEquals(root.resolve("examples/demo-model"), LegionHome.demoModel(found));
        assertEquals(root.resolve("examples/samples/images"), LegionHome.sampleImages(found));
    }

    @Test
    void aConfiguredRootWithoutTheDemoModelIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LegionHome.checkout(tmp.toString(), LegionHome.ENV, Path.of("")));
        assertTrue(e.getMessage().startsWith(LegionHome.ENV + " is " + tmp.toAbsolutePath().normalize()
                + ", which has no examples/demo-model folder"), e.getMessage());
    }
}
