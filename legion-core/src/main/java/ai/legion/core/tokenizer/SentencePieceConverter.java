package ai.legion.core.tokenizer;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.IoUtils;
import ai.legion.core.text.SafeText;
import ai.legion.core.tokenizer.SentencePieceModel.Piece;
import ai.legion.core.tokenizer.SentencePieceModel.Type;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a SentencePiece BPE {@code tokenizer.model} into a Hugging Face {@code tokenizer.json} (the
 * layout of transformers' {@code LlamaConverter}) that DJL's {@code HuggingFaceTokenizer} loads and that
 * gives SentencePiece's ids.
 *
 * <p>How SentencePiece BPE is mapped onto HF BPE:
 *
 * <ul>
 *   <li><b>Normaliser.</b> SentencePiece (identity rule) optionally drops leading/trailing spaces and
 *       collapses runs ({@code remove_extra_whitespaces}), puts one "▁" before any non-empty text, even one
 *       that starts with a space ({@code " "} → "▁▁"), and replaces every space by "▁". HF: {@code Replace}
 *       regexes for the whitespace removal, then {@code Prepend("▁")} (which skips empty strings, as
 *       SentencePiece does) and {@code Replace(" ", "▁")}. No pre-tokenizer: SentencePiece runs BPE over
 *       the whole normalised text, and HF's {@code Metaspace} would not add the "▁" before a leading
 *       space.
 *   <li><b>Merge order.</b> SentencePiece repeatedly merges the adjacent pair whose concatenation is a
 *       piece with the highest score (leftmost on ties); HF merges the adjacent pair of lowest merge
 *       rank (leftmost on ties). The merges are therefore every split {@code (left, right)} of every
 *       mergeable piece, ranked by the score of the merged piece, highest first. See {@link #merges}.
 *   <li><b>Unknown text.</b> Characters that are not pieces become {@code <0xNN>} byte pieces when
 *       {@code byte_fallback} is set, else one fused {@code unk} per run, as in SentencePiece.
 *   <li><b>Special pieces.</b> CONTROL and UNKNOWN pieces become special added tokens; BOS is added by a
 *       {@code TemplateProcessing} post-processor as the slow {@code LlamaTokenizer} does.
 * </ul>
 *
 * <p>Known differences from SentencePiece; for LLaMA-style models only the first can occur, and only on
 * text that spells out a control token:
 *
 * <ul>
 *   <li>HF extracts added tokens from the raw text, so a literal {@code "</s>"} in the input becomes the
 *       control id (as in transformers), where SentencePiece would spell it out character by character.
 *   <li>USER_DEFINED pieces become non-special added tokens, as transformers does. SentencePiece matches
 *       them inside the normalised text, HF in the raw text and then normalises the surrounding
 *       segments separately, so the "▁" next to them can differ. A warning is logged.
 *   <li>UNUSED pieces are never merge results here. SentencePiece may merge through one and split it
 *       back at the end, so pieces built on top of an unused piece can differ. A warning is logged.
 *   <li>Two different pairs with exactly the same score are taken leftmost-first by SentencePiece but in
 *       rank order by HF; trained models have distinct scores (a warning is logged otherwise).
 *   <li>Decoding an {@code unk} gives "" (HF skips the special token) where SentencePiece gives " ⁇ ".
 * </ul>
 *
 * <p>Rejected, with a {@link CheckpointException} saying why: a non-empty {@code precompiled_charsmap}
 * (NFKC and other normalisation rules), {@code treat_whitespace_as_suffix}, and {@code byte_fallback}
 * without the 256 {@code <0xNN>} pieces.
 */
public final class SentencePieceConverter {

    private static final Logger LOG = LoggerFactory.getLogger(SentencePieceConverter.class);

    /** SentencePiece's whitespace symbol U+2581 "▁". */
    static final String SPACE_SYMBOL = "\u2581";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SentencePieceConverter() {}

    /**
     * Reads {@code tokenizerModel} and writes the equivalent {@code tokenizerJson} atomically (a
     * temporary file renamed over the target).
     *
     * @throws CheckpointException naming the file that cannot be read, parsed, converted or written
     */
    public static void convert(Path tokenizerModel, Path tokenizerJson) throws CheckpointException {
        SentencePieceModel model = SentencePieceModel.read(tokenizerModel);
        byte[] bytes = toTokenizerJson(model).getBytes(StandardCharsets.UTF_8);
        IoUtils.writeAtomically(tokenizerJson, bytes);
    }

    /**
     * The {@code tokenizer.json} text for a model.
     *
     * @throws CheckpointException naming the model file when the model uses a feature HF tokenizers
     *     cannot reproduce (see the class documentation)
     */
    public static String toTokenizerJson(SentencePieceModel m) throws CheckpointException {
        checkSupported(m);
        warnAboutApproximations(m);
        List<Piece> pieces = m.pieces();

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");

        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < pieces.size(); id++) {
            Type type = pieces.get(id).type();
            if (type == Type.CONTROL || type == Type.UNKNOWN || type == Type.USER_DEFINED) {
                ObjectNode t = added.addObject();
                t.put("id", id);
                t.put("content", pieces.get(id).piece());
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", type != Type.USER_DEFINED);
            }
        }

        root.set("normalizer", normalizer(m));
        root.putNull("pre_tokenizer");
        root.set("post_processor", postProcessor(m));
        root.set("decoder", decoder(m));

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", pieces.get(m.unkId()).piece());
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true); // SentencePiece fuses runs of unknown pieces into one <unk>
        model.put("byte_fallback", m.byteFallback());
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < pieces.size(); id++) {
            vocab.put(pieces.get(id).piece(), id);
        }
        List<String[]> merges = merges(m);
        // "left right" strings are the classic format; a piece holding a space (escape_whitespaces=false)
        // would make them ambiguous, so then every merge is written as a [left, right] pair (tokenizers >= 0.20).
        boolean pairs = merges.stream().anyMatch(p -> p[0].contains(" ") || p[1].contains(" "));
        ArrayNode mergeArray = model.putArray("merges");
        for (String[] merge : merges) {
            if (pairs) {
                mergeArray.addArray().add(merge[0]).add(merge[1]);
            } else {
                mergeArray.add(merge[0] + " " + merge[1]);
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(m.file(), null, "cannot serialise tokenizer.json: " + e.getMessage(), e);
        }
    }

    /**
     * The BPE merges in rank order, each as {@code {left, right}}.
     *
     * <p>A merge is every split of a NORMAL or USER_DEFINED piece into two halves that are both NORMAL or
     * UNUSED pieces: SentencePiece's symbols are characters and merge results, never CONTROL, UNKNOWN or
     * BYTE pieces, and a USER_DEFINED symbol is frozen (never merged further). Ranks follow
     * SentencePiece's priority: the score of the merged piece, highest first; ties keep id order of the
     * merged piece, then {@code (id(left), id(right))}, as transformers' {@code SentencePieceExtractor}
     * does.
     *
     * <p>Ordering by score, not by piece id, matters: the LLaMA pieces are not in score order (the
     * whitespace runs "▁▁", "▁▁▁▁", ... have low ids but the lowest scores), and in id order
     * {@code "  two  spaces"} ends in "▁▁" "spaces" where SentencePiece gives "▁" "▁spaces".
     *
     * <p>For the LLaMA fixture ({@code prompt/tokenizer.model}) this list and the merges of the reference
     * LLaMA-2 {@code tokenizer.json} are the same 61,249 pairs. The first 61,129 are in the same order; the
     * last 120, which only build runs of "▁", are the same pairs in another order (the reference groups
     * them by left half, this list ranks them by score). Both orders give SentencePiece's ids on every
     * test string, whitespace runs of all lengths included: the test compares the two tokenizers.
     */
    static List<String[]> merges(SentencePieceModel m) {
        List<Piece> pieces = m.pieces();
        record Candidate(float score, int piece, int left, int right) {}
        List<Candidate> candidates = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            Piece p = pieces.get(id);
            if (p.type() != Type.NORMAL && p.type() != Type.USER_DEFINED) {
                continue;
            }
            String s = p.piece();
            // split at code-point boundaries only: half a surrogate pair is never a piece
            for (int k = s.offsetByCodePoints(0, 1); k < s.length(); k = s.offsetByCodePoints(k, 1)) {
                int left = m.id(s.substring(0, k));
                int right = m.id(s.substring(k));
                if (left >= 0 && right >= 0 && canBeSymbol(pieces.get(left)) && canBeSymbol(pieces.get(right))) {
                    candidates.add(new Candidate(p.score(), id, left, right));
                }
            }
        }
        candidates.sort(Comparator.comparingDouble((Candidate c) -> -c.score())
                .thenComparingInt(Candidate::piece)
                .thenComparingInt(Candidate::left)
                .thenComparingInt(Candidate::right));
        List<String[]> merges = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            merges.add(new String[] {pieces.get(c.left()).piece(), pieces.get(c.right()).piece()});
        }
        return merges;
    }

    private static boolean canBeSymbol(Piece p) {
        return p.type() == Type.NORMAL || p.type() == Type.UNUSED;
    }

    private static void checkSupported(SentencePieceModel m) throws CheckpointException {
        int charsmap = m.precompiledCharsmap().length;
        if (charsmap > 0) {
            throw new CheckpointException(m.file(), null, "normalizer '" + m.normalizerName()
                    + "' with a precompiled_charsmap of " + charsmap + " bytes is not supported: only identity "
                    + "normalisation (an empty precompiled_charsmap) can be converted");
        }
        if (m.treatWhitespaceAsSuffix()) {
            throw new CheckpointException(m.file(), null,
                    "treat_whitespace_as_suffix is not supported (the \"▁\" would go after words)");
        }
        if (m.byteFallback()) {
            List<String> missing = new ArrayList<>();
            for (int b = 0; b < 256; b++) {
                String name = String.format(Locale.ROOT, "<0x%02X>", b);
                int id = m.id(name);
                if (id < 0 || m.pieces().get(id).type() != Type.BYTE) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new CheckpointException(m.file(), null, "byte_fallback is set but " + missing.size()
                        + " byte pieces are missing or not of type BYTE, e.g. " + missing.get(0));
            }
        }
    }

    /** Logs the model features that the conversion reproduces only approximately (class javadoc). */
    private static void warnAboutApproximations(SentencePieceModel m) {
        List<Piece> pieces = m.pieces();
        int userDefined = 0;
        int unused = 0;
        Map<Float, Integer> scores = new HashMap<>();
        TreeSet<String> missingChars = new TreeSet<>();
        for (Piece p : pieces) {
            switch (p.type()) {
                case USER_DEFINED -> userDefined++;
                case UNUSED -> unused++;
                default -> { }
            }
            if (p.type() == Type.NORMAL) {
                scores.merge(p.score(), 1, Integer::sum);
                p.piece().codePoints().forEach(c -> {
                    String ch = new String(Character.toChars(c));
                    if (m.id(ch) < 0) {
                        missingChars.add(ch);
                    }
                });
            }
        }
        String source = m.file() == null ? "SentencePiece model" : SafeText.forTerminalLine(m.file());
        if (userDefined > 0) {
            LOG.warn("{}: {} USER_DEFINED pieces become added tokens; the whitespace next to them may encode "
                    + "differently from SentencePiece", source, userDefined);
        }
        if (unused > 0) {
            LOG.warn("{}: {} UNUSED pieces are left out of the merges; SentencePiece can merge through them",
                    source, unused);
        }
        long tied = scores.values().stream().filter(n -> n > 1).mapToLong(n -> n).sum();
        if (tied > 0) {
            LOG.warn("{}: {} NORMAL pieces share their score with another piece; SentencePiece breaks such "
                    + "ties by position, HF BPE by merge rank", source, tied);
        }
        if (!missingChars.isEmpty()) {
            LOG.warn("{}: {} characters occur in pieces but are not pieces themselves (e.g. '{}'); HF BPE "
                    + "cannot merge them", source, missingChars.size(), SafeText.forTerminalLine(missingChars.first()));
        }
    }

    private static ObjectNode normalizer(SentencePieceModel m) {
        String space = m.escapeWhitespaces() ? SPACE_SYMBOL : " ";
        ArrayNode steps = JSON.createArrayNode();
        if (m.removeExtraWhitespaces()) {
            // SentencePiece drops leading ' ', keeps one ' ' of each run and then drops trailing space
            // symbols of the escaped text (which include a literal "▁" of the input). \A and \z, not ^ and $:
            // tokenizers' Oniguruma regexes use Ruby syntax, where ^ and $ match at every line.
            steps.add(replaceRegex("\\A +", ""));
            steps.add(replaceRegex(" {2,}", " "));
            steps.add(replaceRegex(m.escapeWhitespaces() ? "[ " + SPACE_SYMBOL + "]+\\z" : " +\\z", ""));
        }
        if (m.addDummyPrefix()) {
            ObjectNode prepend = steps.addObject();
            prepend.put("type", "Prepend");
            prepend.put("prepend", space);
        }
        if (m.escapeWhitespaces()) {
            ObjectNode replace = steps.addObject();
            replace.put("type", "Replace");
            replace.putObject("pattern").put("String", " ");
            replace.put("content", SPACE_SYMBOL);
        }
        if (steps.isEmpty()) {
            return null;
        }
        ObjectNode sequence = JSON.createObjectNode();
        sequence.put("type", "Sequence");
        sequence.set("normalizers", steps);
        return sequence;
    }

    private static ObjectNode replaceRegex(String regex, String content) {
        ObjectNode replace = JSON.createObjectNode();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("Regex", regex);
        replace.put("content", content);
        return replace;
    }

    /** BOS before each sequence, as LLaMA's tokenizer; {@code null} when the model has no BOS. */
    private static ObjectNode postProcessor(SentencePieceModel m) {
        if (m.bosId() < 0) {
            return null;
        }
        String bos = m.pieces().get(m.bosId()).piece();
        ObjectNode template = JSON.createObjectNode();
        template.put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = template.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode special = template.putObject("special_tokens").putObject(bos);
        special.put("id", bos);
        special.putArray("ids").add(m.bosId());
        special.putArray("tokens").add(bos);
        return template;
    }

    /** "▁" back to spaces, byte pieces back to UTF-8, and the dummy prefix removed. */
    private static ObjectNode decoder(SentencePieceModel m) {
        ObjectNode sequence = JSON.createObjectNode();
        sequence.put("type", "Sequence");
        ArrayNode steps = sequence.putArray("decoders");
        ObjectNode replace = steps.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", SPACE_SYMBOL);
        replace.put("content", " ");
        steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse"); // Strip works per token: strip the fused text only
        if (m.addDummyPrefix()) {
            ObjectNode strip = steps.addObject();
            strip.put("type", "Strip");
            strip.put("content", " ");
            strip.put("start", 1);
            strip.put("stop", 0);
        }
        return sequence;
    }

    /** {@code SentencePieceConverter <tokenizer.model> <tokenizer.json>}. */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: SentencePieceConverter <tokenizer.model> <tokenizer.json>");
            System.exit(2);
        }
        try {
            convert(Paths.get(args[0]), Paths.get(args[1]));
            System.out.println("wrote " + args[1]);
        } catch (CheckpointException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
