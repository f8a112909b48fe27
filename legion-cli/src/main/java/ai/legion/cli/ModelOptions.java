package ai.legion.cli;

import ai.djl.Device;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.models.Precision;
import ai.legion.models.lm.GenerationOptions;
import ai.legion.Legion;
import ai.legion.models.inference.LegionAnalyzer;
import ai.legion.models.memory.MemoryBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How a LEGION model folder is loaded: the options analyze, eval and refine share (a picocli mixin). */
final class ModelOptions {

    @Option(names = "--clip", paramLabel = "DIR", description = "CLIP folder (default: MODEL/clip if present).")
    Path clip;

    @Option(names = "--sam-config", paramLabel = "FILE|PRESET",
            description = "SAM sizes: vit_b, vit_l, vit_h or a JSON file (default: MODEL/sam_config.json, else "
                    + "inferred from the weights).")
    String samConfig;

    @Option(names = "--decoder-heads", defaultValue = "8", paramLabel = "N",
            description = "SAM two-way transformer heads when sizes are inferred (default ${DEFAULT-VALUE}).")
    int decoderHeads;

    @Option(names = "--max-new-tokens", defaultValue = "512", paramLabel = "N",
            description = "Token budget of an explanation (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--gpu", description = "Run on GPU 0 in float16 (needs CUDA libtorch, see README).")
    boolean gpu;

    @Option(names = "--max-memory", paramLabel = "SIZE", converter = MemorySize.class,
            description = "Memory the model may hold: weights, activations and the layers being streamed, e.g. 16g or "
                    + "800m (binary units; default: the physical memory minus the JVM heap and 1 GiB). Layers that do "
                    + "not fit are read from the checkpoint each time they run: slower, same results (see "
                    + "docs/PERFORMANCE.md, Memory-budgeted execution).")
    Long maxMemory;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "libtorch intra-op threads, one setting for the whole process (default ${DEFAULT-VALUE}: "
                    + "the fastest in the threads x batch table of docs/PERFORMANCE.md, measured on a busy 2-core "
                    + "machine; libtorch's own default is one per core).")
    int threads;

    /**
     * An analyzer builder for {@code model} with these options and greedy decoding within --max-new-tokens.
     *
     * @throws CheckpointException if --sam-config names neither a preset nor a readable file
     */
    LegionAnalyzer.Builder analyzer(Path model) throws CheckpointException {
        LegionAnalyzer.Builder b = Legion.analyzer().model(model)
                .generation(GenerationOptions.DEFAULT.withMaxNewTokens(maxNewTokens));
        b.clip(clip != null ? clip : Files.isDirectory(model.resolve("clip")) ? model.resolve("clip") : null);
        if (samConfig != null) {
            b.samConfig(SamConfig.presetOrRead(samConfig));
        } else if (decoderHeads != 8 && !Files.isRegularFile(model.resolve("sam_config.json"))) {
            b.samConfig(inferred(model, decoderHeads));
        }
        if (gpu) {
            b.device(Device.gpu()).precision(Precision.FLOAT16);
        }
        if (maxMemory != null) {
            b.maxMemory(maxMemory);
        }
        return b.threads(threads);
    }

    /** {@code --max-memory}: bytes or a size with k, m, g or t ({@link MemoryBudget#parse}). */
    static final class MemorySize implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return MemoryBudget.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** SAM sizes read from a checkpoint's shapes with a non-default head count (the analyzer assumes 8). */
    static SamConfig inferred(Path model, int heads) throws CheckpointException {
        try (Checkpoint c = Checkpoints.open(model)) {
            Map<String, long[]> shapes = new HashMap<>();
            c.infos().forEach((k, t) -> shapes.put(k, t.shape()));
            return SamConfig.inferFromShapes(shapes, "model.grounding_encoder.", heads);
        }
    }
}
