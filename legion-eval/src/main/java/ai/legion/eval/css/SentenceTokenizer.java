package ai.legion.eval.css;

import ai.legion.core.io.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns one sentence into BERT input ids {@code [CLS] pieces… [SEP]}, truncated to a maximum length that
 * includes the two special tokens (sentence-transformers' {@code truncation='longest_first',
 * max_length=max_seq_length}). Token type ids are all 0 and the attention mask all 1 for a single
 * sentence, so ids are all an encoder needs.
 */
public interface SentenceTokenizer extends AutoCloseable {

    /**
     * The ids of {@code text} with {@code [CLS]}/{@code [SEP]}, at most {@link #maxLength()} of them.
     *
     * @throws NullPointerException if {@code text} is null
     */
    long[] encode(String text);

    /** The maximum number of ids {@link #encode} returns (special tokens included). */
    int maxLength();

    @Override
    void close();

    /**
     * The tokenizer of a model folder: DJL's {@code HuggingFaceTokenizer} on {@code tokenizer.json} when the
     * folder has one (what sentence-transformers' fast tokenizer runs), else {@link WordPieceTokenizer} on
     * {@code vocab.txt} (+ {@code tokenizer_config.json}).
     *
     * @param maxLength ids per sentence including {@code [CLS]} and {@code [SEP]} (at least 2)
     * @throws CheckpointException if neither file is usable
     */
    static SentenceTokenizer load(Path dir, int maxLength) throws CheckpointException {
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return HfSentenceTokenizer.load(json, maxLength);
        }
        if (Files.isRegularFile(dir.resolve("vocab.txt"))) {
            return WordPieceTokenizer.load(dir, maxLength);
        }
        throw new CheckpointException(dir, null, "no tokenizer: neither tokenizer.json nor vocab.txt");
    }
}
