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

    /**
     * A copy of the tiny model folder in {@code dir} as one safetensors file without the tensors whose
     * key starts with {@code dropPrefix} (config, tokenizer and added tokens copied along).
     */
    public static Path copyWithout(Path dir, String dropPrefix) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        Path src = Parity.folder("legion_tiny");
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (java.nio.file.Files.isRegularFile(f) && (name.endsWith(".json") && !name.endsWith("index.json")
                        || name.startsWith("tokenizer") || name.startsWith("special"))) {
                    java.nio.file.Files.copy(f, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try (ai.legion.core.io.Checkpoint ckpt = ai.legion.core.io.Checkpoints.open(src)) {
            ai.legion.core.io.SafetensorsWriter w = new ai.legion.core.io.SafetensorsWriter();
            for (String key : ckpt.keys()) {
                if (!key.startsWith(dropPrefix)) {
                    w.add(ckpt.info(key), out -> ckpt.copyTo(key, out));
                }
            }
            w.write(dir.resolve("model.safetensors"));
        }
        return dir;
    }

    /** The tiny model of the fixture root. */
    public static LegionModel load() throws Exception {
        return load(Parity.folder("legion_tiny"));
    }
}
