package ai.legion.core.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.legion.core.config.AddedTokens;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.LegionCache;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LLaMA tokenizer as LEGION uses it: the pinned slow {@code LlamaTokenizer} of transformers 4.28
 * plus the GLaMM added tokens ({@code <im_start>} ... {@code </p>}).
 *
 * <p>Encoding follows the slow tokenizer exactly: the text is split on added and special tokens
 * (leftmost-longest match), whitespace next to each such token is stripped (unless
 * {@code special_tokens_map.json} declares an {@code lstrip/rstrip} of false for it), each remaining
 * piece is encoded by the SentencePiece model with its own dummy {@code ▁} prefix, and BOS is
 * prepended. The SentencePiece part runs through DJL's HuggingFace tokenizer (a {@code tokenizer.json},
 * converted from {@code tokenizer.model} when the checkpoint ships only that), never truncating.
 *
 * <p>Instances are immutable and thread-safe; close them to free the native tokenizer.
 */
public final class LegionTokenizer implements AutoCloseable {

    /** The placeholder id {@code tokenizer_image_token} puts where the image features go. */
    public static final long IMAGE_TOKEN_INDEX = -200;
    /** The label of unsupervised positions. */
    public static final long IGNORE_INDEX = -100;
    /** The image placeholder in prompt text. */
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer sp;
    private final AddedTokens added;
    private final Map<String, SplitToken> splitTokens;
    private final String[] splitOrder;
    private final int baseVocab;
    private final int bos;
    private final int eos;
    private final int unk;
    private final int pad;

    /** A token matched before SentencePiece runs, with whether whitespace beside it is stripped. */
    private record SplitToken(String text, long id, boolean added, boolean special, boolean lstrip, boolean rstrip) {}

    private LegionTokenizer(HuggingFaceTokenizer sp, AddedTokens added, Map<String, SplitToken> splitTokens,
            int baseVocab, int bos, int eos, int unk, int pad) {
        this.sp = sp;
        this.added = added;
        this.splitTokens = splitTokens;
        this.splitOrder = splitTokens.keySet().stream()
                .sorted((a, b) -> Integer.compare(b.length(), a.length())).toArray(String[]::new);
        this.baseVocab = baseVocab;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.pad = pad;
    }

    /**
     * Loads the tokenizer of a GLaMM/LEGION checkpoint folder: {@code tokenizer.json} if present, else
     * {@code tokenizer.model} (converted once and cached under {@link #cacheDir()}), plus
     * {@code added_tokens.json} (the GLaMM tokens if absent) and {@code special_tokens_map.json}.
     */
    public static LegionTokenizer load(Path modelDir) throws CheckpointException {
        Path json = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            Path model = modelDir.resolve("tokenizer.model");
            if (!Files.isRegularFile(model)) {
                throw new CheckpointException(modelDir, null, "no tokenizer.json or tokenizer.model in the folder");
            }
            json = convertedJson(model);
        }
        Path addedFile = modelDir.resolve("added_tokens.json");
        AddedTokens added = Files.isRegularFile(addedFile) ? AddedTokens.read(addedFile) : AddedTokens.glamm();
        Path special = modelDir.resolve("special_tokens_map.json");
        return create(json, added, Files.isRegularFile(special) ? special : null);
    }

    /**
     * A tokenizer from a {@code tokenizer.json} and added tokens. Without a special-tokens map the
     * special tokens keep LlamaTokenizer's defaults (no whitespace stripping beside them).
     */
    public static LegionTokenizer create(Path tokenizerJson, AddedTokens added, Path specialTokensMap)
            throws CheckpointException {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new CheckpointException(tokenizerJson, null, "cannot read tokenizer.json: " + e.getMessage(), e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new CheckpointException(tokenizerJson, null, "tokenizer.json has no model.vocab");
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        vocab.properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
        for (JsonNode t : root.path("added_tokens")) {
            ids.putIfAbsent(t.path("content").asText(), t.path("id").asInt());
        }
        int baseVocab = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (Map.Entry<String, Integer> e : added.ids().entrySet()) {
            Integer existing = ids.get(e.getKey());
            if (existing != null && !existing.equals(e.getValue())) {
                throw new CheckpointException(tokenizerJson, null, "added token " + e.getKey() + " has id " + e.getValue()
                        + " but the vocabulary already maps it to " + existing);
            }
            if (existing == null && e.getValue() < baseVocab) {
                throw new CheckpointException(tokenizerJson, null, "added token " + e.getKey() + " id " + e.getValue()
                        + " collides with the base vocabulary of " + baseVocab + " ids");
            }
        }
        Map<String, JsonNode> specialFlags = readSpecialMap(specialTokensMap);
        String bosText = specialText(specialFlags, "bos_token", "<s>");
        String eosText = specialText(specialFlags, "eos_token", "</s>");
        String unkText = specialText(specialFlags, "unk_token", "<unk>");
        String padText = specialText(specialFlags, "pad_token", unkText);
        Map<String, SplitToken> split = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : added.ids().entrySet()) {
            split.put(e.getKey(), new SplitToken(e.getKey(), e.getValue(), true, false, true, true));
        }
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            String text = specialText(specialFlags, key, null);
            if (key.equals("bos_token") && text == null) {
                text = bosText;
            } else if (key.equals("eos_token") && text == null) {
                text = eosText;
            } else if (key.equals("unk_token") && text == null) {
                text = unkText;
            }
            if (text == null || split.containsKey(text) || !ids.containsKey(text)) {
                continue;
            }
            JsonNode v = specialFlags.get(key);
            // transformers 4.28: a plain string in special_tokens_map.json replaces LlamaTokenizer's
            // AddedToken(lstrip=False, rstrip=False), and plain strings get whitespace stripped on both sides
            boolean lstrip = v == null ? false : v.isTextual() || v.path("lstrip").asBoolean(false);
            boolean rstrip = v == null ? false : v.isTextual() || v.path("rstrip").asBoolean(false);
            split.put(text, new SplitToken(text, ids.get(text), false, true, lstrip, rstrip));
        }
        int bos = idOf(tokenizerJson, ids, bosText);
        int eos = idOf(tokenizerJson, ids, eosText);
        int unk = idOf(tokenizerJson, ids, unkText);
        int pad = idOf(tokenizerJson, ids, padText);
        HuggingFaceTokenizer sp;
        try {
            sp = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson).optAddSpecialTokens(false)
                    .optTruncation(false).optPadding(false).build();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(tokenizerJson, null, "cannot load tokenizer: " + e.getMessage(), e);
        }
        return new LegionTokenizer(sp, added, split, baseVocab, bos, eos, unk, pad);
    }

    private static Map<String, JsonNode> readSpecialMap(Path file) throws CheckpointException {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        if (file == null) {
            return m;
        }
        try {
            JSON.readTree(file.toFile()).properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, null, "cannot read special_tokens_map.json: " + e.getMessage(), e);
        }
        return m;
    }

    private static String specialText(Map<String, JsonNode> m, String key, String dflt) {
        JsonNode v = m.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        return v.isTextual() ? v.asText() : v.path("content").asText(dflt);
    }

    private static int idOf(Path file, Map<String, Integer> ids, String token) throws CheckpointException {
        Integer id = ids.get(token);
        if (id == null) {
            throw new CheckpointException(file, null, "special token " + token + " is not in the vocabulary");
        }
        return id;
    }

    /** Where converted {@code tokenizer.json} files are looked up: {@link LegionCache#dir()}. */
    public static Path cacheDir() {
        return LegionCache.dir();
    }

    /**
     * The {@code tokenizer.json} converted from a {@code tokenizer.model}, from the cache (converted and cached on
     * the first call per content hash).
     *
     * @throws CheckpointException if the model cannot be read or converted
     */
    public static Path convertedJson(Path model) throws CheckpointException {
        String hash;
        try (InputStream in = Files.newInputStream(model)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            hash = HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new CheckpointException(model, null, "cannot read: " + e, e);
        }
        Path json = cacheDir().resolve("tokenizers").resolve(hash + ".json");
        if (Files.isRegularFile(json)) {
            return json;
        }
        // a read-only cache folder is still read above; the conversion goes where this process can write
        json = LegionCache.writableDir().resolve("tokenizers").resolve(hash + ".json");
        if (!Files.isRegularFile(json)) {
            SentencePieceConverter.convert(model, json);
        }
        return json;
    }

    /**
     * Encodes text as the pinned slow tokenizer does ({@code tokenizer(text).input_ids}).
     *
     * @param addBos whether to prepend BOS (the tokenizer's default)
     */
    public long[] encode(String text, boolean addBos) {
        LongList out = new LongList();
        if (addBos) {
            out.add(bos);
        }
        for (Piece piece : splitOnTokens(text)) {
            if (piece.token != null) {
                out.add(piece.token.id);
            } else if (!piece.text.isEmpty()) {
                for (long id : sp.encode(piece.text).getIds()) {
                    out.add(id);
                }
            }
        }
        return out.toArray();
    }

    /** A piece of text between split tokens, or a split token itself. */
    private record Piece(String text, SplitToken token) {}

    /**
     * Splits on added/special tokens (leftmost match, longest first) and strips the whitespace beside
     * them as the slow tokenizer does.
     */
    private List<Piece> splitOnTokens(String text) {
        List<Piece> parts = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String match = null;
            for (String s : splitOrder) {
                if (text.startsWith(s, i)) {
                    match = s;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > start) {
                parts.add(new Piece(text.substring(start, i), null));
            }
            parts.add(new Piece(match, splitTokens.get(match)));
            i += match.length();
            start = i;
        }
        if (start < text.length()) {
            parts.add(new Piece(text.substring(start), null));
        }
        for (int k = 0; k < parts.size(); k++) {
            SplitToken t = parts.get(k).token;
            if (t == null) {
                continue;
            }
            if (t.rstrip && k + 1 < parts.size() && parts.get(k + 1).token == null) {
                parts.set(k + 1, new Piece(PyText.lstrip(parts.get(k + 1).text), null));
            }
            if (t.lstrip && k > 0 && parts.get(k - 1).token == null) {
                parts.set(k - 1, new Piece(PyText.rstrip(parts.get(k - 1).text), null));
            }
        }
        return parts;
    }

    /**
     * LLaVA's {@code tokenizer_image_token}: each {@code <image>} becomes {@link #IMAGE_TOKEN_INDEX};
     * every chunk is tokenized on its own (with BOS, which is dropped except at the very start).
     */
    public long[] encodeWithImage(String prompt) {
        String[] chunks = prompt.split(java.util.regex.Pattern.quote(IMAGE_PLACEHOLDER), -1);
        LongList out = new LongList();
        for (int c = 0; c < chunks.length; c++) {
            long[] ids = encode(chunks[c], true);
            if (c == 0) {
                out.addAll(ids, 0);
            } else {
                out.add(IMAGE_TOKEN_INDEX);
                out.addAll(ids, 1);
            }
        }
        return out.toArray();
    }

    /**
     * Decodes as the slow tokenizer's {@code decode(ids, skip_special_tokens)} does: added tokens
     * become their own sub-texts joined with single spaces, runs of vocabulary pieces are decoded by
     * SentencePiece, and BOS/EOS/UNK inside a run are kept verbatim (with LlamaTokenizer's spacing).
     * {@link #IMAGE_TOKEN_INDEX} entries are skipped.
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        List<String> subTexts = new ArrayList<>();
        LongList run = new LongList();
        for (long id : ids) {
            if (id == IMAGE_TOKEN_INDEX || skipSpecialTokens && isSpecial(id)) {
                continue;
            }
            String addedToken = addedToken(id);
            if (addedToken != null) {
                if (run.size() > 0) {
                    subTexts.add(decodeRun(run.toArray()));
                    run.clear();
                }
                subTexts.add(addedToken);
            } else {
                run.add(id);
            }
        }
        if (run.size() > 0) {
            subTexts.add(decodeRun(run.toArray()));
        }
        return String.join(" ", subTexts);
    }

    /** LlamaTokenizer.convert_tokens_to_string: special tokens verbatim, the rest through SentencePiece. */
    private String decodeRun(long[] ids) {
        StringBuilder out = new StringBuilder();
        LongList pending = new LongList();
        boolean prevSpecial = false;
        for (int i = 0; i < ids.length; i++) {
            long id = ids[i];
            if (isSpecial(id)) {
                if (!prevSpecial && i != 0) {
                    out.append(' ');
                }
                out.append(pending.size() > 0 ? sp.decode(pending.toArray(), false) : "").append(tokenText(id));
                pending.clear();
                prevSpecial = true;
            } else {
                pending.add(id);
                prevSpecial = false;
            }
        }
        if (pending.size() > 0) {
            out.append(sp.decode(pending.toArray(), false));
        }
        return out.toString();
    }

    private boolean isSpecial(long id) {
        return id == bos || id == eos || id == unk || id == pad;
    }

    private String tokenText(long id) {
        for (SplitToken t : splitTokens.values()) {
            if (t.id == id) {
                return t.text;
            }
        }
        return sp.decode(new long[] {id}, false);
    }

    private String addedToken(long id) {
        for (Map.Entry<String, Integer> e : added.ids().entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Id of an added or special token such as {@code [SEG]}. */
    public int tokenId(String token) {
        SplitToken t = splitTokens.get(token);
        if (t == null) {
            throw new IllegalArgumentException("unknown added or special token " + token + "; known: "
                    + splitTokens.keySet());
        }
        return (int) t.id;
    }

    /** The added tokens. */
    public AddedTokens addedTokens() {
        return added;
    }

    /** Size of the base vocabulary (ids below this come from SentencePiece). */
    public int baseVocabSize() {
        return baseVocab;
    }

    /** Base vocabulary plus added tokens: the rows {@code embed_tokens} must have. */
    public int vocabSize() {
        return Math.max(baseVocab, added.maxId().orElse(-1) + 1);
    }

    public int bosId() {
        return bos;
    }

    public int eosId() {
        return eos;
    }

    public int unkId() {
        return unk;
    }

    /** Padding id (LEGION pads with unk, 0). */
    public int padId() {
        return pad;
    }

    @Override
    public void close() {
        sp.close();
    }

    /** A growable long array. */
    static final class LongList {
        private long[] a = new long[16];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        void addAll(long[] v, int from) {
            for (int i = from; i < v.length; i++) {
                add(v[i]);
            }
        }

        int size() {
            return n;
        }

        void clear() {
            n = 0;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
