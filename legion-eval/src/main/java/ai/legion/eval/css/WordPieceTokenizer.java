package ai.legion.eval.css;

import ai.legion.core.io.CheckpointException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * BERT's uncased WordPiece tokenizer in pure Java, for model folders that have only {@code vocab.txt}
 * (+ {@code tokenizer_config.json}). It reproduces the fast tokenizer that a {@code tokenizer.json} of
 * the same vocabulary describes (HF tokenizers' {@code BertNormalizer}, {@code BertPreTokenizer},
 * {@code WordPiece}, {@code BertProcessing}), which is what sentence-transformers runs:
 * <ol>
 *   <li>special tokens present in the vocabulary ({@code [CLS]}, {@code [SEP]}, {@code [PAD]}, {@code [UNK]},
 *       {@code [MASK]}) are matched literally in the raw text and kept whole;
 *   <li>clean text: drop NUL, U+FFFD and control/format/unassigned/private-use/surrogate characters (Unicode
 *       category C*) except tab, newline and carriage return; map Unicode White_Space characters to a space;
 *   <li>put spaces around CJK ideographs (the ranges of BERT's {@code _is_chinese_char});
 *   <li>strip accents (NFD, drop non-spacing marks) when {@code strip_accents} is true, or is unset and
 *       lower-casing is on; then lowercase character by character;
 *   <li>split on whitespace and isolate every punctuation character (ASCII punctuation, Unicode P*);
 *   <li>WordPiece each word: greedy longest match first, continuation pieces prefixed {@code ##}; a word
 *       longer than 100 characters, or one with an unmatched remainder, becomes {@code [UNK]} as a whole;
 *   <li>{@code [CLS]} + pieces truncated to {@code maxLength − 2} + {@code [SEP]}.
 * </ol>
 * The slow {@code BertTokenizer} differs only in corner cases (it lowercases before stripping accents
 * and treats only category Zs as extra whitespace, so U+2028/U+2029 stay inside words).
 *
 * <p>Immutable and thread-safe.
 */
public final class WordPieceTokenizer implements SentenceTokenizer {

    /** HF's {@code max_input_chars_per_word}. */
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;
    /** Prefix of continuation pieces. */
    public static final String CONTINUATION = "##";

    /**
     * Options of {@code BasicTokenizer} / {@code BertNormalizer}.
     *
     * @param lowercase {@code do_lower_case}
     * @param stripAccents {@code strip_accents}; null = follow {@code lowercase}
     * @param tokenizeChineseChars {@code tokenize_chinese_chars}
     */
    public record Options(boolean lowercase, Boolean stripAccents, boolean tokenizeChineseChars) {

        /** The uncased BERT defaults (paraphrase-MiniLM-L6-v2): lowercase, accents stripped, CJK split. */
        public static Options uncased() {
            return new Options(true, null, true);
        }

        boolean stripsAccents() {
            return stripAccents != null ? stripAccents : lowercase;
        }
    }

    private final Map<String, Integer> vocab;
    private final Options options;
    private final int maxLength;
    private final String unkToken;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    /** Special tokens present in the vocabulary, longest first (so the longest literal match wins). */
    private final List<String> specials;

    /**
     * A tokenizer over {@code vocab}.
     *
     * @param vocab token → id ({@code vocab.txt} line numbers)
     * @param options normalization options
     * @param maxLength ids per sentence including {@code [CLS]} and {@code [SEP]} (at least 2)
     * @param specialTokens unk, cls, sep, pad and mask token strings in that order (unk, cls and sep must be
     *     in the vocabulary)
     * @throws IllegalArgumentException on a missing required special token or {@code maxLength < 2}
     */
    public WordPieceTokenizer(Map<String, Integer> vocab, Options options, int maxLength, List<String> specialTokens) {
        this.vocab = Map.copyOf(Objects.requireNonNull(vocab, "vocab"));
        this.options = Objects.requireNonNull(options, "options");
        if (maxLength < 2) {
            throw new IllegalArgumentException("WordPieceTokenizer: maxLength must be >= 2, got " + maxLength);
        }
        if (specialTokens.size() != 5) {
            throw new IllegalArgumentException("WordPieceTokenizer: expected 5 special tokens (unk, cls, sep, pad, mask)");
        }
        this.maxLength = maxLength;
        this.unkToken = specialTokens.get(0);
        this.unkId = required(unkToken, "unk");
        this.clsId = required(specialTokens.get(1), "cls");
        this.sepId = required(specialTokens.get(2), "sep");
        List<String> sp = new ArrayList<>();
        for (String s : specialTokens) {
            if (s != null && !s.isEmpty() && vocab.containsKey(s) && !sp.contains(s)) {
                sp.add(s);
            }
        }
        sp.sort((a, b) -> Integer.compare(b.length(), a.length()));
        this.specials = List.copyOf(sp);
    }

    private int required(String token, String what) {
        Integer id = token == null ? null : vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("WordPieceTokenizer: the " + what + " token " + token
                    + " is not in the vocabulary");
        }
        return id;
    }

    /**
     * Loads {@code vocab.txt} and, when present, {@code tokenizer_config.json} ({@code do_lower_case},
     * {@code strip_accents}, {@code tokenize_chinese_chars}, special token strings; defaults are the uncased
     * BERT ones) from a model folder.
     *
     * @param maxLength ids per sentence including {@code [CLS]} and {@code [SEP]} (at least 2)
     * @throws CheckpointException on unreadable or malformed files
     * @throws IllegalArgumentException if {@code maxLength < 2}
     */
    public static WordPieceTokenizer load(Path dir, int maxLength) throws CheckpointException {
        if (maxLength < 2) {
            throw new IllegalArgumentException("WordPieceTokenizer: maxLength must be >= 2, got " + maxLength);
        }
        Map<String, Integer> vocab = readVocab(dir.resolve("vocab.txt"));
        Options options = Options.uncased();
        String[] special = {"[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"};
        Path cfgFile = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(cfgFile)) {
            JsonNode cfg;
            try {
                cfg = new ObjectMapper().readTree(cfgFile.toFile());
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException(cfgFile, null, "cannot read tokenizer config: " + e.getMessage(), e);
            }
            if (cfg == null || !cfg.isObject()) {
                throw new CheckpointException(cfgFile, null, "tokenizer config must be a JSON object");
            }
            JsonNode sa = cfg.get("strip_accents");
            options = new Options(cfg.path("do_lower_case").asBoolean(true),
                    sa == null || sa.isNull() ? null : sa.asBoolean(),
                    cfg.path("tokenize_chinese_chars").asBoolean(true));
            String[] keys = {"unk_token", "cls_token", "sep_token", "pad_token", "mask_token"};
            for (int i = 0; i < keys.length; i++) {
                JsonNode v = cfg.get(keys[i]);
                if (v != null && v.isTextual()) {
                    special[i] = v.asText();
                } else if (v != null && v.isObject() && v.path("content").isTextual()) {
                    special[i] = v.path("content").asText(); // serialized AddedToken
                }
            }
        }
        try {
            return new WordPieceTokenizer(vocab, options, maxLength, List.of(special));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir.resolve("vocab.txt"), null, e.getMessage(), e);
        }
    }

    /**
     * Reads a {@code vocab.txt}: one token per line, id = line number (a repeated token keeps its last
     * line, as transformers' {@code load_vocab}).
     */
    public static Map<String, Integer> readVocab(Path file) throws CheckpointException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, null, "cannot read vocabulary: " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new CheckpointException(file, null, "empty vocabulary");
        }
        Map<String, Integer> vocab = new HashMap<>(lines.size() * 2);
        for (int i = 0; i < lines.size(); i++) {
            vocab.put(lines.get(i), i);
        }
        return vocab;
    }

    /** The normalization options. */
    public Options options() {
        return options;
    }

    /** The vocabulary (token → id). */
    public Map<String, Integer> vocab() {
        return Collections.unmodifiableMap(vocab);
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    @Override
    public long[] encode(String text) {
        List<String> pieces = tokenize(text);
        int n = Math.min(pieces.size(), maxLength - 2);
        long[] ids = new long[n + 2];
        ids[0] = clsId;
        for (int i = 0; i < n; i++) {
            ids[i + 1] = vocab.get(pieces.get(i));
        }
        ids[n + 1] = sepId;
        return ids;
    }

    /** The WordPiece tokens of {@code text}, without {@code [CLS]}/{@code [SEP]} and without truncation. */
    public List<String> tokenize(String text) {
        Objects.requireNonNull(text, "text");
        List<String> out = new ArrayList<>();
        for (Segment seg : splitOnSpecials(text)) {
            if (seg.special) {
                out.add(seg.text);
                continue;
            }
            for (String word : basicTokenize(seg.text)) {
                wordPiece(word, out);
            }
        }
        return out;
    }

    private record Segment(String text, boolean special) {}

    private List<Segment> splitOnSpecials(String text) {
        List<Segment> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String hit = null;
            for (String s : specials) {
                if (text.startsWith(s, i)) {
                    hit = s;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (i > start) {
                out.add(new Segment(text.substring(start, i), false));
            }
            out.add(new Segment(hit, true));
            i += hit.length();
            start = i;
        }
        if (start < text.length()) {
            out.add(new Segment(text.substring(start), false));
        }
        return out;
    }

    /** Normalization and pre-tokenization: the words WordPiece sees. */
    public List<String> basicTokenize(String text) {
        Objects.requireNonNull(text, "text");
        String normalized = normalize(text);
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        normalized.codePoints().forEach(cp -> {
            if (cp == ' ') {
                flush(cur, words);
            } else if (isPunctuation(cp)) {
                flush(cur, words);
                words.add(new String(Character.toChars(cp)));
            } else {
                cur.appendCodePoint(cp);
            }
        });
        flush(cur, words);
        return words;
    }

    private static void flush(StringBuilder cur, List<String> words) {
        if (cur.length() > 0) {
            words.add(cur.toString());
            cur.setLength(0);
        }
    }

    /** BertNormalizer: clean text, CJK spacing, accent stripping, lower-casing. */
    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                sb.append(' ');
            } else if (options.tokenizeChineseChars() && isChineseChar(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String s = sb.toString();
        if (options.stripsAccents()) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder kept = new StringBuilder(nfd.length());
            nfd.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                    .forEach(kept::appendCodePoint);
            s = kept.toString();
        }
        if (options.lowercase()) {
            // per character, without context (no Greek final-sigma rule), as tokenizers' NormalizedString does
            StringBuilder lower = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> lower.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)));
            s = lower.toString();
        }
        return s;
    }

    private void wordPiece(String word, List<String> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > MAX_INPUT_CHARS_PER_WORD) {
            out.add(unkToken);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            String found = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) {
                    sub = CONTINUATION + sub;
                }
                if (vocab.containsKey(sub)) {
                    found = sub;
                    break;
                }
                end--;
            }
            if (found == null) {
                out.add(unkToken); // the whole word, not just the unmatched rest
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    // ---- character classes -----------------------------------------------------------------------------

    /** Unicode category C* other than tab, newline and carriage return. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** The Unicode White_Space property (what Rust's {@code char::is_whitespace} tests). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** ASCII punctuation (including symbols such as {@code $ + < = > ^ ` | ~}) or Unicode category P*. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    /** BERT's CJK ideograph blocks ({@code _is_chinese_char}). */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** A copy of the vocabulary in id order (for writing an equivalent {@code tokenizer.json}). */
    public Map<String, Integer> vocabInIdOrder() {
        Map<String, Integer> m = new LinkedHashMap<>();
        vocab.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    @Override
    public void close() {
        // nothing native to release
    }
}
