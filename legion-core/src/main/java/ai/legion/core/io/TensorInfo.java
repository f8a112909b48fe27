package ai.legion.core.io;

import java.util.Arrays;

/**
 * What a checkpoint says about one tensor before any of its data is read.
 *
 * @param name the state-dict key
 * @param dtype the stored element type
 * @param shape the dimensions, outermost first (empty for a scalar)
 */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** The dimensions (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). Shapes were checked against overflow when read. */
    public long numel() {
        return numel(shape);
    }

    /** Bytes the tensor occupies when stored contiguously. */
    public long byteLength() {
        return numel() * dtype.size();
    }

    /** Rank (number of dimensions). */
    public int rank() {
        return shape.length;
    }

    /** Product of the dims; throws {@link ArithmeticException} on overflow. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape as {@code [a,b,c]}. */
    public static String format(long[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + format(shape) + " " + dtype;
    }
}
