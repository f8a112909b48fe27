package ai.legion.eval.css;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.models.nn.WeightMap;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A sentence-transformers model of the form {@code Transformer(BERT) → Pooling(mean)}, e.g.
 * {@code paraphrase-MiniLM-L6-v2}: tokenize, run {@link BertModel} on padded batches, mean-pool the last
 * hidden state over real tokens ({@link Pooling#mean}). Like {@code SentenceTransformer.encode}, sentences
 * are batched in order of decreasing token count (less padding) and returned in input order; results do
 * not depend on the batching beyond float rounding.
 *
 * <p>Each {@link #encode} call works in its own sub-manager, so one encoder can serve several threads.
 */
public final class SentenceEncoder implements AutoCloseable {

    /** sentence-transformers' {@code max_seq_length} of paraphrase-MiniLM-L6-v2, used when the folder has none. */
    public static final int DEFAULT_MAX_SEQ_LENGTH = 128;
    /** Default number of sentences per forward pass ({@code encode(batch_size=32)}). */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final BertModel model;
    private final SentenceTokenizer tokenizer;
    private final NDManager manager;
    private final boolean ownsManager;
    private final int batchSize;
    private final int padId;

    /**
     * Wraps a loaded model and a tokenizer.
     *
     * @param model a {@link BertModel} whose weights are loaded
     * @param tokenizer its tokenizer; its {@code maxLength} must not exceed {@code max_position_embeddings}
     * @param manager the manager the weights live in (its device runs the model; not closed by this encoder)
     * @param batchSize sentences per forward pass (at least 1)
     */
    public SentenceEncoder(BertModel model, SentenceTokenizer tokenizer, NDManager manager, int batchSize) {
        this(model, tokenizer, manager, batchSize, false);
    }

    private SentenceEncoder(BertModel model, SentenceTokenizer tokenizer, NDManager manager, int batchSize,
            boolean ownsManager) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.manager = Objects.requireNonNull(manager, "manager");
        if (batchSize < 1) {
            throw new IllegalArgumentException("SentenceEncoder: batch size must be >= 1, got " + batchSize);
        }
        if (tokenizer.maxLength() > model.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("SentenceEncoder: tokenizer max length " + tokenizer.maxLength()
                    + " exceeds max_position_embeddings " + model.config().maxPositionEmbeddings());
        }
        this.batchSize = batchSize;
        this.ownsManager = ownsManager;
        this.padId = model.config().padTokenId();
    }

    /**
     * Loads a sentence-transformers folder: {@code config.json} ({@link BertConfig}), the weights
     * ({@code model.safetensors} or {@code pytorch_model.bin}, see {@link Checkpoints#open}), the tokenizer
     * ({@link SentenceTokenizer#load}), {@code sentence_bert_config.json}'s {@code max_seq_length}
     * (default {@value #DEFAULT_MAX_SEQ_LENGTH}, capped at {@code max_position_embeddings}) and, when present,
     * {@code 1_Pooling/config.json}, which must select mean pooling. Weights are loaded as float32 on the
     * default device into a manager this encoder owns.
     *
     * @throws CheckpointException on a missing, malformed or mismatching file
     */
    public static SentenceEncoder load(Path dir) throws CheckpointException {
        BertConfig config = BertConfig.read(dir.resolve("config.json"));
        checkPooling(dir.resolve("1_Pooling").resolve("config.json"));
        int maxLength = Math.min(maxSeqLength(dir.resolve("sentence_bert_config.json")), config.maxPositionEmbeddings());
        BertModel model = new BertModel(config);
        NDManager manager = NDManager.newBaseManager();
        SentenceTokenizer tokenizer = null;
        try (Checkpoint weights = Checkpoints.open(dir)) {
            WeightMap.LoadReport report = model.load(weights, manager, NDArrayLoader.FloatPolicy.FLOAT32);
            if (!report.isComplete()) {
                throw new CheckpointException(dir, null, "incomplete weights: " + report);
            }
            tokenizer = SentenceTokenizer.load(dir, maxLength);
            return new SentenceEncoder(model, tokenizer, manager, DEFAULT_BATCH_SIZE, true);
        } catch (CheckpointException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    private static int maxSeqLength(Path file) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            return DEFAULT_MAX_SEQ_LENGTH;
        }
        JsonNode n = readJson(file);
        JsonNode v = n.get("max_seq_length");
        if (v == null || v.isNull()) {
            return DEFAULT_MAX_SEQ_LENGTH;
        }
        if (!v.isIntegralNumber() || v.asInt() < 2) {
            throw new CheckpointException(file, null, "max_seq_length must be an integer >= 2, got " + v);
        }
        return v.asInt();
    }

    private static void checkPooling(Path file) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        JsonNode n = readJson(file);
        boolean mean = n.path("pooling_mode_mean_tokens").asBoolean(false);
        boolean other = n.path("pooling_mode_cls_token").asBoolean(false) || n.path("pooling_mode_max_tokens").asBoolean(false)
                || n.path("pooling_mode_mean_sqrt_len_tokens").asBoolean(false);
        if (!mean || other) {
            throw new CheckpointException(file, null, "only mean pooling (pooling_mode_mean_tokens alone) is supported");
        }
    }

    private static JsonNode readJson(Path file) throws CheckpointException {
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new CheckpointException(file, null, "expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The transformer. */
    public BertModel model() {
        return model;
    }

    /** The tokenizer. */
    public SentenceTokenizer tokenizer() {
        return tokenizer;
    }

    /** Embedding width ({@code hidden_size}). */
    public int dimension() {
        return model.config().hiddenSize();
    }

    /**
     * Mean-pooled sentence embeddings (not normalized), one row per sentence in input order.
     *
     * @throws NullPointerException if the list or a sentence is null
     */
    public float[][] encode(List<String> sentences) {
        Objects.requireNonNull(sentences, "sentences");
        int n = sentences.size();
        long[][] ids = new long[n][];
        for (int i = 0; i < n; i++) {
            ids[i] = tokenizer.encode(Objects.requireNonNull(sentences.get(i), "sentence " + i));
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -ids[i].length)); // stable: ties keep input order
        float[][] out = new float[n][];
        try (NDManager sub = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(sub, false);
            for (int start = 0; start < n; start += batchSize) {
                List<Integer> batch = new ArrayList<>(Arrays.asList(order).subList(start, Math.min(n, start + batchSize)));
                float[][] rows = encodeBatch(sub, ps, batch, ids);
                for (int k = 0; k < batch.size(); k++) {
                    out[batch.get(k)] = rows[k];
                }
            }
        }
        return out;
    }

    /** One sentence's embedding. */
    public float[] encode(String sentence) {
        return encode(List.of(sentence))[0];
    }

    private float[][] encodeBatch(NDManager parent, ParameterStore ps, List<Integer> batch, long[][] ids) {
        int b = batch.size();
        int len = 0;
        for (int i : batch) {
            len = Math.max(len, ids[i].length);
        }
        long[] flatIds = new long[b * len];
        long[] flatMask = new long[b * len];
        Arrays.fill(flatIds, padId);
        for (int k = 0; k < b; k++) {
            long[] row = ids[batch.get(k)];
            System.arraycopy(row, 0, flatIds, k * len, row.length);
            Arrays.fill(flatMask, k * len, k * len + row.length, 1L);
        }
        try (NDManager m = parent.newSubManager()) {
            NDArray inputIds = m.create(flatIds, new Shape(b, len));
            NDArray mask = m.create(flatMask, new Shape(b, len));
            BertModel.Output out = model.forward(ps, inputIds, mask, null, false);
            return Pooling.rows(Pooling.mean(out.lastHiddenState(), mask));
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        if (ownsManager) {
            manager.close();
        }
    }
}
