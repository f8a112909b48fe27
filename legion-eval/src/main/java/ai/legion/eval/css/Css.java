package ai.legion.eval.css;

import ai.legion.core.io.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The paper's CSS (cosine semantic similarity, Table 3): cosine of the sentence embeddings of a predicted
 * explanation and its reference, ×100, with {@code sentence-transformers/paraphrase-MiniLM-L6-v2}
 * (the cosine is sentence-transformers' {@code util.py::cos_sim}: both vectors L2-normalized with eps
 * 1e-12, then the dot product). LEGION publishes no code for it; the reference is the SynthScars
 * {@code caption} (LOKI: {@code desc}).
 */
public final class Css implements AutoCloseable {

    private final SentenceEncoder encoder;
    private final boolean ownsEncoder;

    /** Uses an encoder the caller keeps owning. */
    public Css(SentenceEncoder encoder) {
        this(encoder, false);
    }

    private Css(SentenceEncoder encoder, boolean owns) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.ownsEncoder = owns;
    }

    /** Loads a sentence-transformers folder ({@link SentenceEncoder#load}); {@link #close()} releases it. */
    public static Css load(Path modelDir) throws CheckpointException {
        return new Css(SentenceEncoder.load(modelDir), true);
    }

    /** The encoder. */
    public SentenceEncoder encoder() {
        return encoder;
    }

    /** CSS of one pair: {@code 100 · cos(embed(prediction), embed(reference))}, in [-100, 100]. */
    public double similarity(String prediction, String reference) {
        return similarities(List.of(prediction), List.of(reference))[0];
    }

    /**
     * CSS of aligned pairs, encoding all sentences in batches.
     *
     * @throws IllegalArgumentException if the lists differ in length
     */
    public double[] similarities(List<String> predictions, List<String> references) {
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(references, "references");
        if (predictions.size() != references.size()) {
            throw new IllegalArgumentException("Css: " + predictions.size() + " predictions for " + references.size()
                    + " references");
        }
        List<String> all = new ArrayList<>(predictions.size() * 2);
        all.addAll(predictions);
        all.addAll(references);
        float[][] e = encoder.encode(all);
        int n = predictions.size();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = 100 * Pooling.cosine(e[i], e[n + i]);
        }
        return out;
    }

    /** The mean CSS over aligned pairs (NaN for none), as the paper's table entry. */
    public double mean(List<String> predictions, List<String> references) {
        double[] s = similarities(predictions, references);
        if (s.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : s) {
            sum += v;
        }
        return sum / s.length;
    }

    @Override
    public void close() {
        if (ownsEncoder) {
            encoder.close();
        }
    }
}
