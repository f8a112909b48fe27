package ai.legion.data.richhf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code tf.train.Example} parsed from its protobuf wire form with {@link CodedInputStream} (no
 * generated classes). Field numbers, as in TensorFlow's {@code core/example/example.proto} and
 * {@code feature.proto}:
 * <pre>
 * Example   { Features features = 1; }
 * Features  { map&lt;string, Feature&gt; feature = 1; }   // entries: key = 1, value = 2
 * Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 * BytesList { repeated bytes value = 1; }
 * FloatList { repeated float value = 1 [packed = true]; }   // fixed32
 * Int64List { repeated int64 value = 1 [packed = true]; }   // varint
 * </pre>
 * Parsing follows protobuf's rules: packed and unpacked encodings of the repeated scalars are both
 * accepted (even mixed); repeated occurrences of a message field are merged (values concatenated);
 * within a {@code Feature} the last {@code kind} set wins; a later map entry with the same key
 * replaces an earlier one; unknown fields, and known fields with an unexpected wire type, are
 * skipped. Map keys must be valid UTF-8.
 *
 * <p>Immutable. Accessors return copies.
 */
public final class TfExample {

    /** Which list a feature holds. */
    public enum Kind {
        BYTES("bytes_list"),
        FLOAT("float_list"),
        INT64("int64_list"),
        /** A feature whose {@code kind} oneof is unset. */
        NONE("no value");

        private final String protoName;

        Kind(String protoName) {
            this.protoName = protoName;
        }

        /** The oneof member's name in {@code feature.proto}. */
        public String protoName() {
            return protoName;
        }
    }

    private static final byte[][] NO_BYTES = new byte[0][];

    // tag = field_number << 3 | wire_type (WireFormat.makeTag is not public)
    private static final int FIELD1_LEN = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int FIELD2_LEN = 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int FIELD1_FIXED32 = 1 << 3 | WireFormat.WIRETYPE_FIXED32;
    private static final int FIELD1_VARINT = 1 << 3 | WireFormat.WIRETYPE_VARINT;

    /** One parsed feature. */
    private record Feature(Kind kind, byte[][] bytes, float[] floats, long[] int64s) {
        static final Feature NONE = new Feature(Kind.NONE, NO_BYTES, new float[0], new long[0]);
    }

    private final Map<String, Feature> features;

    private TfExample(Map<String, Feature> features) {
        this.features = features;
    }

    /**
     * Parses a serialized {@code tf.train.Example}.
     *
     * @throws InvalidProtocolBufferException if the bytes are not a valid protobuf message (truncated,
     *     bad varint, a length past the end, a packed float list not a multiple of 4 bytes, bad UTF-8 key)
     */
    public static TfExample parse(byte[] data) throws InvalidProtocolBufferException {
        return parse(data, 0, data.length);
    }

    /** Parses a serialized {@code tf.train.Example} held in {@code data[off, off+len)}. */
    public static TfExample parse(byte[] data, int off, int len) throws InvalidProtocolBufferException {
        CodedInputStream in = CodedInputStream.newInstance(data, off, len);
        Map<String, Feature> map = new LinkedHashMap<>();
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (tag == FIELD1_LEN) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    parseFeatures(in, map);
                    in.popLimit(limit);
                } else if (!in.skipField(tag)) {
                    break; // end-group tag at top level: protobuf stops parsing here too
                }
            }
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return new TfExample(Collections.unmodifiableMap(map));
    }

    private static void parseFeatures(CodedInputStream in, Map<String, Feature> map) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag == FIELD1_LEN) {
                int limit = in.pushLimit(in.readRawVarint32());
                String key = "";
                FeatureBuilder value = new FeatureBuilder(); // a repeated value field merges, as in protobuf
                while (!in.isAtEnd()) {
                    int t = in.readTag();
                    if (t == FIELD1_LEN) {
                        key = in.readStringRequireUtf8();
                    } else if (t == FIELD2_LEN) {
                        int l = in.pushLimit(in.readRawVarint32());
                        parseFeature(in, value);
                        in.popLimit(l);
                    } else {
                        skip(in, t);
                    }
                }
                in.popLimit(limit);
                map.put(key, value.build());
            } else {
                skip(in, tag);
            }
        }
    }

    /** Accumulates one {@code Feature} message (oneof: the last kind seen wins, same kind merges). */
    private static final class FeatureBuilder {
        Kind kind = Kind.NONE;
        final List<byte[]> bytes = new ArrayList<>();
        float[] floats = new float[8];
        int floatCount;
        long[] longs = new long[8];
        int longCount;

        void switchTo(Kind k) {
            if (kind != k) {
                kind = k;
                bytes.clear();
                floatCount = 0;
                longCount = 0;
            }
        }

        void addFloat(float v) {
            if (floatCount == floats.length) {
                floats = Arrays.copyOf(floats, floats.length * 2);
            }
            floats[floatCount++] = v;
        }

        void addLong(long v) {
            if (longCount == longs.length) {
                longs = Arrays.copyOf(longs, longs.length * 2);
            }
            longs[longCount++] = v;
        }

        Feature build() {
            return switch (kind) {
                case NONE -> Feature.NONE;
                case BYTES -> new Feature(kind, bytes.toArray(NO_BYTES), new float[0], new long[0]);
                case FLOAT -> new Feature(kind, NO_BYTES, Arrays.copyOf(floats, floatCount), new long[0]);
                case INT64 -> new Feature(kind, NO_BYTES, new float[0], Arrays.copyOf(longs, longCount));
            };
        }
    }

    /** Skips an unknown field; an end-group tag inside a length-delimited message is malformed. */
    private static void skip(CodedInputStream in, int tag) throws IOException {
        if (!in.skipField(tag)) {
            throw new InvalidProtocolBufferException("unexpected end-group tag (field "
                    + WireFormat.getTagFieldNumber(tag) + ") inside a message");
        }
    }

    private static void parseFeature(CodedInputStream in, FeatureBuilder b) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED || field < 1 || field > 3) {
                skip(in, tag);
                continue;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            switch (field) {
                case 1 -> {
                    b.switchTo(Kind.BYTES);
                    parseBytesList(in, b);
                }
                case 2 -> {
                    b.switchTo(Kind.FLOAT);
                    parseFloatList(in, b);
                }
                default -> {
                    b.switchTo(Kind.INT64);
                    parseInt64List(in, b);
                }
            }
            in.popLimit(limit);
        }
    }

    private static void parseBytesList(CodedInputStream in, FeatureBuilder b) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag == FIELD1_LEN) {
                b.bytes.add(in.readByteArray());
            } else {
                skip(in, tag);
            }
        }
    }

    private static void parseFloatList(CodedInputStream in, FeatureBuilder b) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag == FIELD1_FIXED32) {
                b.addFloat(in.readFloat());
            } else if (tag == FIELD1_LEN) {
                int length = in.readRawVarint32();
                if (length < 0 || length % 4 != 0) {
                    throw new InvalidProtocolBufferException("packed float_list of " + length
                            + " bytes: not a multiple of 4");
                }
                int limit = in.pushLimit(length);
                while (!in.isAtEnd()) {
                    b.addFloat(in.readFloat());
                }
                in.popLimit(limit);
            } else {
                skip(in, tag);
            }
        }
    }

    private static void parseInt64List(CodedInputStream in, FeatureBuilder b) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag == FIELD1_VARINT) {
                b.addLong(in.readInt64());
            } else if (tag == FIELD1_LEN) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (!in.isAtEnd()) {
                    b.addLong(in.readInt64());
                }
                in.popLimit(limit);
            } else {
                skip(in, tag);
            }
        }
    }

    /** Feature names in the order they appear in the serialized message. */
    public Set<String> names() {
        return features.keySet();
    }

    /** Whether a feature of that name is present. */
    public boolean has(String name) {
        return features.containsKey(name);
    }

    /** The kind of a feature, or {@code null} if absent. */
    public Kind kind(String name) {
        Feature f = features.get(name);
        return f == null ? null : f.kind();
    }

    private Feature expect(String name, Kind kind) {
        Feature f = features.get(name);
        if (f == null || f.kind() == Kind.NONE) {
            return null;
        }
        if (f.kind() != kind) {
            throw new IllegalStateException("feature '" + name + "' is a " + f.kind().protoName() + ", not a "
                    + kind.protoName());
        }
        return f;
    }

    /**
     * The values of a {@code bytes_list} feature (copies); empty if the feature is absent or unset.
     *
     * @throws IllegalStateException if the feature holds floats or ints
     */
    public List<byte[]> bytes(String name) {
        Feature f = expect(name, Kind.BYTES);
        if (f == null) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>(f.bytes().length);
        for (byte[] v : f.bytes()) {
            out.add(v.clone());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The first value of a {@code bytes_list} feature without copying it (callers must not modify
     * it), or {@code null} if there is none. For large values such as encoded heatmaps.
     *
     * @throws IllegalStateException if the feature holds floats or ints
     */
    byte[] firstBytesShared(String name) {
        Feature f = expect(name, Kind.BYTES);
        return f == null || f.bytes().length == 0 ? null : f.bytes()[0];
    }

    /**
     * The values of a {@code float_list} feature (a copy); empty if absent or unset.
     *
     * @throws IllegalStateException if the feature holds bytes or ints
     */
    public float[] floats(String name) {
        Feature f = expect(name, Kind.FLOAT);
        return f == null ? new float[0] : f.floats().clone();
    }

    /**
     * The values of an {@code int64_list} feature (a copy); empty if absent or unset.
     *
     * @throws IllegalStateException if the feature holds bytes or floats
     */
    public long[] int64s(String name) {
        Feature f = expect(name, Kind.INT64);
        return f == null ? new long[0] : f.int64s().clone();
    }

    /**
     * The first value of a {@code bytes_list} feature decoded as strict UTF-8, or {@code null} if the
     * feature is absent or has no value.
     *
     * @throws IllegalStateException if the feature is not a bytes list or its first value is not valid UTF-8
     */
    public String string(String name) {
        Feature f = expect(name, Kind.BYTES);
        if (f == null || f.bytes().length == 0) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(f.bytes()[0]))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("feature '" + name + "' is not valid UTF-8 text", e);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TfExample{");
        boolean first = true;
        for (Map.Entry<String, Feature> e : features.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            Feature f = e.getValue();
            sb.append(e.getKey()).append(": ").append(f.kind().protoName()).append('[').append(switch (f.kind()) {
                case BYTES -> f.bytes().length;
                case FLOAT -> f.floats().length;
                case INT64 -> f.int64s().length;
                case NONE -> 0;
            }).append(']');
        }
        return sb.append('}').toString();
    }
}
