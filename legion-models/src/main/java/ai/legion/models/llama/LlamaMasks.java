package ai.legion.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Attention masks and position ids as transformers 4.28 {@code LlamaModel} builds them.
 *
 * <p>The decoder mask is additive with {@code finfo(dtype).min} for the causal part and for padded
 * keys; where both apply they sum to {@code -inf}, and the attention clamps scores with
 * {@code max(scores, finfo.min)}, so a query row that is masked everywhere (a left-pad position)
 * gets a uniform softmax over all keys, future ones included. This is reproduced exactly.
 */
public final class LlamaMasks {

    private LlamaMasks() {}

    /** {@code torch.finfo(dtype).min} for a floating dtype. */
    public static float finfoMin(DataType dtype) {
        switch (dtype) {
            case FLOAT16:
                return -65504f;
            case FLOAT32:
            case FLOAT64:
                // FLOAT64's min is not representable in float; masks/clamps are built in float32 or fp16
                return -Float.MAX_VALUE;
            default:
                throw new IllegalArgumentException("LlamaMasks: no finfo for " + dtype);
        }
    }

    /**
     * The additive decoder mask ({@code _prepare_decoder_attention_mask}).
     *
     * @param attentionMask {@code [B, past + T]}, 1 = attend, 0 = padding; null = all ones
     * @param batch B
     * @param length T (query positions in this call)
     * @param past cached positions before them
     * @param dtype activation dtype (float16 or float32)
     * @param manager where the mask is created (the activations' manager)
     * @return {@code [B or 1, 1, T, past + T]}, or null when nothing is masked (no padding mask and a
     *     single query, which may see every key)
     */
    public static NDArray decoderMask(NDArray attentionMask, long batch, long length, long past, DataType dtype,
            NDManager manager) {
        long keys = past + length;
        if (dtype == DataType.FLOAT64) {
            throw new IllegalArgumentException("LlamaMasks: float64 activations are not supported");
        }
        float min = finfoMin(dtype);
        NDArray mask = null;
        if (length > 1) {
            // causal: query i (absolute past+i) may see key j iff j <= past + i
            NDArray j = manager.arange(0, (int) keys).reshape(1, keys);
            NDArray i = manager.arange(0, (int) length).add(past).reshape(length, 1);
            mask = j.gt(i).toType(dtype, false).mul(min).reshape(1, 1, length, keys);
        }
        if (attentionMask != null) {
            Shape s = attentionMask.getShape();
            if (s.dimension() != 2 || s.get(0) != batch || s.get(1) != keys) {
                throw new IllegalArgumentException("LlamaModel: expected attention mask [" + batch + ", " + keys
                        + "] (batch, past + length), got " + s);
            }
            NDArray padded = attentionMask.getDataType() == DataType.BOOLEAN ? attentionMask.logicalNot()
                    : attentionMask.eq(0);
            NDArray pad = padded.toType(dtype, false).mul(min).reshape(batch, 1, 1, keys);
            mask = mask == null ? pad : pad.add(mask);
        }
        return mask;
    }

    /**
     * {@code LlamaForCausalLM.prepare_inputs_for_generation}'s position ids: {@code cumsum(mask) − 1},
     * with 1 at padded positions.
     *
     * @param attentionMask {@code [B, S]} (1 = token)
     * @return int64 {@code [B, S]}
     */
    public static NDArray positionIdsFromMask(NDArray attentionMask) {
        if (attentionMask.getShape().dimension() != 2) {
            throw new IllegalArgumentException("LlamaMasks: expected attention mask [B, S], got "
                    + attentionMask.getShape());
        }
        NDArray m = attentionMask.toType(DataType.INT64, false);
        NDArray pos = m.cumSum(1).sub(1);
        NDArray padded = m.eq(0);
        return pos.mul(padded.logicalNot().toType(DataType.INT64, false)).add(padded.toType(DataType.INT64, false));
    }

    /** {@code arange(past, past + T)} as int64 {@code [1, T]}. */
    public static NDArray defaultPositionIds(NDManager manager, long past, long length) {
        return manager.arange((int) past, (int) (past + length), 1, DataType.INT64).reshape(1, length);
    }
}
