package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * HF {@code BertLayer} (encoder only): {@code a = attention(x, mask)}, {@code y = output(intermediate(a), a)}.
 *
 * <p>Keys: {@code attention.*} ({@link BertAttention}), {@code intermediate.*} ({@link BertIntermediate}),
 * {@code output.*} ({@link BertOutput}).
 */
public final class BertLayer extends MaskedBlock {

    private static final String NAME = "BertLayer";

    private final BertAttention attention;
    private final BertIntermediate intermediate;
    private final BertOutput output;

    /** Declares the layer for {@code config}. */
    public BertLayer(BertConfig config) {
        BertChecks.valid(NAME, config);
        attention = child("attention", new BertAttention(config));
        intermediate = child("intermediate", new BertIntermediate(config));
        output = child("output", new BertOutput(config));
    }

    /**
     * One encoder layer.
     *
     * @param ps parameter store
     * @param x hidden states {@code [B, L, H]}
     * @param mask additive mask {@code [B, 1, 1, L]} or null
     * @param training whether gradients are being recorded
     * @return {@code [B, L, H]}
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        NDArray a = attention.forward(ps, x, mask, training);
        return output.forward(ps, intermediate.forward(ps, a, training), a, training);
    }

    /** The attention child. */
    public BertAttention attention() {
        return attention;
    }
}
