package ai.legion.models.testing;

import ai.legion.core.config.SamConfig;
import ai.legion.models.LegionModel;
import java.nio.file.Path;

/** Loads the complete tiny LEGION fixture model ({@code parity/legion_tiny} + its CLIP + sam's config). */
public final class TinyLegion {

    private TinyLegion() {}

    /** The tiny model from a folder laid out like {@code parity/legion_tiny}. */
    public static LegionModel load(Path dir) throws Exception {
        return LegionModel.loader().model(dir).clip(Parity.folder("legion_tiny/clip"))
                .samConfig(SamConfig.read(Parity.folder("sam").resolve("config.json"))).load();
    }

    /** The tiny model of the fixture root. */
    public static LegionModel load() throws Exception {
        return load(Parity.folder("legion_tiny"));
    }
}
