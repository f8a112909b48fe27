package ai.legion.cli;

import ai.legion.models.loading.CheckpointMaker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code legion bench checkpoint}: a random-weight LEGION folder at real size, in the upstream release layout. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        header = "Write a random-weight LEGION model folder at real size, in the upstream release layout.",
        description = {"Writes config.json, generation_config.json, added_tokens.json, the LLaMA tokenizer files, "
                + "bf16 pytorch_model-0000i-of-0000N.bin shards (torch.save zip) with pytorch_model.bin.index.json "
                + "and every key of the upstream state dict (LLM, mm_projector, region encoder, SAM, text_hidden_fcs, "
                + "lm_head, prediction_head), and a clip/ folder (CLIP ViT-L/14-336 as openai ships it).",
            "Weights are random (N(0, std) for matrices, norm scales 1, biases 0), deterministic for a seed, "
                + "generated and written in chunks (a few MB of memory), into a temporary folder renamed into place "
                + "when complete. legion-7b writes about 18.5 GB; legion-7b-2l (2 LLM layers) about 6.3 GB."})
final class CheckpointBenchmark implements Callable<Integer> {

    @Option(names = "--preset", defaultValue = "legion-7b", paramLabel = "NAME",
            description = "legion-7b or legion-7b-2l (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model folder to write.")
    Path out;

    @Option(names = "--llm-layers", paramLabel = "N", description = "LLM layers (default: the preset's).")
    Integer llmLayers;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--std", defaultValue = "0.02",
            description = "Std of matrix and embedding weights (default ${DEFAULT-VALUE}, HF's initializer_range).")
    float std;

    @Option(names = "--max-shard-size", defaultValue = "10GB", paramLabel = "SIZE", converter = ByteSize.class,
            description = "Largest shard, as save_pretrained's max_shard_size: 10GB, 500MB, 2GiB or bytes "
                    + "(default ${DEFAULT-VALUE}).")
    long maxShardBytes;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Folder with the LLaMA tokenizer (tokenizer.json or tokenizer.model; default: the demo "
                    + "model's).")
    Path tokenizer;

    @Option(names = "--no-detection-head", description = "Leave out prediction_head (a GLaMM / stage-1 folder).")
    boolean noDetectionHead;

    @Option(names = "--force", description = "Replace DIR if it exists and is not empty.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        CheckpointMaker.Spec s = CheckpointMaker.preset(preset);
        if (llmLayers != null) {
            s = s.withLlmLayers(llmLayers);
        }
        if (noDetectionHead) {
            s = s.withDetectionHead(false);
        }
        long[] lastPrint = {0};
        CheckpointMaker maker = new CheckpointMaker(s).seed(seed).std(std).maxShardBytes(maxShardBytes)
                .tokenizer(tokenizer != null ? tokenizer : DemoModel.folder()).replace(force)
                .progress(p -> {
                    long now = System.nanoTime();
                    if (now - lastPrint[0] >= 5_000_000_000L || p.bytesDone() == p.bytesTotal()) {
                        lastPrint[0] = now;
                        w.printf(Locale.ROOT, "  %6.2f / %.2f GB (%3.0f%%) %6.0f MB/s  %s%n", p.bytesDone() / 1e9,
                                p.bytesTotal() / 1e9, 100.0 * p.bytesDone() / p.bytesTotal(),
                                p.bytesDone() / 1e6 / Math.max(p.seconds(), 1e-9), p.file());
                        w.flush();
                    }
                });
        w.printf(Locale.ROOT, "writing %s (seed %d, std %s) to %s%n", s.name(), seed, std, out);
        for (CheckpointMaker.FilePlan f : maker.plan()) {
            w.printf(Locale.ROOT, "  %-36s %5d tensors %,18d bytes%n", f.path(), f.tensors().size(), f.bytes());
        }
        w.flush();
        CheckpointMaker.Summary sum = maker.write(out);
        w.printf(Locale.ROOT, "wrote %s in %.1f s (%.0f MB/s)%n", sum.dir(), sum.seconds(),
                sum.bytes() / 1e6 / sum.seconds());
        sum.files().forEach((name, size) -> w.printf(Locale.ROOT, "  %-36s %,18d bytes%n", name, size));
        w.printf(Locale.ROOT, "%d files, %,d bytes; %,d tensors, %,d elements; LEGION model parameters %,d "
                + "(LLM, projector, text_hidden_fcs, SAM, heads and the CLIP vision tower; the region encoder, "
                + "CLIP's text tower and buffers are in the files but unused)%n", sum.files().size(), sum.bytes(),
                sum.tensors(), sum.elements(), sum.parameters());
        return 0;
    }

    /**
     * A size as transformers' {@code convert_file_size_to_int} reads it: decimal units (KB, MB, GB), binary ones
     * (KiB, MiB, GiB), or plain bytes.
     */
    static final class ByteSize implements ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B|B)?",
                Pattern.CASE_INSENSITIVE);

        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a size: '" + value + "' (e.g. 10GB, 500MB, 2GiB, 1000000)");
            }
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
            double factor = switch (unit) {
                case "KB" -> 1e3;
                case "MB" -> 1e6;
                case "GB" -> 1e9;
                case "TB" -> 1e12;
                case "KIB" -> 1L << 10;
                case "MIB" -> 1L << 20;
                case "GIB" -> 1L << 30;
                case "TIB" -> 1L << 40;
                default -> 1;
            };
            double bytes = n * factor;
            if (bytes < 1 || bytes > Long.MAX_VALUE) {
                throw new IllegalArgumentException("size out of range: '" + value + "'");
            }
            return (long) bytes;
        }
    }
}
