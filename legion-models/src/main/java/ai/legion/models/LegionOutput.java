package ai.legion.models;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What {@link LegionModel#forward} computes. Sequences are the expanded ones (the image placeholder replaced
 * by the image tokens) and right-padded to the longest.
 *
 * @param imageTokens projected image tokens {@code [B, N, H]} (the LLM's view of each image)
 * @param cls CLIP CLS features {@code [B, mm_hidden]} (what the detection head reads)
 * @param clsLogits detection head logits {@code [B, 2]} (index 1 = real), or null without a head
 * @param inputsEmbeds the LLM's input {@code [B, T, H]}
 * @param attentionMask {@code [B, T]} boolean, true at real positions
 * @param logits without labels {@code [B, T, V]}; with labels {@code [N, V]} at the N positions that predict a
 *     supervised token, in batch then position order
 * @param targets with labels the N supervised tokens those logits predict, else null
 * @param lastHidden post-norm last-layer states {@code [B, T, H]}
 * @param segPositions per sample the positions whose states become masks (the one before each {@code [SEG]},
 *     upstream's off-by-one)
 * @param segEmbeddings per sample {@code text_hidden_fcs} of those states {@code [K_i, out_dim]}
 * @param lowResMasks per sample the decoder's mask logits ({@code [K_i, 1, 4g, 4g]} for SAM)
 * @param masks per sample mask logits at the original resolution {@code [K_i, H_i, W_i]}
 */
public record LegionOutput(NDArray imageTokens, NDArray cls, NDArray clsLogits, NDArray inputsEmbeds,
        NDArray attentionMask, NDArray logits, long[] targets, NDArray lastHidden, List<long[]> segPositions,
        List<NDArray> segEmbeddings, List<NDArray> lowResMasks, List<NDArray> masks) {}
