package ai.legion.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.config.LegionConfig;
import ai.legion.core.config.LlamaConfig;
import ai.legion.core.config.Presets;
import ai.legion.core.config.SamConfig;
import ai.legion.models.EngineThreads;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.decoder.PixelDecoder;
import ai.legion.models.heads.DetectionHead;
import ai.legion.models.heads.TextHiddenProjection;
import ai.legion.models.heads.VisionLanguageProjector;
import ai.legion.models.lm.KvCache;
import ai.legion.models.llama.LlamaForCausalLM;
import ai.legion.models.lm.LmInput;
import ai.legion.models.lm.LogitsSelection;
import ai.legion.models.nn.StateDictBlock;
import ai.legion.models.nn.WeightMap;
import ai.legion.models.sam.GroundingImageEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code legion bench forward}: median forward time and peak memory of each block for the sizes of
 * any config file (random weights), so the same sizes can be timed side by side with PyTorch.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        header = "Median forward time and peak RSS per block, with random weights.",
        description = {"Median forward time and peak RSS per block, random weights, sizes from a config file:",
            "  SAM constructor JSON (image_encoder/prompt_encoder/mask_decoder) or a preset name vit_h|vit_l|vit_b; "
                    + "LLaMA config.json (model_type llama); CLIP vision or CLIP config.json; GLaMM/LEGION "
                    + "config.json (model_type llava: CLIP-L/336, LLM, heads and SAM vit_h unless overridden)."})
final class ForwardBenchmark implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE|PRESET", description = "Config file or SAM preset.")
    String config;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs per block (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per block (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--tokens", defaultValue = "512", description = "LLM sequence length (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "libtorch intra-op threads (default 0: libtorch's, one per core unless OMP_NUM_THREADS says "
                    + "otherwise).")
    int threads;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--masks", defaultValue = "3", description = "[SEG] prompts for the pixel decoder (default ${DEFAULT-VALUE}).")
    int masks;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--clip-config", description = "CLIP config for a LEGION config (default: CLIP-L/336).")
    Path clipConfig;

    @Option(names = "--sam-config", description = "SAM config file or preset for a LEGION config (default: vit_h).")
    String samConfig;

    @Option(names = "--profile", paramLabel = "DIR",
            description = "Record libtorch's operators during the timed runs: a Chrome trace per block in DIR "
                    + "(chrome://tracing, Perfetto) and the operators with the most self time printed. The times "
                    + "then include the profiler's own cost.")
    Path profile;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Operators printed per block with --profile. */
    private static final int PROFILE_TOP = 12;

    /**
     * One block to time: its parameters, and per run an untimed setup (given the run's manager for the
     * activations) that returns the timed forward.
     */
    private record Case(String name, StateDictBlock block, Function<NDManager, Supplier<NDArray>> prepare,
            long unreadParams) {
        static Case of(String name, StateDictBlock block, Function<NDManager, NDArray> forward) {
            return new Case(name, block, m -> () -> forward.apply(m), -1);
        }

        /** Whether a run reads every weight but {@code unreadParams} once, so memory bandwidth bounds it. */
        boolean bandwidthBound() {
            return unreadParams >= 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        DataType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32" -> DataType.FLOAT32;
            case "float16", "fp16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float16, got " + dtype);
        };
        if (warmup < 0 || runs < 1 || tokens < 1 || batch < 1 || masks < 0) {
            throw new IllegalArgumentException("--warmup >= 0, --runs >= 1, --tokens/--batch >= 1, --masks >= 0");
        }
        try (NDManager params = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(params, false);
            List<Case> cases = cases(ps, type);
            if (threads > 0) {
                EngineThreads.set(threads);
            }
            System.out.printf("config %s; batch %d; %s; %d warmup + %d timed runs; %d libtorch threads, %d cores%n",
                    config, batch, type, warmup, runs, EngineThreads.get(), Runtime.getRuntime().availableProcessors());
            System.out.printf("%-40s %10s %10s %10s %12s %12s%n", "block", "params M", "median ms", "min ms",
                    "weights MB", "peak MB");
            List<String> floors = new ArrayList<>();
            for (Case c : cases) {
                Timing t = run(c, params, type);
                if (c.bandwidthBound()) {
                    floors.add(floor(c, t, type, params));
                }
            }
            System.out.println("peak MB = VmHWM while the block's weights are made and it runs, minus the RSS "
                    + "before (weights + activations + allocator slack); weights MB = parameter bytes");
            floors.forEach(System.out::println);
        }
        return 0;
    }

    /** A case's median time and the weight bytes one run reads. */
    private record Timing(double medianMs, long weightBytes) {}

    private Timing run(Case c, NDManager params, DataType type) throws IOException {
        System.gc();
        long before = IoBenchmark.rss();
        IoBenchmark.resetPeakRss();
        WeightMap weights = c.block.weightMap("");
        weights.initialize(params, type, 0.02f, 7);
        for (int i = 0; i < warmup; i++) {
            try (NDManager m = params.newSubManager()) {
                c.prepare.apply(m).get();
            }
        }
        double[] ms = new double[runs];
        if (profile != null) {
            TorchProfile.start();
        }
        for (int i = 0; i < runs; i++) {
            try (NDManager m = params.newSubManager()) {
                Supplier<NDArray> forward = c.prepare.apply(m);
                long t0 = System.nanoTime();
                NDArray out = forward.get();
                out.toType(DataType.FLOAT32, false).sum().getFloat(); // force completion
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        long peak = IoBenchmark.peakRss();
        Path trace = null;
        if (profile != null) {
            trace = profile.resolve(c.name.replaceAll("[^A-Za-z0-9._-]+", "_") + ".json");
            TorchProfile.stop(trace);
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        long count = weights.parameterCount();
        System.out.printf("%-40s %10.1f %10.1f %10.1f %12.0f %12.0f%n", c.name, count / 1e6, median, sorted[0],
                count * (double) type.getNumOfBytes() / 1e6, (peak - before) / 1e6);
        if (trace != null) {
            printProfile(trace);
        }
        for (WeightMap.Entry e : weights.entries().values()) {
            e.parameter().close(); // free this block's weights before the next block allocates its own
        }
        return new Timing(median, (count - Math.max(0, c.unreadParams)) * (long) type.getNumOfBytes());
    }

    private void printProfile(Path trace) throws IOException {
        List<TorchProfile.Op> ops = TorchProfile.summarize(trace);
        double all = ops.stream().mapToDouble(TorchProfile.Op::selfMs).sum();
        System.out.printf("  profile of the %d timed runs (%s), self time per run:%n", runs, trace);
        for (TorchProfile.Op op : ops.subList(0, Math.min(PROFILE_TOP, ops.size()))) {
            System.out.printf("    %-36s %8.1f ms %5.1f%% %8d calls%n", op.name(), op.selfMs() / runs,
                    100 * op.selfMs() / all, op.calls() / runs);
        }
    }

    /**
     * The memory-bandwidth floor of a case that reads its weights once per run: weight bytes / the bandwidth of a
     * libtorch copy of a 256 MiB array into another on the same threads (bytes copied per second, best of 5), and,
     * stricter, of a sum over it (bytes read per second).
     */
    private String floor(Case c, Timing timing, DataType type, NDManager params) {
        long n = (256L << 20) / 4; // 256 MiB: far beyond the caches
        double copy = Double.MAX_VALUE;
        double read = Double.MAX_VALUE;
        try (NDManager m = params.newSubManager()) {
            NDArray a = m.randomUniform(0, 1, new Shape(n), DataType.FLOAT32);
            NDArray b = m.zeros(new Shape(n), DataType.FLOAT32); // touched: the copy times no page faults
            NDIndex all = new NDIndex("...");
            for (int i = 0; i < 6; i++) { // the first of each is a warm-up
                long t0 = System.nanoTime();
                b.set(all, a); // copies into b's memory
                b.getFloat(0);
                double t = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                a.sum().getFloat();
                double r = (System.nanoTime() - t1) / 1e9;
                if (i > 0) {
                    copy = Math.min(copy, t);
                    read = Math.min(read, r);
                }
            }
        }
        double bytes = timing.weightBytes();
        double medianMs = timing.medianMs();
        double copyBw = n * 4.0 / copy;
        double readBw = n * 4.0 / read;
        double floorMs = bytes / copyBw * 1e3;
        double readFloorMs = bytes / readBw * 1e3;
        return String.format(Locale.ROOT, "floor of %s: it reads %.1f MB of %s weights: copy bandwidth %.1f GB/s"
                + " -> floor %.2f ms, median %.2f ms = %.2fx the floor; read bandwidth (sum) %.1f GB/s -> floor %.2f ms"
                + " = %.2fx",
                c.name, bytes / 1e6, type, copyBw / 1e9, floorMs, medianMs, medianMs / floorMs, readBw / 1e9,
                readFloorMs, medianMs / readFloorMs);
    }

    private List<Case> cases(ParameterStore ps, DataType type) throws Exception {
        SamConfig preset = samPreset(config);
        if (preset != null) {
            return samCases(ps, preset, type);
        }
        Path file = Path.of(config);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config " + config + " is neither a file nor a SAM preset (vit_h, vit_l, vit_b)");
        }
        JsonNode root = JSON.readTree(file.toFile());
        String modelType = root.path("model_type").asText("");
        if (root.has("image_encoder")) {
            return samCases(ps, SamConfig.read(file), type);
        }
        switch (modelType) {
            case "llama":
                return llamaCases(ps, LlamaConfig.read(file), type);
            case "clip", "clip_vision_model":
                return List.of(clipCase(ps, ClipVisionConfig.read(file), type));
            case "llava":
                return legionCases(ps, LegionConfig.read(file), type);
            default:
                throw new IllegalArgumentException(file + ": cannot tell the model from model_type '" + modelType
                        + "' (expected llama, clip, clip_vision_model, llava, or a SAM constructor JSON)");
        }
    }

    private static SamConfig samPreset(String name) {
        try {
            return SamConfig.preset(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private List<Case> samCases(ParameterStore ps, SamConfig sam, DataType type) {
        int img = sam.imageEncoder().imgSize();
        GroundingImageEncoder encoder = new GroundingImageEncoder(sam);
        PixelDecoder decoder = new PixelDecoder(sam);
        int e = sam.promptEncoder().embedDim();
        int g = sam.gridSize();
        return List.of(
                Case.of("sam.image_encoder " + img + "x" + img, encoder,
                        m -> encoder.forward(ps, m.randomNormal(new Shape(batch, 3, img, img), type), false)),
                Case.of("sam.pixel_decoder K=" + masks, decoder,
                        m -> decoder.decode(ps, m.randomNormal(new Shape(1, e, g, g), type),
                                m.randomNormal(new Shape(masks, e), type), false)));
    }

    private List<Case> llamaCases(ParameterStore ps, LlamaConfig cfg, DataType type) {
        // one instance per case: each case allocates (and frees) its own weights
        LlamaForCausalLM llm = new LlamaForCausalLM(cfg);
        LlamaForCausalLM llm2 = new LlamaForCausalLM(cfg);
        int vocab = cfg.vocabSize();
        return List.of(
                Case.of("llm.prefill " + tokens + " tokens (+lm_head last)", llm, m -> llm.forward(ps,
                        LmInput.ofIds(m.randomInteger(0, vocab, new Shape(batch, tokens), DataType.INT64)),
                        LogitsSelection.last(1), false).logits()),
                new Case("llm.decode 1 token after " + tokens + " (KV cache)", llm2, m -> {
                    KvCache cache = llm2.newKvCache(m, batch, tokens + 1); // freed with the run's manager
                    llm2.prefillIds(ps, m.randomInteger(0, vocab, new Shape(batch, tokens), DataType.INT64), null, cache);
                    NDArray next = m.randomInteger(0, vocab, new Shape(batch), DataType.INT64);
                    return () -> llm2.step(ps, next, null, cache).logits();
                }, (long) (vocab - batch) * cfg.hiddenSize())); // a step reads one embedding row per sequence
    }

    private Case clipCase(ParameterStore ps, ClipVisionConfig cfg, DataType type) {
        GlobalImageEncoder clip = new GlobalImageEncoder(cfg);
        int s = cfg.imageSize();
        return Case.of("clip " + s + "x" + s + " (" + cfg.numHiddenLayers() + " layers)", clip,
                m -> clip.forward(ps, m.randomNormal(new Shape(batch, 3, s, s), type), false).lastHiddenState());
    }

    private List<Case> legionCases(ParameterStore ps, LegionConfig cfg, DataType type) throws Exception {
        ClipVisionConfig clip = clipConfig != null ? ClipVisionConfig.read(clipConfig) : Presets.clipL336();
        SamConfig sam = samConfig == null ? SamConfig.vitH() : SamConfig.presetOrRead(samConfig);
        List<Case> out = new ArrayList<>();
        out.add(clipCase(ps, clip, type));
        VisionLanguageProjector projector = new VisionLanguageProjector(cfg);
        int n = cfg.numImageTokens(clip);
        out.add(Case.of("mm_projector (" + n + " tokens)", projector,
                m -> projector.forward(ps, m.randomNormal(new Shape(batch, n, cfg.mmHiddenSize()), type), false)));
        out.addAll(llamaCases(ps, cfg.llama(), type));
        TextHiddenProjection fcs = new TextHiddenProjection(cfg);
        out.add(Case.of("text_hidden_fcs (K=" + masks + ")", fcs,
                m -> fcs.forward(ps, m.randomNormal(new Shape(masks, cfg.llama().hiddenSize()), type), false)));
        out.addAll(samCases(ps, sam, type));
        DetectionHead head = new DetectionHead(cfg);
        out.add(Case.of("prediction_head", head,
                m -> head.forward(ps, m.randomNormal(new Shape(batch, cfg.mmHiddenSize()), type), false)));
        return out;
    }
}
