package ai.legion.data.dataset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches stage-1 records: images are stacked, ids right-padded with the pad id 0 and labels with
 * -100 (as upstream's collate), and each sample's masks are kept as their own array because images
 * differ in size.
 *
 * <p>Data batch: {@code [clip [B,3,S,S], sam [B,3,T,T], ids [B,Lmax], meta [B,5]]}; label batch:
 * {@code [labels [B,Lmax], masks_0 [K0,H0,W0], ..., masks_{B-1}]}.
 */
public final class Stage1Batchifier implements Batchifier {

    /** Batches the data lists. */
    public static final Stage1Batchifier DATA = new Stage1Batchifier(true);
    /** Batches the label lists. */
    public static final Stage1Batchifier LABELS = new Stage1Batchifier(false);

    private static final long PAD_ID = 0;
    private static final long IGNORE = -100;

    private final boolean data;

    private Stage1Batchifier(boolean data) {
        this.data = data;
    }

    @Override
    public NDList batchify(NDList[] inputs) {
        if (data) {
            return new NDList(stack(inputs, 0), stack(inputs, 1), pad(inputs, 2, PAD_ID), stack(inputs, 3));
        }
        NDList out = new NDList(pad(inputs, 0, IGNORE));
        for (NDList in : inputs) {
            out.add(in.get(1).duplicate()); // DJL closes the per-record arrays once the batch is made
        }
        return out;
    }

    private static NDArray stack(NDList[] inputs, int i) {
        NDList list = new NDList(inputs.length);
        for (NDList in : inputs) {
            list.add(in.get(i));
        }
        return NDArrays.stack(list);
    }

    private static NDArray pad(NDList[] inputs, int i, long value) {
        long max = 0;
        for (NDList in : inputs) {
            max = Math.max(max, in.get(i).getShape().get(0));
        }
        NDList rows = new NDList(inputs.length);
        for (NDList in : inputs) {
            NDArray a = in.get(i);
            long len = a.getShape().get(0);
            rows.add(len == max ? a : a.concat(a.getManager().full(new Shape(max - len), value, a.getDataType()), 0));
        }
        return NDArrays.stack(rows);
    }

    @Override
    public NDList[] unbatchify(NDList inputs) {
        long b = inputs.get(0).getShape().get(0);
        NDList[] out = new NDList[(int) b];
        for (int i = 0; i < b; i++) {
            NDList l = new NDList();
            if (data) {
                NDArray meta = inputs.get(3).get(i);
                long len = meta.getLong(0);
                l.add(inputs.get(0).get(i));
                l.add(inputs.get(1).get(i));
                l.add(inputs.get(2).get(i).get("0:{}", len));
                l.add(meta);
            } else {
                NDArray labels = inputs.get(0).get(i);
                l.add(labels);
                l.add(inputs.get(1 + i));
            }
            out[i] = l;
        }
        return out;
    }

    @Override
    public NDList[] split(NDList list, int numOfSlices, boolean evenSplit) {
        NDList[] parts = unbatchify(list);
        int per = (int) Math.ceil(parts.length / (double) numOfSlices);
        List<NDList> slices = new ArrayList<>();
        for (int s = 0; s < parts.length; s += per) {
            NDList[] chunk = java.util.Arrays.copyOfRange(parts, s, Math.min(parts.length, s + per));
            slices.add(batchify(chunk));
        }
        return slices.toArray(new NDList[0]);
    }
}
