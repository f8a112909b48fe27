package ai.legion.eval.css;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.legion.core.io.Checkpoint;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.Checkpoints;
import ai.legion.core.io.NDArrayLoader;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end from text: a sentence-transformers folder built from {@code parity/minilm} plus a vocabulary
 * whose words map to the fixture's input ids, so that tokenizing the reconstructed sentences reproduces the
 * fixture ids and {@link SentenceEncoder} must reproduce its sentence embeddings (and {@link Css} its
 * cosines) with either tokenizer and any batching.
 */
class SentenceEncoderTest {

    private static final double TOL = 1e-4;

    @TempDir
    static Path tmp;

    private static Path minilm;
    private static long[][] rows;       // unpadded fixture ids per sentence
    private static float[][] expected;  // fixture sentence embeddings
    private static float[] cosine;      // fixture cosine matrix, row-major
    private static List<String> sentences;
    private static Map<String, Integer> vocab;
    private static int maxLength;

    @BeforeAll
    static void build() throws Exception {
        minilm = Fixtures.path("parity/minilm");
        BertConfig config = BertConfig.read(minilm.resolve("config.json"));
        try (SafetensorsFile io = SafetensorsFile.open(minilm.resolve("io.safetensors"))) {
            long[] shape = io.info("input_ids").shape();
            int b = (int) shape[0];
            int l = (int) shape[1];
            maxLength = l;
            long[] ids = Fixtures.longs(io, "input_ids");
            long[] mask = Fixtures.longs(io, "attention_mask");
            float[] emb = Fixtures.floats(io, "sentence_embeddings");
            int h = (int) io.info("sentence_embeddings").shape()[1];
            cosine = Fixtures.floats(io, "cosine_similarity");
            rows = new long[b][];
            expected = new float[b][];
            for (int r = 0; r < b; r++) {
                int len = 0;
                for (int k = 0; k < l; k++) {
                    len += (int) mask[r * l + k];
                }
                rows[r] = Arrays.copyOfRange(ids, r * l, r * l + len);
                expected[r] = Arrays.copyOfRange(emb, r * h, (r + 1) * h);
            }
        }
        long cls = rows[0][0];
        long sep = rows[0][rows[0].length - 1];
        TreeSet<Long> used = new TreeSet<>();
        for (long[] row : rows) {
            assertEquals(cls, row[0], "every fixture row starts with the same [CLS]");
            assertEquals(sep, row[row.length - 1], "every fixture row ends with the same [SEP]");
            for (long id : row) {
                used.add(id);
            }
        }
        used.add((long) config.padTokenId());
        // [UNK] and [MASK] take the first ids no sentence uses; every other id is the word "w<id>"
        List<Long> free = new ArrayList<>();
        for (long id = 0; id < config.vocabSize() && free.size() < 2; id++) {
            if (!used.contains(id)) {
                free.add(id);
            }
        }
        String[] tokens = new String[config.vocabSize()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = "w" + i;
        }
        tokens[config.padTokenId()] = "[PAD]";
        tokens[(int) cls] = "[CLS]";
        tokens[(int) sep] = "[SEP]";
        tokens[free.get(0).intValue()] = "[UNK]";
        tokens[free.get(1).intValue()] = "[MASK]";
        vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            vocab.put(tokens[i], i);
        }
        sentences = new ArrayList<>();
        for (long[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int k = 1; k < row.length - 1; k++) {
                sb.append(k % 2 == 0 ? "W" : "w").append(row[k]).append(k % 3 == 0 ? "  " : " ");
            }
            sentences.add(sb.toString()); // mixed case and spacing: lowercased and split like BERT does
        }
    }

    /** A sentence-transformers folder with the fixture weights and the given tokenizer files. */
    private static Path folder(String name, boolean tokenizerJson) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.copy(minilm.resolve("config.json"), d.resolve("config.json"));
        Files.copy(minilm.resolve("model.safetensors"), d.resolve("model.safetensors"));
        Files.copy(minilm.resolve("modules.json"), d.resolve("modules.json"));
        Files.createDirectories(d.resolve("1_Pooling"));
        Files.copy(minilm.resolve("1_Pooling/config.json"), d.resolve("1_Pooling/config.json"));
        Files.writeString(d.resolve("sentence_bert_config.json"),
                "{\"max_seq_length\": " + maxLength + ", \"do_lower_case\": false}");
        if (tokenizerJson) {
            TokenizerFiles.writeBertTokenizerJson(d.resolve("tokenizer.json"), vocab,
                    List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), "[CLS]", "[SEP]", "[UNK]", true);
        } else {
            StringBuilder sb = new StringBuilder();
            vocab.keySet().forEach(t -> sb.append(t).append('\n'));
            Files.writeString(d.resolve("vocab.txt"), sb.toString());
        }
        return d;
    }

    private static void assertEmbeddings(String what, float[][] got) {
        double worst = 0;
        for (int r = 0; r < expected.length; r++) {
            for (int k = 0; k < expected[r].length; k++) {
                worst = Math.max(worst, Math.abs(expected[r][k] - got[r][k]));
            }
        }
        System.out.printf("[minilm] %-32s max|diff| = %.3e%n", what, worst);
        assertTrue(worst <= TOL, what + ": " + worst);
    }

    @Test
    void encodesTextLikeTheFixtureWithTheJavaTokenizer() throws Exception {
        try (SentenceEncoder enc = SentenceEncoder.load(folder("java", false))) {
            assertInstanceOf(WordPieceTokenizer.class, enc.tokenizer());
            assertEquals(maxLength, enc.tokenizer().maxLength());
            for (int r = 0; r < rows.length; r++) {
                assertArrayEquals(rows[r], enc.tokenizer().encode(sentences.get(r)), "ids of sentence " + r);
            }
            assertEmbeddings("encode (vocab.txt)", enc.encode(sentences));
            assertEquals(enc.model().config().hiddenSize(), enc.dimension());
            assertArrayEquals(enc.encode(sentences.get(1)), enc.encode(sentences)[1], 1e-5f);
            try (Css css = new Css(enc)) {
                int b = rows.length;
                double worst = 0;
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < b; j++) {
                        worst = Math.max(worst, Math.abs(css.similarity(sentences.get(i), sentences.get(j)) - 100 * cosine[i * b + j]));
                    }
                }
                System.out.printf("[minilm] %-32s max|diff| = %.3e (x100 scale)%n", "Css.similarity", worst);
                assertTrue(worst <= 100 * TOL, "css " + worst);
                double[] pairs = css.similarities(sentences.subList(0, b - 1), sentences.subList(1, b));
                assertEquals(100 * cosine[1], pairs[0], 100 * TOL);
                assertEquals(Arrays.stream(pairs).average().orElseThrow(), css.mean(sentences.subList(0, b - 1),
                        sentences.subList(1, b)), 1e-9);
                assertTrue(Double.isNaN(css.mean(List.of(), List.of())));
                assertThrows(IllegalArgumentException.class, () -> css.similarities(List.of("a"), List.of()));
            }
        }
    }

    @Test
    void encodesTextLikeTheFixtureWithTokenizerJson() throws Exception {
        try (SentenceEncoder enc = SentenceEncoder.load(folder("hf", true))) {
            assertInstanceOf(HfSentenceTokenizer.class, enc.tokenizer());
            for (int r = 0; r < rows.length; r++) {
                assertArrayEquals(rows[r], enc.tokenizer().encode(sentences.get(r)), "ids of sentence " + r);
            }
            assertEmbeddings("encode (tokenizer.json)", enc.encode(sentences));
        }
    }

    @Test
    void batchingDoesNotChangeEmbeddings() throws Exception {
        Path d = folder("batch", false);
        BertConfig config = BertConfig.read(d.resolve("config.json"));
        try (NDManager manager = NDManager.newBaseManager(); Checkpoint w = Checkpoints.open(d)) {
            BertModel model = new BertModel(config);
            model.load(w, manager, NDArrayLoader.FloatPolicy.FLOAT32);
            for (int batch : new int[] {1, 2, 64}) {
                SentenceEncoder enc = new SentenceEncoder(model, WordPieceTokenizer.load(d, maxLength), manager, batch);
                assertEmbeddings("encode, batch size " + batch, enc.encode(sentences));
                // repeated and reordered input
                List<String> rev = new ArrayList<>(sentences);
                Collections.reverse(rev);
                float[][] back = enc.encode(rev);
                assertArrayEquals(enc.encode(sentences)[0], back[back.length - 1], 1e-5f);
                assertEquals(0, enc.encode(List.of()).length);
                enc.close();
            }
            // repeated encoding leaves nothing behind in the weights' manager
            SentenceEncoder enc = new SentenceEncoder(model, WordPieceTokenizer.load(d, maxLength), manager, 2);
            enc.encode(sentences);
            int before = manager.getManagedArrays().size();
            for (int i = 0; i < 10; i++) {
                enc.encode(sentences);
            }
            assertEquals(before, manager.getManagedArrays().size(), "the weights' manager grew");
            assertThrows(IllegalArgumentException.class,
                    () -> new SentenceEncoder(model, WordPieceTokenizer.load(d, config.maxPositionEmbeddings() + 1), manager, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> new SentenceEncoder(model, WordPieceTokenizer.load(d, maxLength), manager, 0));
        }
    }

    @Test
    void onlyMeanPoolingIsAccepted() throws Exception {
        Path d = folder("cls", false);
        Files.writeString(d.resolve("1_Pooling/config.json"),
                "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> SentenceEncoder.load(d));
        assertTrue(e.getMessage().contains("mean pooling"), e.getMessage());
    }
}
