package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.TensorInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The one explicit mapping from upstream state-dict key to DJL {@link Parameter}, with the shape the
 * model expects for each. Blocks fill it through {@link StateDictBlock#mapWeights}; {@link #load}
 * then streams every tensor from a checkpoint into its parameter and reports what did not match.
 */
public final class WeightMap {

    /**
     * A parameter, the shape the config says it must have, and how a model created from scratch
     * initializes it.
     */
    public record Entry(String key, Parameter parameter, Shape shape, Init init) {}

    /**
     * What a load found.
     *
     * @param loaded keys loaded into parameters
     * @param missing model keys the checkpoint lacks
     * @param unexpected checkpoint keys no parameter takes (not counting ignored ones)
     * @param ignored checkpoint keys skipped on purpose (e.g. rotary {@code inv_freq}, {@code region_encoder.*})
     */
    public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected, List<String> ignored) {

        /** Whether every model key was found and nothing unexpected was left. */
        public boolean isComplete() {
            return missing.isEmpty() && unexpected.isEmpty();
        }

        @Override
        public String toString() {
            return "loaded " + loaded.size() + ", missing " + missing.size() + listed(missing) + ", unexpected "
                    + unexpected.size() + listed(unexpected) + ", ignored " + ignored.size();
        }

        private static String listed(List<String> keys) {
            if (keys.isEmpty()) {
                return "";
            }
            List<String> head = keys.subList(0, Math.min(keys.size(), 10));
            return " " + head + (keys.size() > head.size() ? " (+" + (keys.size() - head.size()) + " more)" : "");
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Registers a parameter under its full upstream key. */
    public void add(String key, Parameter parameter, Shape shape, Init init) {
        if (entries.putIfAbsent(key, new Entry(key, parameter, shape, init)) != null) {
            throw new IllegalArgumentException("state-dict key registered twice: " + key);
        }
    }

    /** The entries in registration order. */
    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** The parameter of a key, or {@code null}. */
    public Parameter parameter(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.parameter;
    }

    /** Total number of elements of all parameters, from their expected shapes. */
    public long parameterCount() {
        return entries.values().stream().mapToLong(e -> e.shape.size()).sum();
    }

    /**
     * Loads every parameter from a checkpoint, rejecting floating tensors that hold NaN or infinity
     * ({@link #load(Checkpoint, NDManager, NDArrayLoader.FloatPolicy, Predicate, boolean, boolean)} with
     * {@code allowNonFinite = false}).
     *
     * @param checkpoint source tensors
     * @param manager owns the parameter arrays (its device is where they live)
     * @param policy what floating tensors become (bf16 is always widened)
     * @param ignorable checkpoint keys that are skipped without being reported as unexpected
     * @param strict whether missing or unexpected keys are an error (they are always in the report)
     * @throws CheckpointException on a shape mismatch, unreadable data, a non-finite value, or (strict)
     *     missing/unexpected keys
     */
    public LoadReport load(Checkpoint checkpoint, NDManager manager, NDArrayLoader.FloatPolicy policy,
            Predicate<String> ignorable, boolean strict) throws CheckpointException {
        return load(checkpoint, manager, policy, ignorable, strict, false);
    }

    /**
     * Loads every parameter from a checkpoint. Shapes are checked before any data is read, so a wrong
     * checkpoint fails fast and names the key with both shapes.
     *
     * <p>Unless {@code allowNonFinite}, every floating tensor is checked for NaN and infinity after its
     * conversion (one reduction on the engine): a damaged or diverged checkpoint would otherwise load and
     * only show as NaN logits or empty masks much later. The check runs on the converted array, so a float32
     * value that overflows float16 under {@link NDArrayLoader.FloatPolicy#FLOAT16} is caught as well.
     *
     * @param checkpoint source tensors
     * @param manager owns the parameter arrays (its device is where they live)
     * @param policy what floating tensors become (bf16 is always widened)
     * @param ignorable checkpoint keys that are skipped without being reported as unexpected
     * @param strict whether missing or unexpected keys are an error (they are always in the report)
     * @param allowNonFinite whether NaN and infinite weights are loaded as they are
     * @throws CheckpointException on a shape mismatch, unreadable data, (unless allowed) a non-finite value,
     *     or (strict) missing/unexpected keys
     */
    public LoadReport load(Checkpoint checkpoint, NDManager manager, NDArrayLoader.FloatPolicy policy,
            Predicate<String> ignorable, boolean strict, boolean allowNonFinite) throws CheckpointException {
        return load(checkpoint, manager, policy, ignorable, strict, allowNonFinite, p -> false);
    }

    /**
     * {@link #load(Checkpoint, NDManager, NDArrayLoader.FloatPolicy, Predicate, boolean, boolean)} that leaves the
     * {@code deferred} parameters without arrays: their keys are checked (present, right shape) like the others but
     * their data is not read, and the report lists them neither as loaded nor as missing. Memory-budgeted execution
     * reads them per layer when the layer runs.
     */
    public LoadReport load(Checkpoint checkpoint, NDManager manager, NDArrayLoader.FloatPolicy policy,
            Predicate<String> ignorable, boolean strict, boolean allowNonFinite, Predicate<Parameter> deferred)
            throws CheckpointException {
        List<String> missing = new ArrayList<>();
        for (Entry e : entries.values()) {
            TensorInfo info = checkpoint.info(e.key);
            if (info == null) {
                missing.add(e.key);
            } else if (!new Shape(info.shape()).equals(e.shape)) {
                throw new CheckpointException(checkpoint.fileOf(e.key), e.key, "shape mismatch: checkpoint has "
                        + TensorInfo.format(info.shape()) + ", the model expects " + TensorInfo.format(e.shape.getShape()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (String key : checkpoint.keys()) {
            if (!entries.containsKey(key)) {
                (ignorable.test(key) ? ignored : unexpected).add(key);
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new CheckpointException(checkpoint.path(), null, "checkpoint does not match the model: "
                    + new LoadReport(List.of(), missing, unexpected, ignored));
        }
        List<String> loaded = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (checkpoint.info(e.key) == null || deferred.test(e.parameter)) {
                continue;
            }
            NDArray array = NDArrayLoader.load(checkpoint, e.key, manager, policy);
            if (!allowNonFinite) {
                requireFinite(checkpoint, e.key, array);
            }
            array.setName(e.key);
            setArray(e.parameter, array);
            loaded.add(e.key);
        }
        return new LoadReport(List.copyOf(loaded), List.copyOf(missing), List.copyOf(unexpected), List.copyOf(ignored));
    }

    /** Fails, closing {@code array}, when it is floating and holds NaN or infinity. */
    public static void requireFinite(Checkpoint checkpoint, String key, NDArray array) throws CheckpointException {
        if (!array.getDataType().isFloating()) {
            return;
        }
        long nan;
        long inf;
        try (NDArray isNan = array.isNaN(); NDArray isInf = array.isInfinite()) {
            try (NDArray bad = isNan.logicalOr(isInf); NDArray any = bad.any()) {
                if (!any.getBoolean()) {
                    return;
                }
            }
            try (NDArray nans = isNan.countNonzero(); NDArray infs = isInf.countNonzero()) {
                nan = nans.getLong();
                inf = infs.getLong();
            }
        }
        String what = TensorInfo.format(array.getShape().getShape()) + " " + array.getDataType();
        array.close();
        throw new CheckpointException(checkpoint.fileOf(key), key, nan + " NaN and " + inf + " infinite values in "
                + what + " (damaged or "
                + "diverged weights, or too large for this precision); load with allowNonFiniteWeights(true) to "
                + "accept them");
    }

    /**
     * Gives every parameter a fresh float32 array of its expected shape, as its block declared
     * ({@link Init}): linear, convolution and embedding weights {@code N(0, std²)}, biases 0, norm
     * scales 1, and the few fixed rules (SAM's Fourier matrix {@code N(0, 1)}). Deterministic for a
     * given seed: the engine's generator is seeded once and the arrays are drawn in registration order.
     */
    public void initialize(NDManager manager, float std, long seed) {
        initialize(manager, DataType.FLOAT32, std, seed);
    }

    /** {@link #initialize(NDManager, float, long)} in another floating type (e.g. float16 for benchmarks). */
    public void initialize(NDManager manager, DataType dataType, float std, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        for (Entry e : entries.values()) {
            NDArray a = e.init.create(manager, e.shape, dataType, std);
            a.setName(e.key);
            setArray(e.parameter, a);
        }
    }

    /** Sets or replaces a parameter's array (DJL refuses a second {@code setArray}). */
    static void setArray(Parameter p, NDArray array) {
        if (p.isInitialized()) {
            NDArray old = p.getArray();
            if (!old.getShape().equals(array.getShape())) {
                throw new IllegalArgumentException(p.getName() + ": " + old.getShape() + " vs " + array.getShape());
            }
            Ops.assign(old, array);
            array.close();
        } else {
            p.setArray(array);
        }
    }
}
