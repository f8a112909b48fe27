package ai.legion.core.tokenizer;

import ai.legion.core.io.CheckpointException;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of a SentencePiece BPE {@code tokenizer.model}: the {@code ModelProto} protobuf of
 * {@code sentencepiece_model.proto}, read with protobuf-java's {@link CodedInputStream} (no generated
 * classes). Only the fields that change how text is encoded are kept:
 *
 * <pre>
 * ModelProto     { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2;
 *                  NormalizerSpec normalizer_spec = 3; }
 * SentencePiece  { string piece = 1; float score = 2; Type type = 3 [default NORMAL]; }
 * TrainerSpec    { ModelType model_type = 3; bool treat_whitespace_as_suffix = 24; bool split_digits = 25;
 *                  bool byte_fallback = 35; int32 unk_id = 40; int32 bos_id = 41; int32 eos_id = 42;
 *                  int32 pad_id = 43; string unk_piece = 45; string bos_piece = 46; string eos_piece = 47;
 *                  string pad_piece = 48; }
 * NormalizerSpec { string name = 1; bytes precompiled_charsmap = 2; bool add_dummy_prefix = 3 [default true];
 *                  bool remove_extra_whitespaces = 4 [default true]; bool escape_whitespaces = 5 [default true]; }
 * </pre>
 *
 * <p>Other fields are skipped. Defaults are those of the proto file. Only BPE models are accepted.
 */
public final class SentencePieceModel {

    /** {@code ModelProto.SentencePiece.Type}. */
    public enum Type {
        NORMAL(1),
        UNKNOWN(2),
        CONTROL(3),
        USER_DEFINED(4),
        UNUSED(5),
        BYTE(6);

        private final int number;

        Type(int number) {
            this.number = number;
        }

        /** The protobuf enum number. */
        public int number() {
            return number;
        }

        static Type of(int number) {
            for (Type t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    /** {@code TrainerSpec.ModelType}. */
    public enum ModelType {
        UNIGRAM(1),
        BPE(2),
        WORD(3),
        CHAR(4);

        private final int number;

        ModelType(int number) {
            this.number = number;
        }

        /** The protobuf enum number. */
        public int number() {
            return number;
        }

        static String describe(int number) {
            for (ModelType t : values()) {
                if (t.number == number) {
                    return t.name();
                }
            }
            return number + " (unknown)";
        }
    }

    /** One vocabulary entry; its id is its index in {@link #pieces()}. */
    public record Piece(String piece, float score, Type type) {}

    // Field numbers of sentencepiece_model.proto.
    private static final int MODEL_PIECES = 1;
    private static final int MODEL_TRAINER = 2; // trainer_spec
    private static final int MODEL_NORMALIZER = 3; // normalizer_spec
    private static final int PIECE_PIECE = 1;
    private static final int PIECE_SCORE = 2;
    private static final int PIECE_TYPE = 3;
    private static final int TRAINER_MODEL_TYPE = 3;
    private static final int TRAINER_TREAT_WHITESPACE_AS_SUFFIX = 24;
    private static final int TRAINER_SPLIT_DIGITS = 25;
    private static final int TRAINER_BYTE_FALLBACK = 35;
    private static final int TRAINER_UNK_ID = 40;
    private static final int TRAINER_BOS_ID = 41;
    private static final int TRAINER_EOS_ID = 42;
    private static final int TRAINER_PAD_ID = 43;
    private static final int TRAINER_UNK_PIECE = 45;
    private static final int TRAINER_BOS_PIECE = 46;
    private static final int TRAINER_EOS_PIECE = 47;
    private static final int TRAINER_PAD_PIECE = 48;
    private static final int NORMALIZER_NAME = 1;
    private static final int NORMALIZER_PRECOMPILED_CHARSMAP = 2;
    private static final int NORMALIZER_ADD_DUMMY_PREFIX = 3;
    private static final int NORMALIZER_REMOVE_EXTRA_WHITESPACES = 4;
    private static final int NORMALIZER_ESCAPE_WHITESPACES = 5;

    /** tokenizer.model files are a few MB at most; this bounds what a wrong path can make us read. */
    private static final long MAX_FILE_SIZE = 1L << 30;

    private final Path file;
    private final List<Piece> pieces;
    private final Map<String, Integer> ids;
    // TrainerSpec (fields are set while parsing only: the object is immutable once returned)
    private int modelTypeNumber = ModelType.UNIGRAM.number();
    private boolean treatWhitespaceAsSuffix;
    private boolean splitDigits;
    private boolean byteFallback;
    private int unkId = 0;
    private int bosId = 1;
    private int eosId = 2;
    private int padId = -1;
    private String unkPiece = "<unk>";
    private String bosPiece = "<s>";
    private String eosPiece = "</s>";
    private String padPiece = "<pad>";
    // NormalizerSpec
    private String normalizerName = "";
    private byte[] precompiledCharsmap = new byte[0];
    private boolean addDummyPrefix = true;
    private boolean removeExtraWhitespaces = true;
    private boolean escapeWhitespaces = true;

    private SentencePieceModel(Path file, List<Piece> pieces) {
        this.file = file;
        this.pieces = Collections.unmodifiableList(pieces);
        Map<String, Integer> map = new HashMap<>(pieces.size() * 2);
        for (int i = 0; i < pieces.size(); i++) {
            map.put(pieces.get(i).piece(), i);
        }
        this.ids = Collections.unmodifiableMap(map);
    }

    /**
     * Reads and validates a {@code tokenizer.model}.
     *
     * @throws CheckpointException naming the file when it cannot be read, is not a well-formed
     *     {@code ModelProto} (truncated, random bytes, empty), is not a BPE model, or has no pieces
     */
    public static SentencePieceModel read(Path file) throws CheckpointException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_SIZE) {
                throw new CheckpointException(file, null, "file of " + size
                        + " bytes is too large for a SentencePiece model (limit " + MAX_FILE_SIZE + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, null, "SentencePiece model not found", e);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read SentencePiece model: " + e, e);
        }
        return parse(bytes, file);
    }

    /**
     * Parses a serialized {@code ModelProto}; {@code source} (may be {@code null}) only names the data in
     * error messages and is returned by {@link #file()}.
     *
     * @throws CheckpointException as {@link #read(Path)}
     */
    public static SentencePieceModel parse(byte[] bytes, Path source) throws CheckpointException {
        if (bytes.length == 0) {
            throw new CheckpointException(source, null, "empty file, not a SentencePiece model");
        }
        SentencePieceModel m;
        boolean sawTrainer = false;
        boolean sawNormalizer = false;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            List<Piece> pieces = new ArrayList<>();
            List<byte[]> trainer = new ArrayList<>();
            List<byte[]> normalizer = new ArrayList<>();
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case (MODEL_PIECES << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                            pieces.add(readPiece(in.readByteArray(), pieces.size(), source));
                    // proto2 merges repeated occurrences of a singular message field: keep all, apply in order
                    case (MODEL_TRAINER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                            trainer.add(in.readByteArray());
                    case (MODEL_NORMALIZER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                            normalizer.add(in.readByteArray());
                    default -> skip(in, tag);
                }
            }
            m = new SentencePieceModel(source, pieces);
            for (byte[] t : trainer) {
                m.readTrainerSpec(t);
                sawTrainer = true;
            }
            for (byte[] n : normalizer) {
                m.readNormalizerSpec(n);
                sawNormalizer = true;
            }
        } catch (IOException e) { // InvalidProtocolBufferException: truncated, bad tag or wire type, bad UTF-8
            throw new CheckpointException(source, null,
                    "malformed or truncated SentencePiece model (ModelProto protobuf): " + e.getMessage(), e);
        }
        m.validate(sawTrainer, sawNormalizer);
        return m;
    }

    private static Piece readPiece(byte[] bytes, int index, Path source) throws IOException, CheckpointException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        String piece = null;
        float score = 0f;
        Type type = Type.NORMAL;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (PIECE_PIECE << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> piece = in.readStringRequireUtf8();
                case (PIECE_SCORE << 3) | WireFormat.WIRETYPE_FIXED32 -> score = in.readFloat();
                case (PIECE_TYPE << 3) | WireFormat.WIRETYPE_VARINT -> {
                    int number = in.readEnum();
                    type = Type.of(number);
                    if (type == null) {
                        throw new CheckpointException(source, null,
                                "piece " + index + " has unknown SentencePiece type " + number);
                    }
                }
                default -> skip(in, tag);
            }
        }
        if (piece == null || piece.isEmpty()) {
            throw new CheckpointException(source, null, "piece " + index + " has no piece string");
        }
        return new Piece(piece, score, type);
    }

    private void readTrainerSpec(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            boolean varint = wire == WireFormat.WIRETYPE_VARINT;
            boolean string = wire == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (field == TRAINER_MODEL_TYPE && varint) {
                modelTypeNumber = in.readEnum();
            } else if (field == TRAINER_TREAT_WHITESPACE_AS_SUFFIX && varint) {
                treatWhitespaceAsSuffix = in.readBool();
            } else if (field == TRAINER_SPLIT_DIGITS && varint) {
                splitDigits = in.readBool();
            } else if (field == TRAINER_BYTE_FALLBACK && varint) {
                byteFallback = in.readBool();
            } else if (field == TRAINER_UNK_ID && varint) {
                unkId = in.readInt32();
            } else if (field == TRAINER_BOS_ID && varint) {
                bosId = in.readInt32();
            } else if (field == TRAINER_EOS_ID && varint) {
                eosId = in.readInt32();
            } else if (field == TRAINER_PAD_ID && varint) {
                padId = in.readInt32();
            } else if (field == TRAINER_UNK_PIECE && string) {
                unkPiece = in.readStringRequireUtf8();
            } else if (field == TRAINER_BOS_PIECE && string) {
                bosPiece = in.readStringRequireUtf8();
            } else if (field == TRAINER_EOS_PIECE && string) {
                eosPiece = in.readStringRequireUtf8();
            } else if (field == TRAINER_PAD_PIECE && string) {
                padPiece = in.readStringRequireUtf8();
            } else {
                skip(in, tag);
            }
        }
    }

    private void readNormalizerSpec(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (NORMALIZER_NAME << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        normalizerName = in.readStringRequireUtf8();
                case (NORMALIZER_PRECOMPILED_CHARSMAP << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        precompiledCharsmap = in.readByteArray();
                case (NORMALIZER_ADD_DUMMY_PREFIX << 3) | WireFormat.WIRETYPE_VARINT -> addDummyPrefix = in.readBool();
                case (NORMALIZER_REMOVE_EXTRA_WHITESPACES << 3) | WireFormat.WIRETYPE_VARINT ->
                        removeExtraWhitespaces = in.readBool();
                case (NORMALIZER_ESCAPE_WHITESPACES << 3) | WireFormat.WIRETYPE_VARINT ->
                        escapeWhitespaces = in.readBool();
                default -> skip(in, tag);
            }
        }
    }

    /** Skips one field; fails on the wire types that cannot occur in a valid message (groups, 6, 7). */
    private static void skip(CodedInputStream in, int tag) throws IOException {
        int wire = WireFormat.getTagWireType(tag);
        if (wire == WireFormat.WIRETYPE_START_GROUP || wire == WireFormat.WIRETYPE_END_GROUP || wire > 5) {
            throw new InvalidProtocolBufferException("unexpected wire type " + wire + " for field "
                    + WireFormat.getTagFieldNumber(tag));
        }
        in.skipField(tag);
    }

    private void validate(boolean sawTrainer, boolean sawNormalizer) throws CheckpointException {
        if (pieces.isEmpty()) {
            throw new CheckpointException(file, null, "SentencePiece model has no pieces");
        }
        // SentencePiece always writes both specs after the pieces; a file cut at a field boundary loses them.
        if (!sawTrainer) {
            throw new CheckpointException(file, null,
                    "SentencePiece model has no trainer_spec (truncated file or not a tokenizer.model)");
        }
        if (modelTypeNumber != ModelType.BPE.number()) {
            throw new CheckpointException(file, null, "SentencePiece model type "
                    + ModelType.describe(modelTypeNumber) + " is not supported, only BPE");
        }
        if (!sawNormalizer) {
            throw new CheckpointException(file, null,
                    "SentencePiece model has no normalizer_spec (truncated file or not a tokenizer.model)");
        }
        if (ids.size() != pieces.size()) { // the map kept the last id of a repeated string
            for (int i = 0; i < pieces.size(); i++) {
                int last = ids.get(pieces.get(i).piece());
                if (last != i) {
                    throw new CheckpointException(file, null, "piece '" + pieces.get(i).piece()
                            + "' occurs twice, as ids " + i + " and " + last);
                }
            }
        }
        if (unkId < 0 || unkId >= pieces.size() || pieces.get(unkId).type() != Type.UNKNOWN) {
            throw new CheckpointException(file, null, "unk_id " + unkId
                    + " does not name a piece of type UNKNOWN (" + pieces.size() + " pieces)");
        }
        checkSpecial("bos_id", bosId);
        checkSpecial("eos_id", eosId);
        checkSpecial("pad_id", padId);
    }

    private void checkSpecial(String name, int id) throws CheckpointException {
        if (id < -1 || id >= pieces.size()) {
            throw new CheckpointException(file, null, name + " " + id + " is outside the "
                    + pieces.size() + " pieces");
        }
    }

    /** The file the model was read from, or {@code null}. */
    public Path file() {
        return file;
    }

    /** All pieces; the index of a piece is its id. Unmodifiable. */
    public List<Piece> pieces() {
        return pieces;
    }

    /** Number of pieces (the vocabulary size). */
    public int size() {
        return pieces.size();
    }

    /** The id of a piece string, or -1. */
    public int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    /** Always {@link ModelType#BPE}: other types are rejected when reading. */
    public ModelType modelType() {
        return ModelType.BPE;
    }

    /** {@code TrainerSpec.treat_whitespace_as_suffix}: the dummy whitespace goes at the end of words. */
    public boolean treatWhitespaceAsSuffix() {
        return treatWhitespaceAsSuffix;
    }

    /** {@code TrainerSpec.split_digits} (a training option: the pieces contain no digit runs). */
    public boolean splitDigits() {
        return splitDigits;
    }

    /** {@code TrainerSpec.byte_fallback}: unknown characters become {@code <0xNN>} byte pieces. */
    public boolean byteFallback() {
        return byteFallback;
    }

    /** {@code TrainerSpec.unk_id}. */
    public int unkId() {
        return unkId;
    }

    /** {@code TrainerSpec.bos_id}, -1 when disabled. */
    public int bosId() {
        return bosId;
    }

    /** {@code TrainerSpec.eos_id}, -1 when disabled. */
    public int eosId() {
        return eosId;
    }

    /** {@code TrainerSpec.pad_id}, -1 when disabled. */
    public int padId() {
        return padId;
    }

    /** {@code TrainerSpec.unk_piece}. */
    public String unkPiece() {
        return unkPiece;
    }

    /** {@code TrainerSpec.bos_piece}. */
    public String bosPiece() {
        return bosPiece;
    }

    /** {@code TrainerSpec.eos_piece}. */
    public String eosPiece() {
        return eosPiece;
    }

    /** {@code TrainerSpec.pad_piece}. */
    public String padPiece() {
        return padPiece;
    }

    /** {@code NormalizerSpec.name} ({@code "identity"} for LLaMA), empty when absent. */
    public String normalizerName() {
        return normalizerName;
    }

    /** A copy of {@code NormalizerSpec.precompiled_charsmap}; empty for identity normalisation. */
    public byte[] precompiledCharsmap() {
        return precompiledCharsmap.clone();
    }

    /** {@code NormalizerSpec.add_dummy_prefix}: a "▁" is put before the text. */
    public boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    /** {@code NormalizerSpec.remove_extra_whitespaces}: leading, trailing and repeated spaces are dropped. */
    public boolean removeExtraWhitespaces() {
        return removeExtraWhitespaces;
    }

    /** {@code NormalizerSpec.escape_whitespaces}: spaces become "▁". */
    public boolean escapeWhitespaces() {
        return escapeWhitespaces;
    }

    @Override
    public String toString() {
        return "SentencePieceModel[" + (file == null ? "" : file + ", ") + "BPE, " + pieces.size()
                + " pieces, byte_fallback " + byteFallback + ", normalizer '" + normalizerName + "']";
    }
}
