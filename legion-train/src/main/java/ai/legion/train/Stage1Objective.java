package ai.legion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.models.LegionModel;
import ai.legion.models.decoder.MaskPostprocessor;
import ai.legion.models.llama.CausalLmOutput;
import ai.legion.models.llama.LlamaInput;
import ai.legion.models.llama.LogitsSelection;
import ai.legion.train.loss.MaskLosses;
import ai.legion.train.loss.TokenLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import ai.legion.models.nn.Ops;

/**
 * LEGION's stage-1 loss on a batch ({@code model/Legion.py::LegionForCausalLM._compute_loss_components}):
 * {@code ce·CE + bce·BCE + dice·DICE}, where CE is the mean next-token loss over the supervised answer tokens of the
 * batch, and BCE/DICE are summed over the predicted masks (compared at the ground-truth resolution) and divided by
 * the number of masks.
 *
 * <p>The batch layout is {@link ai.legion.data.dataset.Stage1Dataset}'s. Logits are computed only at
 * the positions that predict a supervised token (the result equals the full {@code lm_head} followed by
 * selection, at a fraction of the cost).
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
     * Computes the loss. All arrays are created in the manager of the batch's arrays.
     *
     * @param data {@code [clip [B,3,S,S], sam [B,3,T,T], ids [B,L], meta [B,5]]}
     * @param labels {@code [labels [B,L], masks_0, ..., masks_{B-1}]}
     */
    public Losses compute(ParameterStore ps, NDList data, NDList labels, boolean training) {
        NDArray clip = data.get(0);
        NDArray sam = data.get(1);
        long[][] meta = rows(data.get(3));
        long[][] ids = rows(data.get(2));
        long[][] lab = rows(labels.get(0));
        int b = ids.length;
        NDManager m = clip.getManager();
        LegionModel.ImageFeatures f = model.encodeImage(ps, clip, training);
        int n = (int) f.tokens().getShape().get(1);
        List<NDArray> embeds = new ArrayList<>(b);
        List<long[]> seqIds = new ArrayList<>(b);
        long maxLen = 0;
        for (int i = 0; i < b; i++) {
            long[] id = Arrays.copyOf(ids[i], (int) meta[i][0]);
            seqIds.add(id);
            NDArray e = model.spliceImage(ps, id, f.tokens().get(i), training);
            embeds.add(e);
            maxLen = Math.max(maxLen, e.getShape().get(0));
        }
        long hidden = model.config().llama().hiddenSize();
        boolean[] mask = new boolean[(int) (b * maxLen)];
        NDList padded = new NDList(b);
        for (int i = 0; i < b; i++) {
            NDArray e = embeds.get(i);
            long len = e.getShape().get(0);
            Arrays.fill(mask, (int) (i * maxLen), (int) (i * maxLen + len), true);
            padded.add(len < maxLen ? e.concat(m.zeros(new Shape(maxLen - len, hidden), e.getDataType()), 0) : e);
        }
        CausalLmOutput out = model.llm().forward(ps, LlamaInput.ofEmbeds(NDArrays.stack(padded))
                .withAttentionMask(Ops.tensor(m, mask, new Shape(b, maxLen))), LogitsSelection.none(), training);
        NDArray states = out.lastHiddenState();
        // CE: the state at expanded position t predicts the expanded label t+1
        List<Long> rowIdx = new ArrayList<>();
        List<Long> targets = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            long[] expanded = expandLabels(Arrays.copyOf(lab[i], (int) meta[i][0]), seqIds.get(i), n);
            for (int t = 0; t + 1 < expanded.length; t++) {
                if (expanded[t + 1] != LegionTokenizer.IGNORE_INDEX) {
                    rowIdx.add(i * maxLen + t);
                    targets.add(expanded[t + 1]);
                }
            }
        }
        NDArray flat = states.reshape(b * maxLen, hidden);
        NDArray ceSum = m.zeros(new Shape(), DataType.FLOAT32);
        if (!rowIdx.isEmpty()) {
            NDArray picked = flat.get(Ops.tensor(m, rowIdx.stream().mapToLong(Long::longValue).toArray()));
            NDArray logits = model.llm().lmHead(ps, picked.expandDims(0), training).squeeze(0);
            ceSum = TokenLoss.nllSum(logits, Ops.tensor(m, targets.stream().mapToLong(Long::longValue).toArray()));
        }
        NDArray ce = Ops.div(ceSum, Math.max(1, targets.size()));
        // masks: the state before each [SEG] (upstream's off-by-one) -> text_hidden_fcs -> decoder
        NDArray samEmb = model.groundingEmbeddings(ps, sam, training);
        int imgSize = model.samConfig().imageEncoder().imgSize();
        NDArray bceSum = m.zeros(new Shape(), DataType.FLOAT32);
        NDArray diceSum = m.zeros(new Shape(), DataType.FLOAT32);
        long maskCount = 0;
        for (int i = 0; i < b; i++) {
            NDArray gt = labels.get(1 + i);
            long[] pos = model.segPositions(seqIds.get(i), n);
            int k = (int) Math.min(pos.length, gt.getShape().get(0)); // truncation may have removed [SEG]s
            if (k == 0) {
                continue;
            }
            NDArray segStates = states.get(i).get(Ops.tensor(m, Arrays.copyOf(pos, k)));
            NDList pm = model.predictMasks(ps, samEmb.get(new NDIndex("{}:{}", i, i + 1)), segStates, training);
            int[] resized = {(int) meta[i][1], (int) meta[i][2]};
            int[] original = {(int) meta[i][3], (int) meta[i][4]};
            NDArray logits = MaskPostprocessor.postprocess(pm.get(1), imgSize, resized, original).squeeze(1);
            NDArray target = gt.get(new NDIndex("0:{}", k));
            bceSum = bceSum.add(MaskLosses.bceSum(logits, target));
            diceSum = diceSum.add(MaskLosses.diceSum(logits, target));
            maskCount += k;
        }
        NDArray bce = Ops.div(bceSum, maskCount + 1e-8);
        NDArray dice = Ops.div(diceSum, maskCount + 1e-8);
        NDArray total = Ops.mul(ce, weights.ce()).add(Ops.mul(bce, weights.bce())).add(Ops.mul(dice, weights.dice()));
        return new Losses(total, ce.getFloat(), bce.getFloat(), dice.getFloat(), targets.size(), maskCount);
    }

    /** Labels over the expanded sequence: the placeholder's label replaced by N ignored image positions. */
    static long[] expandLabels(long[] labels, long[] ids, int numImageTokens) {
        int p = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == LegionTokenizer.IMAGE_TOKEN_INDEX) {
                p = i;
                break;
            }
        }
        if (p < 0) {
            throw new IllegalArgumentException("a training sequence without the image placeholder");
        }
        long[] out = new long[labels.length - 1 + numImageTokens];
        System.arraycopy(labels, 0, out, 0, p);
        Arrays.fill(out, p, p + numImageTokens, LegionTokenizer.IGNORE_INDEX);
        System.arraycopy(labels, p + 1, out, p + numImageTokens, labels.length - p - 1);
        return out;
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
