package ai.legion.models.memory;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.DType;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.TensorInfo;
import ai.legion.models.LegionModel;
import ai.legion.models.clip.GlobalImageEncoder;
import ai.legion.models.loading.LegionLoader;
import ai.legion.models.nn.LayerStack;
import ai.legion.models.nn.WeightMap;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Which weights of a LEGION model stay resident and which are streamed per layer, decided from the checkpoint's
 * tensor list and the configs before anything is loaded (HF accelerate's {@code device_map} with
 * {@code max_memory} and offload, for one device).
 *
 * <p>The units are the layers of the model's {@link LayerStack}s: LLaMA's decoder layers, SAM's ViT blocks,
 * CLIP's encoder layers. Everything else (embeddings, {@code lm_head}, norms, projector, {@code text_hidden_fcs},
 * SAM's patch embedding, neck, prompt encoder and mask decoder, the detection head) is always resident. A plan
 * must fit in the budget:
 *
 * <pre>
 * always resident + resident layers + 2 x the largest streamed layer (one running, one read ahead)
 *     + the read buffer (the largest streamed tensor as stored) + the activation reserve ({@link ActivationEstimate})
 * </pre>
 *
 * <p>Layers the LLM runs once per generated token are kept resident first, then CLIP's and SAM's, which run once
 * per image (CLIP's layers after {@code mm_vision_select_layer}, which LEGION never runs, are never kept). The streamed layers of a stack are spread evenly between its resident ones, so each is read while
 * the layers before it compute. With everything streamed the sum is the model's minimum; a smaller budget fails
 * here, before any weight is read ({@link MemoryBudgetException}).
 */
public final class MemoryPlan {

    /** The stages of {@link LegionModel#generate}, in the order they run. */
    public enum Stage {
        /** The vision tower (CLIP), once per image. */
        VISION("CLIP", "vision tower"),
        /** The language model, once for the prompt and once per generated token. */
        LLM("LLM", "language model"),
        /** The grounding encoder (SAM's ViT), once per image. */
        GROUNDING("SAM", "grounding encoder");

        private final String shortName;
        private final String description;

        Stage(String shortName, String description) {
            this.shortName = shortName;
            this.description = description;
        }

        /** {@code CLIP}, {@code LLM}, {@code SAM}. */
        public String shortName() {
            return shortName;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * One weight of a unit.
     *
     * @param parameter the parameter it fills
     * @param source index into {@link #sources()}
     * @param key the key in that checkpoint
     * @param bytes bytes once loaded (the engine's type)
     * @param storedBytes bytes in the file
     */
    public record Tensor(Parameter parameter, int source, String key, long bytes, long storedBytes) {}

    /**
     * One layer of a stack.
     *
     * @param index position in {@link #units()}
     * @param stage the stage that runs it
     * @param name the key prefix of its weights, e.g. {@code model.layers.3.}
     * @param layer the block
     * @param stack the stack it belongs to
     * @param tensors its weights
     * @param bytes bytes once loaded
     * @param streamed whether it is read per use instead of kept
     * @param runs whether LEGION's entries run it (CLIP's layers after {@code mm_vision_select_layer} never run:
     *     they are never kept resident nor read ahead, only read if something else runs them)
     */
    public record Unit(int index, Stage stage, String name, Block layer, LayerStack stack, List<Tensor> tensors,
            long bytes, boolean streamed, boolean runs) {

        /** Bytes of its weights in the file. */
        public long storedBytes() {
            return tensors.stream().mapToLong(Tensor::storedBytes).sum();
        }

        Unit withStreamed(boolean value) {
            return new Unit(index, stage, name, layer, stack, tensors, bytes, value, runs);
        }
    }

    private final long budget;
    private final List<Path> sources;
    private final List<Unit> units;
    private final long alwaysResident;
    private final ActivationEstimate activations;
    private final boolean hostStaging;
    private final NDArrayLoader.FloatPolicy policy;
    private final long minimum;

    private MemoryPlan(long budget, List<Path> sources, List<Unit> units, long alwaysResident,
            ActivationEstimate activations, boolean hostStaging, NDArrayLoader.FloatPolicy policy, long minimum) {
        this.budget = budget;
        this.sources = List.copyOf(sources);
        this.units = List.copyOf(units);
        this.alwaysResident = alwaysResident;
        this.activations = activations;
        this.hostStaging = hostStaging;
        this.policy = policy;
        this.minimum = minimum;
    }

    /**
     * Plans a model about to be loaded.
     *
     * @param declared what the loader is about to read (see {@link LegionLoader#deferring})
     * @param budget bytes the model may hold on its device
     * @param activations the activation reserve
     * @throws MemoryBudgetException if even with every layer streamed the model needs more than {@code budget}
     */
    public static MemoryPlan plan(LegionLoader.Declared declared, long budget, ActivationEstimate activations) {
        LegionModel.Parts parts = declared.parts();
        List<Path> sources = new ArrayList<>();
        Map<Parameter, Tensor> tensors = new IdentityHashMap<>();
        addSource(declared.checkpoint(), declared.weights(), declared.policy(), sources, tensors);
        if (declared.tower() != null) {
            addSource(declared.tower(), declared.towerWeights(), declared.policy(), sources, tensors);
        }
        int defaultBytes = NDArrayLoader.targetType(DType.F32, declared.policy()).getNumOfBytes();
        long total = 0;
        for (WeightMap.Entry e : parts.weightMap(true).entries().values()) {
            Tensor t = tensors.get(e.parameter());
            total += t != null ? t.bytes() : e.shape().size() * defaultBytes;
        }
        List<Unit> units = new ArrayList<>();
        Stage[] stages = {Stage.VISION, Stage.LLM, Stage.GROUNDING};
        Block[] roots = {parts.vision(), parts.llm(), parts.grounding()};
        // LEGION reads hidden_states[mm_vision_select_layer]: the CLIP layers after it never run
        int visionLayersRun = parts.vision() instanceof GlobalImageEncoder g
                ? g.layersNeeded(parts.config().mmVisionSelectLayer()) : Integer.MAX_VALUE;
        for (int i = 0; i < stages.length; i++) {
            for (LayerStack stack : stacks(roots[i])) {
                List<? extends Block> layers = stack.stackedLayers();
                for (int k = 0; k < layers.size(); k++) {
                    boolean runs = stages[i] != Stage.VISION || stack != parts.vision() || k < visionLayersRun;
                    Unit u = unit(units.size(), stages[i], layers.get(k), stack, tensors, runs);
                    if (u != null) {
                        units.add(u);
                    }
                }
            }
        }
        long inUnits = units.stream().mapToLong(Unit::bytes).sum();
        boolean host = declared.device().isGpu();
        long always = total - inUnits;
        List<Unit> streamed = new ArrayList<>();
        for (Unit u : units) {
            streamed.add(u.withStreamed(true));
        }
        long minimum = need(always, streamed, activations, host);
        if (budget < minimum) {
            throw new MemoryBudgetException(budget, minimum, explainMinimum(always, streamed, activations, host,
                    minimum));
        }
        MemoryPlan plan;
        if (always + inUnits + activations.total() <= budget) {
            plan = new MemoryPlan(budget, sources, units, always, activations, host, declared.policy(), minimum);
        } else {
            plan = new MemoryPlan(budget, sources, fill(budget, always, streamed, activations, host), always,
                    activations, host, declared.policy(), minimum);
        }
        return plan;
    }

    private static void addSource(Checkpoint checkpoint, WeightMap weights, NDArrayLoader.FloatPolicy policy,
            List<Path> sources, Map<Parameter, Tensor> out) {
        int source = sources.size();
        sources.add(checkpoint.path());
        for (WeightMap.Entry e : weights.entries().values()) {
            TensorInfo info = checkpoint.info(e.key());
            if (info != null) {
                long bytes = info.numel() * NDArrayLoader.targetType(info.dtype(), policy).getNumOfBytes();
                out.put(e.parameter(), new Tensor(e.parameter(), source, e.key(), bytes, info.byteLength()));
            }
        }
    }

    /** The stacks below a block, outermost first (a stack's own layers are not searched). */
    static List<LayerStack> stacks(Block root) {
        List<LayerStack> out = new ArrayList<>();
        Deque<Block> work = new ArrayDeque<>();
        work.push(root);
        while (!work.isEmpty()) {
            Block b = work.pop();
            if (b instanceof LayerStack s) {
                out.add(s);
                continue;
            }
            List<Block> children = new ArrayList<>();
            for (Pair<String, Block> child : b.getChildren()) {
                children.add(child.getValue());
            }
            Collections.reverse(children);
            children.forEach(work::push);
        }
        return out;
    }

    /** A layer as a unit, or null when one of its weights has no tensor in a checkpoint (it stays resident). */
    private static Unit unit(int index, Stage stage, Block layer, LayerStack stack, Map<Parameter, Tensor> tensors,
            boolean runs) {
        List<Tensor> list = new ArrayList<>();
        long bytes = 0;
        for (Pair<String, Parameter> p : layer.getParameters()) {
            Tensor t = tensors.get(p.getValue());
            if (t == null) {
                return null; // e.g. a LoRA adapter attached later or a weight a lenient load left out
            }
            list.add(t);
            bytes += t.bytes();
        }
        if (list.isEmpty()) {
            return null;
        }
        return new Unit(index, stage, commonPrefix(list), layer, stack, List.copyOf(list), bytes, false, runs);
    }

    private static String commonPrefix(List<Tensor> tensors) {
        String p = tensors.get(0).key();
        for (Tensor t : tensors) {
            int i = 0;
            while (i < p.length() && i < t.key().length() && p.charAt(i) == t.key().charAt(i)) {
                i++;
            }
            p = p.substring(0, i);
        }
        return p.substring(0, p.lastIndexOf('.') + 1);
    }

    /** The memory a choice of streamed units needs. */
    private static long need(long always, List<Unit> units, ActivationEstimate activations, boolean host) {
        long resident = always;
        long largest = 0;
        long buffer = 0;
        for (Unit u : units) {
            if (u.streamed()) {
                largest = Math.max(largest, u.bytes());
                if (!host) {
                    buffer = Math.max(buffer, u.tensors().stream().mapToLong(Tensor::storedBytes).max().orElse(0));
                }
            } else {
                resident += u.bytes();
            }
        }
        return resident + 2 * largest + buffer + activations.total();
    }

    /**
     * Keeps as many layers resident as fit, stage by stage (LLM first: its layers run once per token), streaming
     * each stage's remaining layers at evenly spread positions.
     */
    private static List<Unit> fill(long budget, long always, List<Unit> allStreamed, ActivationEstimate activations,
            boolean host) {
        List<Unit> current = new ArrayList<>(allStreamed);
        for (Stage stage : new Stage[] {Stage.LLM, Stage.VISION, Stage.GROUNDING}) {
            List<Integer> members = new ArrayList<>();
            for (Unit u : current) {
                if (u.stage() == stage && u.runs()) {
                    members.add(u.index());
                }
            }
            int n = members.size();
            for (int keep = n; keep > 0; keep--) {
                List<Unit> trial = new ArrayList<>(current);
                Set<Integer> streamedAt = spread(n, n - keep);
                for (int j = 0; j < n; j++) {
                    int idx = members.get(j);
                    trial.set(idx, trial.get(idx).withStreamed(streamedAt.contains(j)));
                }
                if (need(always, trial, activations, host) <= budget) {
                    current = trial;
                    break;
                }
            }
        }
        return current;
    }

    /** {@code count} of {@code n} positions, evenly spread ({@code floor((j + 0.5) n / count)}). */
    static Set<Integer> spread(int n, int count) {
        Set<Integer> out = new TreeSet<>();
        for (int j = 0; j < count; j++) {
            out.add((int) Math.floor((j + 0.5) * n / count));
        }
        return out;
    }

    private static String explainMinimum(long always, List<Unit> streamed, ActivationEstimate activations,
            boolean host, long minimum) {
        Unit largest = streamed.stream().max(Comparator.comparingLong(Unit::bytes)).orElse(null);
        StringBuilder sb = new StringBuilder();
        sb.append(MemoryBudget.format(always)).append(" of weights that are always resident (embeddings, lm_head, "
                + "norms, projector, text_hidden_fcs, SAM's patch embedding, neck, prompt encoder and mask decoder, "
                + "the detection head)");
        if (largest != null) {
            sb.append(", ").append(MemoryBudget.format(2 * largest.bytes())).append(" for two streamed layers (the "
                    + "largest, ").append(largest.name()).append(", is ").append(MemoryBudget.format(largest.bytes()))
                    .append(": one running, one read ahead)");
            long buffer = host ? 0 : streamed.stream().flatMap(u -> u.tensors().stream())
                    .mapToLong(Tensor::storedBytes).max().orElse(0);
            if (buffer > 0) {
                sb.append(", ").append(MemoryBudget.format(buffer)).append(" read buffer (the largest tensor as "
                        + "stored)");
            }
        }
        sb.append(" and ").append(activations.describe());
        return sb.toString();
    }

    /** The parameters a load leaves without arrays: those of the streamed units. */
    public Predicate<Parameter> deferred() {
        Set<Parameter> set = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Unit u : units) {
            if (u.streamed()) {
                u.tensors().forEach(t -> set.add(t.parameter()));
            }
        }
        return set::contains;
    }

    /** Whether any unit is streamed. */
    public boolean streams() {
        return units.stream().anyMatch(Unit::streamed);
    }

    /** The budget planned for. */
    public long budget() {
        return budget;
    }

    /** The checkpoint files or folders the tensors come from ({@link Tensor#source()} indexes this). */
    public List<Path> sources() {
        return sources;
    }

    /** Every layer of every stack, vision first, then LLM, then grounding, each in run order. */
    public List<Unit> units() {
        return units;
    }

    /** Weights outside the units (always resident). */
    public long alwaysResident() {
        return alwaysResident;
    }

    /** Weights kept in memory: {@link #alwaysResident()} plus the resident units. */
    public long residentBytes() {
        return alwaysResident + units.stream().filter(u -> !u.streamed()).mapToLong(Unit::bytes).sum();
    }

    /** Weights of the streamed units, once loaded. */
    public long streamedBytes() {
        return units.stream().filter(Unit::streamed).mapToLong(Unit::bytes).sum();
    }

    /** Bytes of one stage's streamed units as stored (what one run of the stage reads). */
    public long streamedStoredBytes(Stage stage) {
        return units.stream().filter(u -> u.streamed() && u.runs() && u.stage() == stage)
                .mapToLong(Unit::storedBytes).sum();
    }

    /** The activation reserve. */
    public ActivationEstimate activations() {
        return activations;
    }

    /** Whether streamed units wait in host memory and are copied to the device per use (a GPU) instead of read. */
    public boolean hostStaging() {
        return hostStaging;
    }

    /** What floating tensors become when loaded. */
    public NDArrayLoader.FloatPolicy policy() {
        return policy;
    }

    /** What the model needs with every unit streamed. */
    public long minimum() {
        return minimum;
    }

    /** What this plan needs (at most the budget). */
    public long needed() {
        return need(alwaysResident, units, activations, hostStaging);
    }

    /** One line: budget, resident and streamed layers per stage, and the memory each part takes. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("memory budget ").append(MemoryBudget.format(budget)).append(": ");
        if (!streams()) {
            return sb.append("every weight resident (").append(MemoryBudget.format(residentBytes()))
                    .append(", plus ").append(MemoryBudget.format(activations.total())).append(" of activations)")
                    .toString();
        }
        sb.append(MemoryBudget.format(residentBytes())).append(" resident (").append(MemoryBudget.format(
                alwaysResident)).append(" outside the layers");
        for (Stage s : Stage.values()) {
            long all = units.stream().filter(u -> u.stage() == s).count();
            long kept = units.stream().filter(u -> u.stage() == s && !u.streamed()).count();
            if (all > 0) {
                sb.append(String.format(Locale.ROOT, ", %s %d/%d layers", s.shortName(), kept, all));
            }
        }
        sb.append("), ").append(MemoryBudget.format(streamedBytes())).append(" streamed ");
        sb.append(hostStaging ? "from host memory" : "from the checkpoint").append(" (per generated token ")
                .append(MemoryBudget.format(streamedStoredBytes(Stage.LLM))).append(" read, per image ")
                .append(MemoryBudget.format(streamedStoredBytes(Stage.VISION)
                        + streamedStoredBytes(Stage.GROUNDING))).append(" more), ")
                .append(MemoryBudget.format(activations.total())).append(" for activations; needs ")
                .append(MemoryBudget.format(needed())).append(" (minimum ").append(MemoryBudget.format(minimum))
                .append(")");
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
