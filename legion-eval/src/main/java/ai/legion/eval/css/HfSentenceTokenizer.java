package ai.legion.eval.css;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.legion.core.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@link SentenceTokenizer} on DJL's {@code HuggingFaceTokenizer} (the Rust tokenizers library) reading a
 * {@code tokenizer.json}: the same normalizer, pre-tokenizer, WordPiece model and post-processor as the
 * fast tokenizer sentence-transformers uses. Truncation is set explicitly (DJL would otherwise apply its
 * default 512), padding is off (the encoder pads batches itself). Thread-safe.
 */
public final class HfSentenceTokenizer implements SentenceTokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    private HfSentenceTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /**
     * Loads a {@code tokenizer.json}.
     *
     * @param maxLength ids per sentence including the special tokens (at least 2)
     * @throws CheckpointException if the file cannot be loaded
     */
    public static HfSentenceTokenizer load(Path tokenizerJson, int maxLength) throws CheckpointException {
        if (maxLength < 2) {
            throw new IllegalArgumentException("HfSentenceTokenizer: maxLength must be >= 2, got " + maxLength);
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true).optTruncation(true).optMaxLength(maxLength).optPadding(false).build();
            return new HfSentenceTokenizer(t, maxLength);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(tokenizerJson, null, "cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    @Override
    public long[] encode(String text) {
        Objects.requireNonNull(text, "text");
        return tokenizer.encode(text).getIds();
    }

    /** The pieces of {@link #encode} as strings (for inspection and tests). */
    public String[] tokens(String text) {
        Objects.requireNonNull(text, "text");
        return tokenizer.encode(text).getTokens();
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
