package ai.legion.cli;

import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.Presets;
import ai.legion.core.config.SamConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.DType;
import ai.legion.core.io.ShardedCheckpoint;
import ai.legion.core.io.TensorInfo;
import ai.legion.core.text.SafeText;
import ai.legion.models.LegionModel;
import ai.legion.models.nn.WeightMap;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code legion inspect CHECKPOINT}: what a checkpoint holds and whether it fits LEGION, without loading it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        header = "Show a checkpoint's config, tensors and parameter count, and check its keys.",
        description = {"Show a checkpoint's config, tensors (key, dtype, shape), parameter count and, for a "
                + "GLaMM/LEGION folder, the keys missing, unexpected or mis-shaped against the model. Reads headers "
                + "and the pickle index only (a pickle referencing anything but tensors is rejected, nothing is "
                + "executed).",
            "Exit code: 0 = readable (and matching, for a LEGION folder), 1 = mismatching keys, 2 = unreadable."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "File, *.index.json or model folder.")
    Path path;

    @Option(names = "--keys", defaultValue = "40", paramLabel = "N",
            description = "Tensors to list (-1 = all; default ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--filter", paramLabel = "PREFIX", description = "Only list tensors whose key starts with this.")
    String filter;

    @Option(names = "--sam-config", paramLabel = "FILE|PRESET",
            description = "SAM sizes for the key check (default: inferred from the checkpoint).")
    String samConfig;

    @Option(names = "--decoder-heads", defaultValue = "8",
            description = "SAM two-way transformer heads when SAM sizes are inferred (default ${DEFAULT-VALUE}).")
    int decoderHeads;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        try (Checkpoint ckpt = Checkpoints.open(path)) {
            Map<String, TensorInfo> infos = ckpt.infos();
            String kind = ckpt instanceof ShardedCheckpoint s ? "sharded, " + s.shards().size() + " files"
                    : Checkpoints.sniff(ckpt.path()).name().toLowerCase(java.util.Locale.ROOT);
            // keys, metadata and shard names come from the file: printed through SafeText
            out.printf("checkpoint %s (%s)%n", SafeText.forTerminalLine(ckpt.path()), kind);
            long params = 0;
            long bytes = 0;
            Map<DType, long[]> byType = new EnumMap<>(DType.class);
            for (TensorInfo t : infos.values()) {
                params += t.numel();
                bytes += t.byteLength();
                long[] acc = byType.computeIfAbsent(t.dtype(), d -> new long[2]);
                acc[0]++;
                acc[1] += t.numel();
            }
            out.printf("tensors %,d; elements %,d; %.1f MB stored%n", infos.size(), params, bytes / 1e6);
            byType.forEach((d, a) -> out.printf("  %-5s %,6d tensors %,16d elements%n", d, a[0], a[1]));
            if (!ckpt.metadata().isEmpty()) {
                out.println("metadata " + SafeText.forTerminalLine(ckpt.metadata()));
            }
            listTensors(ckpt, infos);
            Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
            Path config = dir == null ? null : dir.resolve("config.json");
            if (config != null && Files.isRegularFile(config) && "llava".equals(modelType(config))) {
                return checkLegion(LegionConfig.read(config), infos, dir.resolve("clip"));
            }
            return 0;
        } finally {
            out.flush();
        }
    }

    private void listTensors(Checkpoint ckpt, Map<String, TensorInfo> infos) {
        List<TensorInfo> shown = new ArrayList<>();
        for (TensorInfo t : infos.values()) {
            if (filter == null || t.name().startsWith(filter)) {
                shown.add(t);
            }
        }
        int n = keys < 0 ? shown.size() : Math.min(keys, shown.size());
        out.printf("%-72s %-5s %s%n", "key", "dtype", "shape");
        for (TensorInfo t : shown.subList(0, n)) {
            out.printf("%-72s %-5s %s%n", SafeText.forTerminalLine(t.name()), t.dtype(),
                    TensorInfo.format(t.shape()));
        }
        if (n < shown.size()) {
            out.printf("... %d more (--keys -1 lists all)%n", shown.size() - n);
        }
    }

    private int checkLegion(LegionConfig config, Map<String, TensorInfo> infos, Path clipDir) throws Exception {
        boolean tower = infos.containsKey(LegionModel.TOWER_PREFIX + "embeddings.class_embedding");
        SamConfig sam = sam(infos);
        boolean clipFolder = Files.isRegularFile(clipDir.resolve("config.json"));
        ClipVisionConfig clip = clipFolder ? ClipVisionConfig.read(clipDir.resolve("config.json")) : Presets.clipL336();
        boolean head = infos.containsKey("prediction_head.0.weight");
        WeightMap expected = LegionModel.expectedWeights(config, clip, sam, head, tower);
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (WeightMap.Entry e : expected.entries().values()) {
            TensorInfo t = infos.get(e.key());
            if (t == null) {
                missing.add(e.key());
            } else if (!java.util.Arrays.equals(t.shape(), e.shape().getShape())) {
                wrongShape.add(e.key() + " " + TensorInfo.format(t.shape()) + " (model: "
                        + TensorInfo.format(e.shape().getShape()) + ")");
            }
        }
        List<String> unexpected = new ArrayList<>();
        int ignored = 0;
        for (String k : infos.keySet()) {
            if (!expected.entries().containsKey(k)) {
                if (LegionModel.IGNORABLE_KEYS.test(k) || !tower && k.startsWith("model.vision_tower.")) {
                    ignored++;
                } else {
                    unexpected.add(k);
                }
            }
        }
        out.printf("LEGION model: %,d parameters in %d tensors (LLM %d layers x %d, vocab %d; SAM %d blocks x %d; "
                        + "detection head %s)%n", expected.parameterCount(), expected.entries().size(),
                config.llama().numHiddenLayers(), config.llama().hiddenSize(), config.llama().vocabSize(),
                sam.imageEncoder().depth(), sam.imageEncoder().embedDim(),
                head ? "present" : "absent");
        if (!tower && clipFolder) {
            // the tower LEGION runs with lives in clip/ (the layout LegionModel.save and the checkpoint maker write)
            long all = LegionModel.expectedWeights(config, clip, sam, head, true).parameterCount();
            out.printf("with the CLIP vision tower of clip/ (%,d parameters, %d layers x %d): %,d parameters%n",
                    all - expected.parameterCount(), clip.numHiddenLayers(), clip.hiddenSize(), all);
        }
        out.printf("key check: %d missing, %d unexpected, %d with another shape, %d ignored (rotary inv_freq, "
                + "region_encoder, vision_tower)%n", missing.size(), unexpected.size(), wrongShape.size(), ignored);
        print("missing", missing);
        print("unexpected", unexpected);
        print("other shape", wrongShape);
        return missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty() ? 0 : 1;
    }

    private SamConfig sam(Map<String, TensorInfo> infos) throws Exception {
        if (samConfig != null) {
            return SamConfig.presetOrRead(samConfig);
        }
        Map<String, long[]> shapes = new HashMap<>();
        infos.forEach((k, t) -> shapes.put(k, t.shape()));
        return SamConfig.inferFromShapes(shapes, "model.grounding_encoder.", decoderHeads);
    }

    private void print(String what, List<String> keys) {
        for (String k : keys.subList(0, Math.min(keys.size(), 20))) {
            out.println("  " + what + ": " + SafeText.forTerminalLine(k));
        }
        if (keys.size() > 20) {
            out.println("  ... " + (keys.size() - 20) + " more " + what);
        }
    }

    private static String modelType(Path config) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()).path("model_type").asText("");
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
