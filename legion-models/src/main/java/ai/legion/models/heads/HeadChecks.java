package ai.legion.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.legion.models.nn.Ops;

/** Input checks and dtype alignment shared by the heads. */
final class HeadChecks {

    private HeadChecks() {}

    /** Checks {@code [..., width]} (rank ≥ 2) and a floating dtype. */
    static void features(String block, NDArray x, long width) {
        String expected = "features [..., " + width + "] (rank >= 2)";
        if (x == null) {
            throw new IllegalArgumentException(block + ": expected " + expected + ", got null");
        }
        Shape s = x.getShape();
        if (s.dimension() < 2 || s.get(s.dimension() - 1) != width) {
            throw new IllegalArgumentException(block + ": expected " + expected + ", got " + s);
        }
        if (!x.getDataType().isFloating()) {
            throw new IllegalArgumentException(block + ": expected floating features, got " + x.getDataType());
        }
    }

    /** The activation in the weights' dtype (DJL has no autocast; mixed dtypes fail in matmul). */
    static NDArray like(NDArray x, NDArray weight) {
        return Ops.cast(x, weight.getDataType());
    }

    static void positive(String block, String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(block + ": " + what + " must be positive, got " + value);
        }
    }
}
