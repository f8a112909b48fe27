package ai.legion.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.legion.core.io.CheckpointException;
import ai.legion.core.tokenizer.SentencePieceModel.Piece;
import ai.legion.core.tokenizer.SentencePieceModel.Type;
import ai.legion.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts SentencePiece BPE models to tokenizer.json and checks, through DJL's HuggingFaceTokenizer,
 * that the ids are SentencePiece's: against the golden {@code sentencepiece/expected.json}, against the
 * reference LLaMA-2 tokenizer.json for the LLaMA model of {@code prompt/}, and against a port of
 * SentencePiece's BPE encoder (itself checked on expected.json) on random text and on model variants.
 * Nothing here depends on the particular strings, ids or sizes of the fixtures.
 */
class SentencePieceConverterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPACE = "\u2581";

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------------------
    // Golden SentencePiece ids

    @Test
    void reproducesEverySentencePieceCase() throws Exception {
        Path modelFile = Fixtures.path("sentencepiece/tokenizer.model");
        JsonNode expected = JSON.readTree(Fixtures.path("sentencepiece/expected.json").toFile());
        SentencePieceModel model = SentencePieceModel.read(modelFile);
        JsonNode meta = expected.get("meta");
        assertEquals(meta.get("vocab_size").asInt(), model.size(), "vocab_size");
        assertEquals(meta.get("unk_id").asInt(), model.unkId(), "unk_id");
        assertEquals(meta.get("bos_id").asInt(), model.bosId(), "bos_id");
        assertEquals(meta.get("eos_id").asInt(), model.eosId(), "eos_id");

        Path json = tmp.resolve("tokenizer.json");
        SentencePieceConverter.convert(modelFile, json);
        List<String> failures = new ArrayList<>();
        int cases = 0;
        try (HuggingFaceTokenizer tok = load(json, false); HuggingFaceTokenizer withBos = load(json, true)) {
            for (JsonNode c : expected.get("cases")) {
                cases++;
                String text = c.get("text").asText();
                long[] want = longs(c.get("ids"));
                long[] got = tok.encode(text).getIds();
                if (!Arrays.equals(want, got)) {
                    failures.add("ids of " + quote(text) + ": expected " + Arrays.toString(want) + " pieces "
                            + c.get("pieces") + ", got " + Arrays.toString(got) + " " + pieceList(model, got));
                }
                String decoded = tok.decode(want);
                if (!c.get("decoded").asText().equals(decoded)) {
                    failures.add("decode of " + quote(text) + ": expected " + quote(c.get("decoded").asText())
                            + ", got " + quote(decoded));
                }
                if (model.bosId() >= 0) { // the post-processor adds BOS like LlamaTokenizer
                    long[] bos = withBos.encode(text).getIds();
                    long[] wantBos = new long[want.length + 1];
                    wantBos[0] = model.bosId();
                    System.arraycopy(want, 0, wantBos, 1, want.length);
                    if (!Arrays.equals(wantBos, bos)) {
                        failures.add("with BOS " + quote(text) + ": " + Arrays.toString(bos));
                    }
                }
                // the port of SentencePiece used by the random tests below must agree with the golden ids
                int[] ref = SentencePieceReference.encode(model, text);
                if (!Arrays.equals(want, Arrays.stream(ref).asLongStream().toArray())) {
                    failures.add("reference encoder on " + quote(text) + ": " + Arrays.toString(ref));
                }
            }
        }
        assertTrue(cases > 0, "expected.json has no cases");
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches in " + cases + " cases:\n" + String.join("\n", failures));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // LLaMA: the converted prompt/tokenizer.model against the reference LLaMA-2 tokenizer.json

    @Test
    void llamaModelEncodesLikeReferenceTokenizerJson() throws Exception {
        Path modelFile = Fixtures.path("prompt/tokenizer.model");
        Path reference = Fixtures.resource("tokenizers/llama2/tokenizer.json");
        SentencePieceModel model = SentencePieceModel.read(modelFile);
        Path json = tmp.resolve("llama.json");
        SentencePieceConverter.convert(modelFile, json);

        // The same layout, vocabulary and merge pairs; only the order of the whitespace-run merges differs
        // (see SentencePieceConverter.merges) and the encodings below show that both orders are equivalent.
        JsonNode oursRoot = JSON.readTree(json.toFile());
        JsonNode theirsRoot = JSON.readTree(reference.toFile());
        for (String section : List.of("added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder")) {
            assertEquals(theirsRoot.get(section), oursRoot.get(section), section);
        }
        JsonNode ours = oursRoot.get("model");
        JsonNode theirs = theirsRoot.get("model");
        for (String field : List.of("type", "unk_token", "fuse_unk", "byte_fallback", "vocab")) {
            assertEquals(theirs.get(field), ours.get(field), "model." + field);
        }
        assertEquals(mergeSet(theirs.get("merges")), mergeSet(ours.get("merges")), "merge pairs");
        assertEquals(theirs.get("merges").size(), ours.get("merges").size(), "merge count");

        List<String> texts = new ArrayList<>(variedStrings());
        JsonNode prompt = JSON.readTree(Fixtures.path("prompt/expected.json").toFile());
        int promptTexts = 0;
        for (JsonNode c : prompt.get("cases")) {
            if (c.hasNonNull("text")) {
                texts.add(c.get("text").asText());
                promptTexts++;
            }
        }
        assertTrue(promptTexts > 0, "prompt/expected.json has no text cases");
        if (prompt.hasNonNull("question")) {
            texts.add(prompt.get("question").asText());
        }
        texts.addAll(randomStrings(model, 500, new Random(20251126L)));

        List<String> failures = new ArrayList<>();
        try (HuggingFaceTokenizer tok = load(json, false);
                HuggingFaceTokenizer ref = load(reference, false);
                HuggingFaceTokenizer tokBos = load(json, true);
                HuggingFaceTokenizer refBos = load(reference, true)) {
            for (String text : texts) {
                long[] want = ref.encode(text).getIds();
                long[] got = tok.encode(text).getIds();
                if (!Arrays.equals(want, got)) {
                    failures.add(quote(text) + ": reference " + pieceList(model, want) + ", converted "
                            + pieceList(model, got));
                    continue;
                }
                if (!Arrays.equals(refBos.encode(text).getIds(), tokBos.encode(text).getIds())) {
                    failures.add(quote(text) + ": differs with special tokens");
                }
                if (!ref.decode(want).equals(tok.decode(got))) {
                    failures.add(quote(text) + ": decodes to " + quote(tok.decode(got)) + " instead of "
                            + quote(ref.decode(want)));
                }
            }
            // truncation is off: a long text keeps all its tokens
            String longText = String.join(" ", texts);
            assertEquals(ref.encode(longText).getIds().length, tok.encode(longText).getIds().length);
            assertTrue(tok.encode(longText).getIds().length > 512 || longText.length() < 512);
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + texts.size() + " texts differ:\n"
                    + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // SentencePiece semantics on random text and on normaliser variants

    @Test
    void matchesSentencePieceOnRandomText() throws Exception {
        for (String fixture : List.of("sentencepiece/tokenizer.model", "prompt/tokenizer.model")) {
            byte[] bytes = Files.readAllBytes(Fixtures.path(fixture));
            assertMatchesReference(fixture, bytes, 1500);
        }
    }

    @Test
    void normalizerOptionsMatchSentencePiece() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.path("sentencepiece/tokenizer.model"));
        for (boolean removeExtra : new boolean[] {false, true}) {
            for (boolean dummyPrefix : new boolean[] {false, true}) {
                for (boolean escape : new boolean[] {false, true}) {
                    byte[] variant = setVarint(bytes, 3, 4, removeExtra ? 1 : 0);
                    variant = setVarint(variant, 3, 3, dummyPrefix ? 1 : 0);
                    variant = setVarint(variant, 3, 5, escape ? 1 : 0);
                    String name = "remove_extra_whitespaces=" + removeExtra + " add_dummy_prefix=" + dummyPrefix
                            + " escape_whitespaces=" + escape;
                    SentencePieceModel m = SentencePieceModel.parse(variant, null);
                    assertEquals(removeExtra, m.removeExtraWhitespaces(), name);
                    assertEquals(dummyPrefix, m.addDummyPrefix(), name);
                    assertEquals(escape, m.escapeWhitespaces(), name);
                    assertMatchesReference(name, variant, 400);
                }
            }
        }
    }

    @Test
    void byteFallbackOffGivesOneUnkPerUnknownRun() throws Exception {
        byte[] bytes = setVarint(Files.readAllBytes(Fixtures.path("sentencepiece/tokenizer.model")), 2, 35, 0);
        assertFalse(SentencePieceModel.parse(bytes, null).byteFallback());
        assertMatchesReference("byte_fallback=false", bytes, 400);
    }

    /** Converts {@code model} and compares DJL's ids with the SentencePiece port on varied and random text. */
    private void assertMatchesReference(String name, byte[] modelBytes, int randomCount) throws Exception {
        SentencePieceModel model = SentencePieceModel.parse(modelBytes, null);
        Path json = tmp.resolve("variant-" + Integer.toHexString(name.hashCode()) + ".json");
        Files.writeString(json, SentencePieceConverter.toTokenizerJson(model));
        List<String> texts = new ArrayList<>(variedStrings());
        texts.addAll(randomStrings(model, randomCount, new Random(name.hashCode())));
        List<String> failures = new ArrayList<>();
        try (HuggingFaceTokenizer tok = load(json, false)) {
            for (String text : texts) {
                long[] want = Arrays.stream(SentencePieceReference.encode(model, text)).asLongStream().toArray();
                long[] got = tok.encode(text).getIds();
                if (!Arrays.equals(want, got)) {
                    failures.add(quote(text) + ": SentencePiece " + pieceList(model, want) + ", converted "
                            + pieceList(model, got));
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(name + ": " + failures.size() + " of " + texts.size() + " texts differ:\n"
                    + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Model reading and rejection

    @Test
    void exposesAnImmutableModel() throws Exception {
        Path file = Fixtures.path("sentencepiece/tokenizer.model");
        SentencePieceModel m = SentencePieceModel.read(file);
        assertEquals(file, m.file());
        assertEquals(SentencePieceModel.ModelType.BPE, m.modelType());
        List<Piece> pieces = m.pieces();
        assertThrows(UnsupportedOperationException.class, () -> pieces.add(new Piece("x", 0f, Type.NORMAL)));
        assertEquals(Type.UNKNOWN, pieces.get(m.unkId()).type());
        for (int id = 0; id < pieces.size(); id++) {
            assertEquals(id, m.id(pieces.get(id).piece()));
        }
        assertEquals(-1, m.id("\u0000 not a piece \u0000"));
        if (m.byteFallback()) {
            assertTrue(pieces.stream().filter(p -> p.type() == Type.BYTE).count() >= 256);
        }
        assertNotSame(m.precompiledCharsmap(), m.precompiledCharsmap()); // a copy each time
    }

    @Test
    void malformedFilesAreRejectedNamingTheFile() throws Exception {
        byte[] original = Files.readAllBytes(Fixtures.path("sentencepiece/tokenizer.model"));

        Path empty = tmp.resolve("empty.model");
        Files.write(empty, new byte[0]);
        assertRejected(empty, "empty");

        Random rnd = new Random(7);
        for (int i = 0; i < 50; i++) {
            byte[] noise = new byte[1 + rnd.nextInt(4096)];
            rnd.nextBytes(noise);
            Path random = tmp.resolve("random-" + i + ".model");
            Files.write(random, noise);
            assertRejected(random, null);
        }

        // every cut point (strided on big models): inside a field the protobuf is truncated, at a field
        // boundary trainer_spec or normalizer_spec is missing
        Path cut = tmp.resolve("truncated.model");
        int step = Math.max(1, original.length / 3000);
        for (int length = 0; length < original.length; length += step) {
            Files.write(cut, Arrays.copyOf(original, length));
            assertRejected(cut, length == 0 ? "empty" : null);
        }
        Files.write(cut, Arrays.copyOf(original, original.length - 1));
        assertRejected(cut, "truncated");

        Path missing = tmp.resolve("missing.model");
        assertRejected(missing, "not found");
    }

    @Test
    void unsupportedModelsAreRejectedSayingWhy() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.path("sentencepiece/tokenizer.model"));

        Path unigram = tmp.resolve("unigram.model");
        Files.write(unigram, setVarint(bytes, 2, 3, 1));
        assertRejected(unigram, "UNIGRAM");
        Files.write(unigram, setVarint(bytes, 2, 3, 4));
        assertRejected(unigram, "CHAR");

        Path nfkc = tmp.resolve("nfkc.model");
        Files.write(nfkc, setBytes(setBytes(bytes, 3, 1, "nmt_nfkc".getBytes(StandardCharsets.UTF_8)), 3, 2,
                new byte[] {4, 0, 0, 0, 1, 2, 3, 4, 5}));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SentencePieceConverter.convert(nfkc, tmp.resolve("nfkc.json")));
        assertTrue(e.getMessage().contains("nmt_nfkc") && e.getMessage().contains("precompiled_charsmap"),
                e.getMessage());
        assertEquals(nfkc, e.file());
        assertFalse(Files.exists(tmp.resolve("nfkc.json")));

        // a non-identity name with an empty charsmap normalises nothing: accepted
        SentencePieceModel named = SentencePieceModel.parse(setBytes(bytes, 3, 1, "nfkc".getBytes(
                StandardCharsets.UTF_8)), null);
        assertNotNull(SentencePieceConverter.toTokenizerJson(named));

        Path suffix = tmp.resolve("suffix.model");
        Files.write(suffix, setVarint(bytes, 2, 24, 1));
        e = assertThrows(CheckpointException.class,
                () -> SentencePieceConverter.convert(suffix, tmp.resolve("suffix.json")));
        assertTrue(e.getMessage().contains("treat_whitespace_as_suffix"), e.getMessage());

        Path noPieces = tmp.resolve("no-pieces.model");
        Files.write(noPieces, withoutField(bytes, 1));
        assertRejected(noPieces, "no pieces");
    }

    @Test
    void mergesAreRankedByTheScoreOfTheMergedPiece() throws Exception {
        for (String fixture : List.of("sentencepiece/tokenizer.model", "prompt/tokenizer.model")) {
            SentencePieceModel m = SentencePieceModel.read(Fixtures.path(fixture));
            List<String[]> merges = SentencePieceConverter.merges(m);
            assertFalse(merges.isEmpty(), fixture);
            float previous = Float.POSITIVE_INFINITY;
            Set<String> seen = new HashSet<>();
            for (String[] merge : merges) {
                int id = m.id(merge[0] + merge[1]);
                assertTrue(id >= 0, fixture + ": " + merge[0] + " + " + merge[1] + " is not a piece");
                assertEquals(Type.NORMAL, m.pieces().get(id).type(), fixture);
                float score = m.pieces().get(id).score();
                assertTrue(score <= previous, fixture + ": merge " + merge[0] + " " + merge[1] + " out of order");
                previous = score;
                assertTrue(seen.add(merge[0] + " " + merge[1]), fixture + ": repeated merge");
            }
        }
    }

    @Test
    void userDefinedPiecesBecomeAddedTokensAndUnusedPiecesAreNotMerged() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.path("sentencepiece/tokenizer.model"));
        SentencePieceModel original = SentencePieceModel.parse(bytes, null);
        List<Integer> candidates = new ArrayList<>();
        for (int id = original.size() - 1; id >= 0 && candidates.size() < 2; id--) {
            Piece p = original.pieces().get(id);
            if (p.type() == Type.NORMAL && !p.piece().contains(SPACE)
                    && p.piece().codePointCount(0, p.piece().length()) > 1) {
                candidates.add(id);
            }
        }
        assertEquals(2, candidates.size(), "model has no multi-character pieces");
        int userDefined = candidates.get(0);
        int unused = candidates.get(1);
        byte[] edited = setPieceType(setPieceType(bytes, userDefined, Type.USER_DEFINED), unused, Type.UNUSED);
        SentencePieceModel m = SentencePieceModel.parse(edited, null);
        assertEquals(Type.USER_DEFINED, m.pieces().get(userDefined).type());
        assertEquals(Type.UNUSED, m.pieces().get(unused).type());
        String unusedPiece = m.pieces().get(unused).piece();
        assertTrue(SentencePieceConverter.merges(original).stream().anyMatch(x -> (x[0] + x[1]).equals(unusedPiece)),
                "the piece made UNUSED is no merge result to begin with");
        for (String[] merge : SentencePieceConverter.merges(m)) {
            assertFalse((merge[0] + merge[1]).equals(unusedPiece), "merge into the UNUSED piece");
        }
        Path json = tmp.resolve("user-defined.json");
        Files.writeString(json, SentencePieceConverter.toTokenizerJson(m));
        boolean found = false;
        for (JsonNode t : JSON.readTree(json.toFile()).get("added_tokens")) {
            if (t.get("id").asInt() == userDefined) {
                found = true;
                assertFalse(t.get("special").asBoolean());
            }
        }
        assertTrue(found, "USER_DEFINED piece is not an added token");
        String piece = m.pieces().get(userDefined).piece();
        try (HuggingFaceTokenizer tok = load(json, false)) {
            long[] ids = tok.encode("0" + piece + "0").getIds();
            assertTrue(Arrays.stream(ids).anyMatch(id -> id == userDefined), Arrays.toString(ids));
        }
    }

    @Test
    void mainWritesTheFile() throws Exception {
        Path out = tmp.resolve("sub/tokenizer.json");
        SentencePieceConverter.main(new String[] {Fixtures.path("sentencepiece/tokenizer.model").toString(),
            out.toString()});
        assertEquals("BPE", JSON.readTree(out.toFile()).get("model").get("type").asText());
    }

    private static void assertRejected(Path file, String messagePart) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SentencePieceModel.read(file),
                () -> file + " was accepted");
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        if (messagePart != null) {
            assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Test data

    /** Hand-picked inputs: ASCII, accents, CJK, emoji, digits, whitespace runs, newlines and tabs. */
    private static List<String> variedStrings() {
        Set<String> s = new LinkedHashSet<>(List.of(
                "", " ", "  ", "a", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
                "  leading and  double  spaces", "trailing spaces   ", "   ", "new\nline", "tab\there\t",
                "\r\n", "line one\n\nline three\n", "\n    indented code():\n        return 1\n",
                "digits 0123456789 and 3.14159, 1e-9, 2,000,000", "café naïve façade Ærøskøbing",
                "東京 日本語 中文 한국어 Русский ελληνικά עברית العربية", "emoji 🙂🚀👍🏽 👨‍👩‍👧 ❤️",
                "mixed CASE and UPPER lower", "punctuation !?.,;:'\"()[]{}<>@#$%^&*-_=+/\\|~`",
                "e\u0301 combining", "zero\u200bwidth", "\u00a0nbsp\u00a0", SPACE + " literal " + SPACE,
                "USER: The <im_start><image><im_end> provides", "ASSISTANT:", "[SEG] <p> phrase </p>",
                "a  b   c    d     e      f       g", "x" + " ".repeat(17) + "y"));
        for (int n = 1; n <= 40; n++) {
            s.add(" ".repeat(n));
            s.add(" ".repeat(n) + "word");
            s.add("word" + " ".repeat(n) + "word");
            s.add("\n" + " ".repeat(n) + "x");
        }
        return new ArrayList<>(s);
    }

    /** Random mixtures of the model's pieces, single characters, spaces and characters it does not know. */
    private static List<String> randomStrings(SentencePieceModel model, int count, Random rnd) {
        List<String> pieces = new ArrayList<>();
        List<String> chars = new ArrayList<>();
        for (Piece p : model.pieces()) {
            if (p.type() == Type.NORMAL) {
                String text = p.piece().replace(SPACE, " ");
                pieces.add(text);
                if (text.codePointCount(0, text.length()) == 1) {
                    chars.add(text);
                }
            }
        }
        List<String> extra = List.of(" ", " ", "  ", "\n", "\t", "é", "東", "🙂", "\u00a0", SPACE, ".", "0", "9");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(12);
            for (int j = 0; j < n; j++) {
                int kind = rnd.nextInt(3);
                List<String> from = kind == 0 ? pieces : kind == 1 && !chars.isEmpty() ? chars : extra;
                sb.append(from.get(rnd.nextInt(from.size())));
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static HuggingFaceTokenizer load(Path json, boolean addSpecialTokens) throws IOException {
        return HuggingFaceTokenizer.builder()
                .optTokenizerPath(json)
                .optAddSpecialTokens(addSpecialTokens)
                .optTruncation(false)
                .optPadding(false)
                .build();
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    private static Set<String> mergeSet(JsonNode merges) {
        Set<String> out = new HashSet<>();
        for (JsonNode m : merges) {
            out.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        return out;
    }

    private static String pieceList(SentencePieceModel m, long[] ids) {
        List<String> out = new ArrayList<>();
        for (long id : ids) {
            out.add(id + ":" + (id >= 0 && id < m.size() ? m.pieces().get((int) id).piece() : "?"));
        }
        return out.toString();
    }

    private static String quote(String s) {
        return '"' + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"';
    }

    // ---------------------------------------------------------------------------------------------
    // Protobuf editing: variants of a real model without generated code

    /** Sets varint {@code field} inside every top-level message field {@code message}. */
    private static byte[] setVarint(byte[] model, int message, int field, long value) throws IOException {
        return editTopLevel(model, message, -1, sub -> replaceField(sub, field, out -> out.writeUInt64(field, value)));
    }

    /** Sets length-delimited {@code field} inside every top-level message field {@code message}. */
    private static byte[] setBytes(byte[] model, int message, int field, byte[] value) throws IOException {
        return editTopLevel(model, message, -1,
                sub -> replaceField(sub, field, out -> out.writeByteArray(field, value)));
    }

    /** Sets the type of piece {@code index} (the {@code index}-th top-level field 1). */
    private static byte[] setPieceType(byte[] model, int index, Type type) throws IOException {
        return editTopLevel(model, 1, index, sub -> replaceField(sub, 3, out -> out.writeEnum(3, type.number())));
    }

    /** Drops every occurrence of a top-level field. */
    private static byte[] withoutField(byte[] model, int field) throws IOException {
        return replaceField(model, field, out -> { });
    }

    private interface FieldWriter {
        void write(CodedOutputStream out) throws IOException;
    }

    private interface MessageEdit {
        byte[] apply(byte[] message) throws IOException;
    }

    /** Copies {@code message} without {@code field}, then appends what {@code add} writes. */
    private static byte[] replaceField(byte[] message, int field, FieldWriter add) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        CodedInputStream in = CodedInputStream.newInstance(message);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == field) {
                in.skipField(tag);
            } else {
                in.skipField(tag, out);
            }
        }
        add.write(out);
        out.flush();
        return buf.toByteArray();
    }

    /** Rewrites the embedded messages of top-level {@code field}: the {@code occurrence}-th, or all for -1. */
    private static byte[] editTopLevel(byte[] model, int field, int occurrence, MessageEdit edit) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        CodedInputStream in = CodedInputStream.newInstance(model);
        int seen = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == field && (occurrence < 0 || seen++ == occurrence)) {
                out.writeByteArray(field, edit.apply(in.readByteArray()));
            } else {
                in.skipField(tag, out);
            }
        }
        out.flush();
        return buf.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * A port of SentencePiece's encoder for BPE models with identity normalisation ({@code normalizer.cc}
     * whitespace handling, {@code bpe_model.cc} merging, byte fallback and unknown fusing of
     * {@code sentencepiece_processor.cc}), used as the oracle on text the golden file does not cover.
     * It is itself checked against the golden ids in {@link #reproducesEverySentencePieceCase()}.
     */
    static final class SentencePieceReference {

        private SentencePieceReference() {}

        static String normalize(SentencePieceModel m, String text) {
            String space = m.escapeWhitespaces() ? SPACE : " ";
            boolean remove = m.removeExtraWhitespaces();
            int start = 0;
            if (remove) {
                while (start < text.length() && text.charAt(start) == ' ') {
                    start++;
                }
            }
            if (start == text.length()) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            if (m.addDummyPrefix()) {
                sb.append(space);
            }
            boolean prevSpace = remove;
            for (int i = start; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == ' ') {
                    if (remove && prevSpace) {
                        continue;
                    }
                    sb.append(space);
                } else {
                    sb.append(c);
                }
                prevSpace = remove && c == ' ';
            }
            if (remove) {
                while (sb.length() > 0 && sb.toString().endsWith(space)) {
                    sb.setLength(sb.length() - space.length());
                }
            }
            return sb.toString();
        }

        static int[] encode(SentencePieceModel m, String text) {
            String normalized = normalize(m, text);
            List<String> symbols = new ArrayList<>();
            normalized.codePoints().forEach(c -> symbols.add(new String(Character.toChars(c))));
            int n = symbols.size();
            String[] sym = symbols.toArray(new String[0]);
            int[] prev = new int[n];
            int[] next = new int[n];
            for (int i = 0; i < n; i++) {
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
            record Pair(int left, int right, float score, int size) {}
            PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) -> a.score() != b.score()
                    ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
            Consumer<int[]> maybeAdd = lr -> {
                if (lr[0] < 0 || lr[1] < 0) {
                    return;
                }
                String merged = sym[lr[0]] + sym[lr[1]];
                int id = m.id(merged);
                if (id < 0 || !mergeable(m.pieces().get(id).type())) {
                    return;
                }
                agenda.add(new Pair(lr[0], lr[1], m.pieces().get(id).score(), merged.length()));
            };
            for (int i = 1; i < n; i++) {
                maybeAdd.accept(new int[] {i - 1, i});
            }
            while (!agenda.isEmpty()) {
                Pair top = agenda.poll();
                if (sym[top.left()].isEmpty() || sym[top.right()].isEmpty()
                        || sym[top.left()].length() + sym[top.right()].length() != top.size()) {
                    continue;
                }
                sym[top.left()] = sym[top.left()] + sym[top.right()];
                sym[top.right()] = "";
                next[top.left()] = next[top.right()];
                if (next[top.right()] >= 0) {
                    prev[next[top.right()]] = top.left();
                }
                maybeAdd.accept(new int[] {prev[top.left()], top.left()});
                maybeAdd.accept(new int[] {top.left(), next[top.left()]});
            }
            List<Integer> ids = new ArrayList<>();
            boolean prevUnk = false;
            for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
                int id = m.id(sym[i]);
                boolean known = id >= 0 && m.pieces().get(id).type() != Type.UNKNOWN;
                if (known) {
                    ids.add(id);
                } else if (m.byteFallback()) {
                    for (byte b : sym[i].getBytes(StandardCharsets.UTF_8)) {
                        ids.add(m.id(String.format("<0x%02X>", b & 0xFF)));
                    }
                } else if (!prevUnk) { // runs of unknown pieces are fused into one
                    ids.add(m.unkId());
                }
                prevUnk = !known && !m.byteFallback();
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        private static boolean mergeable(Type t) {
            return t == Type.NORMAL || t == Type.USER_DEFINED || t == Type.UNUSED;
        }
    }
}
