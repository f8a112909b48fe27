package ai.legion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.io.EngineTypes;
import java.util.Objects;

/**
 * How a parameter is initialized when a model is created from scratch ({@link WeightMap#initialize}):
 * declared next to the parameter, so the rule belongs to the block that knows what the tensor is
 * rather than to a key pattern.
 *
 * @param kind the distribution
 * @param value the standard deviation of {@link Kind#FIXED_NORMAL} or the value of {@link Kind#CONSTANT} (unused
 *     by the other kinds)
 */
public record Init(Kind kind, float value) {

    /** The distributions. */
    public enum Kind {
        /** {@code N(0, σ²)} with σ the model-wide std given to {@link WeightMap#initialize}. */
        NORMAL,
        /** {@code N(0, std²)} with this init's own std, whatever the model-wide one. */
        FIXED_NORMAL,
        /** All zeros. */
        ZEROS,
        /** All ones. */
        ONES,
        /** Every element the init's own value (e.g. CLIP's {@code logit_scale}). */
        CONSTANT
    }

    /** Linear, convolution and embedding weights: {@code N(0, σ²)} with the model-wide σ. */
    public static final Init NORMAL = new Init(Kind.NORMAL, 0);
    /** Biases. */
    public static final Init ZEROS = new Init(Kind.ZEROS, 0);
    /** Norm scales. */
    public static final Init ONES = new Init(Kind.ONES, 0);

    /** Checks the kind. */
    public Init {
        Objects.requireNonNull(kind, "kind");
    }

    /** {@code N(0, std²)} whatever the model-wide std (e.g. SAM's Fourier matrix, N(0, 1)). */
    public static Init normal(float std) {
        if (!(std > 0) || Float.isInfinite(std)) {
            throw new IllegalArgumentException("Init.normal: std must be positive and finite, got " + std);
        }
        return new Init(Kind.FIXED_NORMAL, std);
    }

    /** Every element {@code value}. */
    public static Init constant(float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("Init.constant: value must be finite, got " + value);
        }
        return new Init(Kind.CONSTANT, value);
    }

    /**
     * A fresh array of this init. Only the normal kinds draw from the engine's generator, one call per
     * parameter, so the arrays of a model depend on the seed and on the order of the parameters.
     *
     * @param modelStd σ of {@link Kind#NORMAL}
     */
    public NDArray create(NDManager manager, Shape shape, DataType dataType, float modelStd) {
        EngineTypes.check(dataType, "Init.create " + shape);
        return switch (kind) {
            case NORMAL -> manager.randomNormal(0, modelStd, shape, dataType);
            case FIXED_NORMAL -> manager.randomNormal(0, value, shape, dataType);
            case ZEROS -> manager.zeros(shape, dataType);
            case ONES -> manager.ones(shape, dataType);
            case CONSTANT -> manager.full(shape, value, dataType);
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FIXED_NORMAL -> "N(0, " + value + "²)";
            case CONSTANT -> "constant " + value;
            default -> kind.name();
        };
    }
}
