package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** Argument checks shared by the blocks, with messages that name the block, the expected and the actual shape. */
public final class Checks {

    private Checks() {}

    /** A shape as {@code [a, b, c]} for messages. */
    public static String shape(NDArray x) {
        return Arrays.toString(x.getShape().getShape());
    }

    /** Requires {@code [..., width]}. */
    public static void lastAxis(String block, NDArray x, long width) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != width) {
            throw new IllegalArgumentException(block + ": expected input [..., " + width + "], got " + s);
        }
    }

    /** Requires hidden states {@code [B, T, width]}. */
    public static void tokens(String block, NDArray x, long width) {
        if (x == null) {
            throw new IllegalArgumentException(block + ": expected hidden states [B, T, " + width + "], got null");
        }
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != width) {
            throw new IllegalArgumentException(block + ": expected hidden states [B, T, " + width + "], got " + s);
        }
    }

    /** Requires a channels-first image batch {@code [B, channels, H, W]}. */
    public static void channelsFirst(String block, NDArray x, long channels) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != channels) {
            throw new IllegalArgumentException(block + ": expected input [B, " + channels + ", H, W], got " + shape(x));
        }
    }

    /** Requires a non-empty channels-last token grid {@code [B, H, W, channels]}. */
    public static void channelsLast(String block, NDArray x, long channels) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(3) != channels || s.get(1) <= 0 || s.get(2) <= 0) {
            throw new IllegalArgumentException(block + ": expected input [B, H, W, " + channels + "], got " + shape(x));
        }
    }

    /** Requires floating features {@code [..., width]} of rank 2 or more. */
    public static void features(String block, NDArray x, long width) {
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

    /** Requires a positive size. */
    public static void positive(String block, String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(block + ": " + what + " must be positive, got " + value);
        }
    }
}
