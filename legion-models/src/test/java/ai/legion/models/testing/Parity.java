package ai.legion.models.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.nn.StateDictBlock;
import ai.legion.models.nn.WeightMap;
import ai.legion.testing.Fixtures;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Helpers for parity tests against {@code parity/<block>/io.safetensors}: load fixture tensors as
 * NDArrays, load block weights, compare with a tolerance and a useful message.
 */
public final class Parity {

    private Parity() {}

    /** A fixture folder below {@code parity/}. */
    public static Path folder(String name) {
        return Fixtures.path("parity/" + name);
    }

    /** Opens {@code parity/<name>/<file>}. */
    public static Checkpoint open(String name, String file) throws CheckpointException {
        return Checkpoints.open(folder(name).resolve(file));
    }

    /** A fixture tensor as an NDArray (floating types as float32, integers as stored). */
    public static NDArray tensor(NDManager manager, Checkpoint io, String key) throws CheckpointException {
        return NDArrayLoader.load(io, key, manager, NDArrayLoader.FloatPolicy.FLOAT32);
    }

    /** A fixture tensor's values as longs (ids, sizes). */
    public static long[] longs(NDManager manager, Checkpoint io, String key) throws CheckpointException {
        return tensor(manager, io, key).toType(DataType.INT64, false).flatten().toLongArray();
    }

    /** A fixture's {@code [h, w]} pair. */
    public static int[] hw(NDManager manager, Checkpoint io, String key) throws CheckpointException {
        long[] v = longs(manager, io, key);
        return new int[] {(int) v[0], (int) v[1]};
    }

    /** Loads a block's weights strictly (everything present, nothing left except what {@code ignorable} accepts). */
    public static WeightMap.LoadReport loadWeights(StateDictBlock block, String prefix, Checkpoint weights,
            NDManager manager, Predicate<String> ignorable) throws CheckpointException {
        return block.weightMap(prefix).load(weights, manager, NDArrayLoader.FloatPolicy.FLOAT32, ignorable, true);
    }

    /** Largest absolute difference (shapes must match). */
    public static double maxAbsDiff(NDArray expected, NDArray actual) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), "shape");
        NDArray e = expected.toType(DataType.FLOAT32, false);
        NDArray a = actual.toType(DataType.FLOAT32, false);
        return e.sub(a).abs().max().getFloat();
    }

    /** Asserts {@code max |expected - actual| <= tol}, naming the tensor and the worst element. */
    public static void assertClose(String what, NDArray expected, NDArray actual, double tol) {
        double d = maxAbsDiff(expected, actual);
        if (!(d <= tol)) {
            NDArray diff = expected.toType(DataType.FLOAT32, false).sub(actual.toType(DataType.FLOAT32, false)).abs();
            long at = diff.flatten().argMax().getLong();
            throw new AssertionError(what + ": max |diff| " + d + " > " + tol + " at flat index " + at + " (expected "
                    + expected.toType(DataType.FLOAT32, false).flatten().getFloat(at) + ", got "
                    + actual.toType(DataType.FLOAT32, false).flatten().getFloat(at) + ")");
        }
    }

    /** Asserts equal integer contents (ids, argmax, masks). */
    public static void assertSameInts(String what, NDArray expected, NDArray actual) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), what + " shape");
        assertArrayEquals(expected.toType(DataType.INT64, false).toLongArray(),
                actual.toType(DataType.INT64, false).toLongArray(), what);
    }
}
