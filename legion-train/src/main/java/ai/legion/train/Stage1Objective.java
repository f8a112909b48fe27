package ai.legion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.models.LegionInput;
import ai.legion.models.LegionModel;
import ai.legion.models.LegionOutput;
import ai.legion.models.nn.Ops;
import ai.legion.train.loss.MaskLosses;
import ai.legion.train.loss.TokenLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * LEGION's stage-1 loss on a batch ({@code model/Legion.py::LegionForCausalLM._compute_loss_components}):
 * {@code ce·CE + bce·BCE + dice·DICE}, where CE is the mean next-token loss over the supervised answer tokens of the
 * batch, and BCE/DICE are summed over the predicted masks (compared at the ground-truth resolution) and divided by
 * the number of masks.
 *
 * <p>The model's one teacher-forced {@link LegionModel#forward} computes everything; this class only turns the
 * batch layout of {@link ai.legion.data.dataset.Stage1Dataset} into its input and its output into losses.
 */
public final class Stage1Objective {

    /**
     * Loss weights.
     *
     * @param ce cross-entropy weight (upstream 1.0)
     * @param bce mask BCE weight (upstream 0.4 in train.sh)
     * @param dice mask Dice weight (upstream 0.2)
     */
    public record Weights(double ce, double bce, double dice) {
        public static final Weights LEGION = new Weights(1.0, 0.4, 0.2);
    }

    /**
     * The loss of one batch.
     *
     * @param total the weighted sum (a scalar NDArray, for backward)
     * @param ce mean token loss
     * @param bce mean mask BCE
     * @param dice mean mask Dice
     * @param tokens supervised tokens
     * @param masks masks compared
     */
    public record Losses(NDArray total, double ce, double bce, double dice, long tokens, long masks) {}

    private final LegionModel model;
    private final Weights weights;

    public Stage1Objective(LegionModel model, Weights weights) {
        this.model = model;
        this.weights = weights;
    }

    /**
     * Computes the loss: {@link LegionModel#forward} with the labels, then the losses on what it returns. All
     * arrays are created in the manager of the batch's arrays.
     *
     * @param data {@code [clip [B,3,S,S], sam [B,3,T,T], ids [B,L], meta [B,5]]}
     * @param labels {@code [labels [B,L], masks_0, ..., masks_{B-1}]}
     */
    public Losses compute(ParameterStore ps, NDList data, NDList labels, boolean training) {
        long[][] meta = rows(data.get(3));
        long[][] ids = rows(data.get(2));
        long[][] lab = rows(labels.get(0));
        int b = ids.length;
        List<long[]> seqIds = new ArrayList<>(b);
        List<long[]> seqLabels = new ArrayList<>(b);
        List<int[]> resized = new ArrayList<>(b);
        List<int[]> original = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            int len = (int) meta[i][0]; // rows are right-padded to the longest sequence
            seqIds.add(Arrays.copyOf(ids[i], len));
            seqLabels.add(Arrays.copyOf(lab[i], len));
            resized.add(new int[] {(int) meta[i][1], (int) meta[i][2]});
            original.add(new int[] {(int) meta[i][3], (int) meta[i][4]});
        }
        NDArray clip = data.get(0);
        NDManager m = clip.getManager();
        LegionOutput out = model.forward(ps, new LegionInput(clip, data.get(1), seqIds, seqLabels, resized, original),
                training);
        NDArray ceSum = out.logits() == null ? m.zeros(new Shape(), DataType.FLOAT32)
                : TokenLoss.nllSum(out.logits(), Ops.tensor(m, out.targets()));
        NDArray ce = Ops.div(ceSum, Math.max(1, out.targets().length));
        NDArray bceSum = m.zeros(new Shape(), DataType.FLOAT32);
        NDArray diceSum = m.zeros(new Shape(), DataType.FLOAT32);
        long maskCount = 0;
        for (int i = 0; i < b; i++) {
            NDArray gt = labels.get(1 + i);
            NDArray predicted = out.masks().get(i);
            int k = (int) Math.min(predicted.getShape().get(0), gt.getShape().get(0)); // truncation may drop [SEG]s
            if (k == 0) {
                continue;
            }
            NDIndex first = new NDIndex("0:{}", k);
            NDArray logits = predicted.get(first);
            NDArray target = gt.get(first);
            bceSum = bceSum.add(MaskLosses.bceSum(logits, target));
            diceSum = diceSum.add(MaskLosses.diceSum(logits, target));
            maskCount += k;
        }
        NDArray bce = Ops.div(bceSum, maskCount + 1e-8);
        NDArray dice = Ops.div(diceSum, maskCount + 1e-8);
        NDArray total = Ops.mul(ce, weights.ce()).add(Ops.mul(bce, weights.bce())).add(Ops.mul(dice, weights.dice()));
        return new Losses(total, ce.getFloat(), bce.getFloat(), dice.getFloat(), out.targets().length, maskCount);
    }

    private static long[][] rows(NDArray a) {
        long[] flat = a.toType(DataType.INT64, false).toLongArray();
        int r = (int) a.getShape().get(0);
        int c = (int) (a.getShape().dimension() > 1 ? a.getShape().get(1) : 1);
        long[][] out = new long[r][];
        for (int i = 0; i < r; i++) {
            out[i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
        }
        return out;
    }
}
