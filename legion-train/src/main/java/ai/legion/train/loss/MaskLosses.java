package ai.legion.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.legion.models.nn.Ops;

/**
 * LISA/GLaMM/LEGION's mask losses, per mask (LEGION {@code model/Legion.py::calculate_dice_loss},
 * {@code compute_sigmoid_cross_entropy}). Predictions are logits at the ground-truth resolution; ground truth is 0/1.
 */
public final class MaskLosses {

    /** Upstream divides the probabilities and targets by 1000 inside the Dice ratio. */
    public static final double DICE_SCALE = 1000;
    /** Upstream's Dice epsilon. */
    public static final double DICE_EPS = 1e-6;

    private MaskLosses() {}

    /** {@code [K, H, W]} as float32 {@code [K, H·W]} (the engine reduces over one axis at a time). */
    private static NDArray flat(NDArray a) {
        return Ops.cast(a, DataType.FLOAT32).reshape(a.getShape().get(0), -1);
    }

    /**
     * Mean over pixels of {@code BCEWithLogits(pred, gt)} for each mask, summed over the masks.
     *
     * @param logits {@code [K, H, W]}
     * @param gt {@code [K, H, W]} 0/1
     * @return a scalar: {@code Σ_k mean_pixels BCE_k}
     */
    public static NDArray bceSum(NDArray logits, NDArray gt) {
        return bceWithLogits(flat(logits), flat(gt)).mean(new int[] {1}).sum();
    }

    /**
     * Element-wise {@code BCEWithLogits(x, y)} in its numerically stable form {@code max(x, 0) − x·y +
     * log(1 + exp(−|x|))}; also the tag and region terms of vision pretraining.
     */
    public static NDArray bceWithLogits(NDArray x, NDArray y) {
        return Ops.maximum(x, 0).sub(x.mul(y)).add(x.abs().neg().exp().add(1).log());
    }

    /**
     * {@code Σ_k 1 − (2·Σ(σ(x)/s·y) + ε) / (Σσ(x)/s + Σy/s + ε)} with s = 1000, ε = 1e-6.
     *
     * @param logits {@code [K, H, W]}
     * @param gt {@code [K, H, W]} 0/1
     */
    public static NDArray diceSum(NDArray logits, NDArray gt) {
        NDArray p = Ops.div(flat(logits).getNDArrayInternal().sigmoid(), DICE_SCALE);
        NDArray y = flat(gt);
        NDArray numerator = Ops.mul(p.mul(y).sum(new int[] {1}), 2);
        NDArray denominator = p.sum(new int[] {1}).add(Ops.div(y, DICE_SCALE).sum(new int[] {1}));
        return numerator.add((float) DICE_EPS).div(denominator.add((float) DICE_EPS)).neg().add(1).sum();
    }
}
