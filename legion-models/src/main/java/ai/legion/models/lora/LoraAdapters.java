package ai.legion.models.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.legion.core.config.ConfigException;
import ai.legion.core.config.LoraConfig;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsWriter;
import ai.legion.core.io.TensorInfo;
import ai.legion.models.nn.StateDictBlock;
import ai.legion.models.nn.Linear;
import ai.legion.models.nn.WeightMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Applies, loads, saves, merges and unmerges LoRA adapters on the {@link Linear} modules of a
 * model, addressing modules by their upstream names ({@code model.layers.0.self_attn.q_proj}).
 *
 * <p>Module names are derived from the model's own state-dict mapping: a {@link Linear}'s name is
 * the key of its {@code weight} parameter without {@code ".weight"}, so names can never drift from
 * the keys the checkpoints use. PEFT adapter files name the tensors {@code base_model.model.<module>.
 * lora_A.weight} / {@code lora_B.weight}; the {@code .default} adapter infix of full PEFT state dicts
 * is accepted when loading.
 */
public final class LoraAdapters {

    /** PEFT's prefix of a wrapped causal LM's keys. */
    public static final String PEFT_PREFIX = "base_model.model.";
    /** PEFT's adapter weights file names, in the order they are looked for. */
    public static final List<String> ADAPTER_FILES = List.of("adapter_model.safetensors", "adapter_model.bin");
    /** PEFT's adapter config file name. */
    public static final String ADAPTER_CONFIG = "adapter_config.json";

    /**
     * LEGION's {@code find_proj_layers} exclusion: modules whose name contains {@code grounding_encoder},
     * {@code vision_tower}, {@code mm_projector} or {@code text_hidden_fcs} never get adapters.
     */
    public static final Predicate<String> LEGION_EXCLUDED = name -> name.contains("grounding_encoder")
            || name.contains("vision_tower") || name.contains("mm_projector") || name.contains("text_hidden_fcs");

    /** Excludes nothing. */
    public static final Predicate<String> NONE_EXCLUDED = name -> false;

    private LoraAdapters() {}

    /**
     * What {@link #load} did.
     *
     * @param config the adapter's config
     * @param modules names of the modules that now carry the adapter
     * @param loaded checkpoint keys loaded
     * @param missing expected adapter keys the file lacks (their modules keep the fresh init: A random, B 0)
     * @param unexpected file keys that belong to no targeted module
     */
    public record LoadReport(LoraConfig config, List<String> modules, List<String> loaded, List<String> missing,
            List<String> unexpected) {

        /** Whether every expected key was found and nothing was left over. */
        public boolean isComplete() {
            return missing.isEmpty() && unexpected.isEmpty();
        }

        @Override
        public String toString() {
            return "adapter on " + modules.size() + " modules, loaded " + loaded.size() + ", missing " + missing.size()
                    + (missing.isEmpty() ? "" : " " + head(missing)) + ", unexpected " + unexpected.size()
                    + (unexpected.isEmpty() ? "" : " " + head(unexpected));
        }

        private static String head(List<String> keys) {
            return keys.size() <= 10 ? keys.toString() : keys.subList(0, 10) + " (+" + (keys.size() - 10) + " more)";
        }
    }

    /**
     * Every {@link Linear} below {@code root} by module name, in state-dict order.
     *
     * @param root the model
     * @param prefix the key prefix of {@code root} ("" for a top-level model, else ending in ".")
     */
    public static <T extends Block & StateDictBlock>
            Map<String, Linear> linearModules(T root, String prefix) {
        Map<Parameter, Linear> byWeight = new IdentityHashMap<>();
        collect(root, byWeight);
        Map<String, Linear> out = new LinkedHashMap<>();
        for (WeightMap.Entry e : root.weightMap(prefix).entries().values()) {
            Linear lin = byWeight.get(e.parameter());
            if (lin != null && lin.weightParameter() == e.parameter()) {
                String key = e.key();
                out.put(key.endsWith(".weight") ? key.substring(0, key.length() - ".weight".length()) : "", lin);
            }
        }
        return out;
    }

    private static void collect(Block block, Map<Parameter, Linear> out) {
        if (block instanceof Linear lin) {
            out.put(lin.weightParameter(), lin);
        }
        for (Block child : block.getChildren().values()) {
            collect(child, out);
        }
    }

    /**
     * LEGION's {@code find_proj_layers}: sorted names of the linear modules whose name contains one of
     * {@code substrings} and that {@code excluded} does not reject (the list LEGION writes into
     * {@code target_modules}).
     */
    public static <T extends Block & StateDictBlock>
            List<String> findProjLayers(T root, String prefix, Collection<String> substrings,
            Predicate<String> excluded) {
        Set<String> names = new TreeSet<>();
        for (String name : linearModules(root, prefix).keySet()) {
            if (!excluded.test(name) && substrings.stream().anyMatch(name::contains)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /** The modules a config targets, in state-dict order. */
    public static <T extends Block & StateDictBlock>
            Map<String, Linear> targets(T root, String prefix, LoraConfig config,
            Predicate<String> excluded) {
        Map<String, Linear> out = new LinkedHashMap<>();
        linearModules(root, prefix).forEach((name, lin) -> {
            if (!excluded.test(name) && config.targets(name)) {
                out.put(name, lin);
            }
        });
        return out;
    }

    /**
     * Attaches fresh adapters ({@link Linear#attachAdapter}: A kaiming-uniform, B zero) to every
     * targeted module, in each module's weight manager. Module seeds are drawn in state-dict order from
     * a generator seeded with {@code seed}.
     *
     * @return the adapted modules by name
     * @throws IllegalArgumentException if the config targets no module
     * @throws IllegalStateException if a targeted module already has an adapter or no weights yet
     */
    public static <T extends Block & StateDictBlock>
            Map<String, Linear> apply(T root, String prefix, LoraConfig config,
            Predicate<String> excluded, long seed, DataType dtype) {
        Map<String, Linear> targets = targets(root, prefix, config, excluded);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA target_modules " + config.targetModules()
                    + " match no linear module of the model");
        }
        SplittableRandom seeds = new SplittableRandom(seed);
        targets.forEach((name, lin) -> {
            if (lin.hasAdapter()) {
                throw new IllegalStateException(name + " already has an adapter");
            }
            lin.attachAdapter(config.r(), config.loraAlpha(), config.loraDropout(), weightManager(name, lin),
                    seeds.nextLong(), dtype);
        });
        return targets;
    }

    private static NDManager weightManager(String name, Linear lin) {
        if (!lin.weightParameter().isInitialized()) {
            throw new IllegalStateException(name + ": load the base weights before attaching an adapter");
        }
        return lin.weightParameter().getArray().getManager();
    }

    /**
     * Loads a PEFT adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors} or
     * {@code adapter_model.bin}) into the model: attaches adapters to the targeted modules (reusing an
     * attached adapter of the same rank) and copies {@code lora_A}/{@code lora_B}. Shapes are checked
     * against {@code [r, in]} / {@code [out, r]} before anything is changed. Keys of
     * {@code modules_to_save} modules ({@code base_model.model.<param key>}) are loaded into the base
     * parameters.
     *
     * @param dtype adapter dtype (float32 recommended; bf16 files are widened exactly)
     * @param strict whether missing or unexpected keys are an error (checked before anything is changed)
     * @throws CheckpointException on unreadable files, shape mismatches, (strict) incomplete matches;
     *     {@link ConfigException} for a bad config
     */
    public static <T extends Block & StateDictBlock>
            LoadReport load(T root, String prefix, Path adapterDir, Predicate<String> excluded,
            DataType dtype, boolean strict) throws CheckpointException {
        LoraConfig config = LoraConfig.read(adapterDir.resolve(ADAPTER_CONFIG));
        Path file = null;
        for (String name : ADAPTER_FILES) {
            if (Files.isRegularFile(adapterDir.resolve(name))) {
                file = adapterDir.resolve(name);
                break;
            }
        }
        if (file == null) {
            throw new CheckpointException(adapterDir, null, "no adapter weights (looked for " + ADAPTER_FILES + ")");
        }
        try (Checkpoint ckpt = Checkpoints.open(file)) {
            return load(root, prefix, config, ckpt, excluded, dtype, strict);
        }
    }

    /** {@link #load(Block, String, Path, Predicate, DataType, boolean)} from an open checkpoint. */
    public static <T extends Block & StateDictBlock>
            LoadReport load(T root, String prefix, LoraConfig config, Checkpoint ckpt,
            Predicate<String> excluded, DataType dtype, boolean strict) throws CheckpointException {
        Map<String, Linear> targets = targets(root, prefix, config, excluded);
        WeightMap base = root.weightMap(prefix);
        Map<String, String[]> found = new LinkedHashMap<>(); // module -> {A key, B key}
        Map<String, String> savedModules = new LinkedHashMap<>(); // param key -> checkpoint key
        List<String> unexpected = new ArrayList<>();
        for (String key : ckpt.keys()) {
            String k = key.startsWith(PEFT_PREFIX) ? key.substring(PEFT_PREFIX.length()) : key;
            String[] mw = splitLoraKey(k);
            if (mw != null && targets.containsKey(mw[0])) {
                String[] ab = found.computeIfAbsent(mw[0], x -> new String[2]);
                int i = mw[1].equals("A") ? 0 : 1;
                if (ab[i] != null) {
                    throw new CheckpointException(ckpt.fileOf(key), key, "duplicate adapter tensor (also " + ab[i] + ")");
                }
                ab[i] = key;
            } else if (mw == null && base.parameter(k) != null && isModuleToSave(k, config)) {
                savedModules.put(k, key);
            } else {
                unexpected.add(key);
            }
        }
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Linear> t : targets.entrySet()) {
            String[] ab = found.get(t.getKey());
            String stem = PEFT_PREFIX + t.getKey() + ".";
            if (ab == null || ab[0] == null) {
                missing.add(stem + Linear.LORA_A);
            }
            if (ab == null || ab[1] == null) {
                missing.add(stem + Linear.LORA_B);
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new CheckpointException(ckpt.path(), null, "adapter does not match the model: "
                    + new LoadReport(config, List.copyOf(targets.keySet()), List.of(), missing, unexpected));
        }
        // check every shape before changing anything
        int r = config.r();
        for (Map.Entry<String, String[]> f : found.entrySet()) {
            Linear lin = targets.get(f.getKey());
            checkShape(ckpt, f.getValue()[0], new long[] {r, lin.inFeatures()});
            checkShape(ckpt, f.getValue()[1], new long[] {lin.outFeatures(), r});
            if (lin.hasAdapter() && (lin.rank() != r || lin.isMerged())) {
                throw new CheckpointException(ckpt.path(), f.getValue()[0], f.getKey() + " already has an adapter (r "
                        + lin.rank() + (lin.isMerged() ? ", merged" : "") + "); remove or unmerge it first");
            }
        }
        for (Map.Entry<String, String> s : savedModules.entrySet()) {
            WeightMap.Entry e = base.entries().get(s.getKey());
            checkShape(ckpt, s.getValue(), e.shape().getShape());
        }
        SplittableRandom seeds = new SplittableRandom(0);
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<String, Linear> t : targets.entrySet()) {
            Linear lin = t.getValue();
            NDManager manager = weightManager(t.getKey(), lin);
            if (!lin.hasAdapter()) {
                lin.attachAdapter(r, config.loraAlpha(), config.loraDropout(), manager, seeds.nextLong(), dtype);
            }
            String[] ab = found.get(t.getKey());
            if (ab == null || ab[0] == null || ab[1] == null) {
                continue;
            }
            try (NDManager tmp = manager.newSubManager()) {
                NDArray a = NDArrayLoader.load(ckpt, ab[0], tmp, NDArrayLoader.FloatPolicy.FLOAT32);
                NDArray b = NDArrayLoader.load(ckpt, ab[1], tmp, NDArrayLoader.FloatPolicy.FLOAT32);
                lin.setAdapterWeights(a, b);
            }
            loaded.add(ab[0]);
            loaded.add(ab[1]);
        }
        for (Map.Entry<String, String> s : savedModules.entrySet()) {
            NDArray target = base.parameter(s.getKey()).getArray();
            try (NDManager tmp = target.getManager().newSubManager()) {
                NDArray v = NDArrayLoader.load(ckpt, s.getValue(), tmp, NDArrayLoader.FloatPolicy.FLOAT32);
                target.set(new NDIndex(":"), v.toType(target.getDataType(), false));
            }
            loaded.add(s.getValue());
        }
        return new LoadReport(config, List.copyOf(targets.keySet()), List.copyOf(loaded), List.copyOf(missing),
                List.copyOf(unexpected));
    }

    /**
     * Splits {@code <module>.lora_A.weight} / {@code <module>.lora_A.default.weight} (and B) into
     * {@code {module, "A"|"B"}}, or null.
     */
    static String[] splitLoraKey(String key) {
        for (String ab : new String[] {"A", "B"}) {
            for (String suffix : new String[] {".lora_" + ab + ".weight", ".lora_" + ab + ".default.weight"}) {
                if (key.endsWith(suffix)) {
                    return new String[] {key.substring(0, key.length() - suffix.length()), ab};
                }
            }
        }
        return null;
    }

    private static boolean isModuleToSave(String paramKey, LoraConfig config) {
        for (String m : config.modulesToSaveOrEmpty()) {
            if (paramKey.startsWith(m + ".") || paramKey.contains("." + m + ".")) {
                return true;
            }
        }
        return false;
    }

    private static void checkShape(Checkpoint ckpt, String key, long[] expected) throws CheckpointException {
        TensorInfo info = ckpt.info(key);
        if (!new Shape(info.shape()).equals(new Shape(expected))) {
            throw new CheckpointException(ckpt.fileOf(key), key, "shape mismatch: file has "
                    + TensorInfo.format(info.shape()) + ", the model expects " + TensorInfo.format(expected));
        }
    }

    /**
     * Saves the attached adapters in PEFT's layout: {@code adapter_model.safetensors} (keys
     * {@code base_model.model.<module>.lora_A.weight}, {@code lora_B.weight}, plus the parameters of
     * {@code modules_to_save} modules under {@code base_model.model.<param key>}) and
     * {@code adapter_config.json}. Each file is written atomically. Merged adapters are saved too
     * (A and B stay valid while merged).
     *
     * @throws IllegalStateException if no module has an adapter
     * @throws CheckpointException on IO errors or an invalid config
     */
    public static <T extends Block & StateDictBlock>
            void save(T root, String prefix, LoraConfig config, Path dir) throws CheckpointException {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        int n = 0;
        for (Map.Entry<String, Linear> e : linearModules(root, prefix).entrySet()) {
            Linear lin = e.getValue();
            if (!lin.hasAdapter()) {
                continue;
            }
            List<Parameter> ab = lin.adapterParameters();
            writer.add(PEFT_PREFIX + e.getKey() + "." + Linear.LORA_A, ab.get(0).getArray());
            writer.add(PEFT_PREFIX + e.getKey() + "." + Linear.LORA_B, ab.get(1).getArray());
            n++;
        }
        if (n == 0) {
            throw new IllegalStateException("no module of the model carries a LoRA adapter");
        }
        if (!config.modulesToSaveOrEmpty().isEmpty()) {
            for (WeightMap.Entry e : root.weightMap(prefix).entries().values()) {
                if (splitLoraKey(e.key()) == null && isModuleToSave(e.key(), config)) {
                    writer.add(PEFT_PREFIX + e.key(), e.parameter().getArray());
                }
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException ex) {
            throw new CheckpointException(dir, null, "cannot create folder: " + ex, ex);
        }
        writer.write(dir.resolve(ADAPTER_FILES.get(0)));
        config.write(dir.resolve(ADAPTER_CONFIG));
    }

    /** Merges every attached adapter into its base weight; returns how many modules were merged. */
    public static <T extends Block & StateDictBlock>
            int mergeAll(T root) {
        int n = 0;
        for (Linear lin : adapted(root)) {
            lin.merge();
            n++;
        }
        return n;
    }

    /**
     * PEFT's {@code merge_and_unload}: merges every adapter into its base weight and removes it, so the model's
     * keys are those of the base model again (what a saved LEGION folder holds); returns how many modules were
     * merged.
     */
    public static <T extends Block & StateDictBlock>
            int mergeAndUnloadAll(T root) {
        int n = 0;
        for (Linear lin : adapted(root)) {
            lin.merge();
            lin.removeAdapter();
            n++;
        }
        return n;
    }

    /** Unmerges every attached adapter; returns how many modules carry one. */
    public static <T extends Block & StateDictBlock>
            int unmergeAll(T root) {
        int n = 0;
        for (Linear lin : adapted(root)) {
            lin.unmerge();
            n++;
        }
        return n;
    }

    /** All adapter parameters ({@code lora_A}, {@code lora_B} of each adapted module). */
    public static List<Parameter> adapterParameters(Block root) {
        List<Parameter> out = new ArrayList<>();
        for (Linear lin : adapted(root)) {
            out.addAll(lin.adapterParameters());
        }
        return out;
    }

    /**
     * PEFT's {@code mark_only_lora_as_trainable} ({@code bias="none"}): freezes every parameter of the
     * tree except the adapters, which are unfrozen. Callers unfreeze further modules afterwards (LEGION:
     * {@code embed_tokens}, {@code lm_head}, mask decoder, {@code text_hidden_fcs}).
     */
    public static void markOnlyAdaptersTrainable(Block root) {
        Set<Parameter> adapters = Collections.newSetFromMap(new IdentityHashMap<>());
        adapters.addAll(adapterParameters(root));
        freeze(root, adapters);
    }

    private static void freeze(Block block, Set<Parameter> keep) {
        for (Parameter p : block.getDirectParameters().values()) {
            p.freeze(!keep.contains(p));
        }
        for (Block child : block.getChildren().values()) {
            freeze(child, keep);
        }
    }

    private static List<Linear> adapted(Block root) {
        Map<Parameter, Linear> all = new IdentityHashMap<>();
        collect(root, all);
        List<Linear> out = new ArrayList<>();
        for (Linear lin : all.values()) {
            if (lin.hasAdapter()) {
                out.add(lin);
            }
        }
        return out;
    }
}
