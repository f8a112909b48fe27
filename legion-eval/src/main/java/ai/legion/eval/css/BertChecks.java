package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.legion.core.config.ConfigException;

/** Argument checks shared by the BERT blocks, with messages that name the block and the shapes. */
final class BertChecks {

    private BertChecks() {}

    /** Validates {@code config}, turning a problem into an {@link IllegalArgumentException} naming the block. */
    static BertConfig valid(String block, BertConfig config) {
        if (config == null) {
            throw new IllegalArgumentException(block + ": config is null");
        }
        try {
            config.validate();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(block + ": invalid config: " + e.detail(), e);
        }
        return config;
    }

    /** Requires floating hidden states {@code [B, L, hidden]}. */
    static void tokens(String block, NDArray x, long hidden) {
        if (x == null) {
            throw new IllegalArgumentException(block + ": expected hidden states [B, L, " + hidden + "], got null");
        }
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != hidden || !x.getDataType().isFloating()) {
            throw new IllegalArgumentException(block + ": expected floating hidden states [B, L, " + hidden + "], got "
                    + s + " " + x.getDataType());
        }
    }

    /** Requires an additive attention mask broadcastable as {@code [B, 1, 1, L]} (or null). */
    static void additiveMask(String block, NDArray mask, Shape tokens) {
        if (mask == null) {
            return;
        }
        Shape s = mask.getShape();
        if (s.dimension() != 4 || s.get(0) != tokens.get(0) || s.get(1) != 1 || s.get(2) != 1 || s.get(3) != tokens.get(1)) {
            throw new IllegalArgumentException(block + ": expected an additive mask [" + tokens.get(0) + ", 1, 1, "
                    + tokens.get(1) + "], got " + s);
        }
    }
}
