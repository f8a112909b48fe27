package ai.legion.data.richhf;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Test-side TFRecord and {@code tf.train.Example} writer, written independently of the reader (its own
 * CRC masking and protobuf encoding via {@link CodedOutputStream}).
 */
final class TfRecordTestWriter {

    private TfRecordTestWriter() {}

    /** masked_crc32c as TensorFlow's crc32c::Mask: rotate right 15, add 0xa282ead8. */
    static int maskedCrc(byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(data, off, len);
        int crc = (int) c.getValue();
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }

    /** One framed TFRecord record. */
    static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        byte[] len = new byte[8];
        ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length);
        b.putInt(maskedCrc(len, 0, 8));
        b.put(data);
        b.putInt(maskedCrc(data, 0, data.length));
        return b.array();
    }

    /** A header announcing {@code length} bytes with a correct length CRC (no data). */
    static byte[] headerOnly(long length) {
        byte[] len = new byte[8];
        ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).putLong(length);
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.put(len);
        b.putInt(maskedCrc(len, 0, 8));
        return b.array();
    }

    /** Frames and concatenates records. */
    static byte[] file(byte[]... records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] r : records) {
            out.writeBytes(frame(r));
        }
        return out.toByteArray();
    }

    /** A feature value for {@link ExampleBuilder}. */
    sealed interface Value permits BytesValue, FloatValue, IntValue, Raw {}

    record BytesValue(List<byte[]> values) implements Value {}

    record FloatValue(float[] values, boolean packed) implements Value {}

    record IntValue(long[] values, boolean packed) implements Value {}

    /** An already encoded {@code Feature} message. */
    record Raw(byte[] featureMessage) implements Value {}

    /** Builds a serialized {@code tf.train.Example}. */
    static final class ExampleBuilder {
        private final Map<String, Value> features = new LinkedHashMap<>();

        ExampleBuilder bytes(String name, byte[]... values) {
            features.put(name, new BytesValue(List.of(values)));
            return this;
        }

        ExampleBuilder string(String name, String value) {
            return bytes(name, value.getBytes(StandardCharsets.UTF_8));
        }

        ExampleBuilder floats(String name, boolean packed, float... values) {
            features.put(name, new FloatValue(values, packed));
            return this;
        }

        ExampleBuilder ints(String name, boolean packed, long... values) {
            features.put(name, new IntValue(values, packed));
            return this;
        }

        ExampleBuilder raw(String name, byte[] featureMessage) {
            features.put(name, new Raw(featureMessage));
            return this;
        }

        byte[] build() {
            List<byte[]> entries = new ArrayList<>();
            for (Map.Entry<String, Value> e : features.entrySet()) {
                byte[] feature = encodeFeature(e.getValue());
                entries.add(message(out -> {
                    out.writeString(1, e.getKey());
                    out.writeByteArray(2, feature);
                }));
            }
            byte[] featuresMsg = message(out -> {
                for (byte[] entry : entries) {
                    out.writeByteArray(1, entry);
                }
            });
            return message(out -> out.writeByteArray(1, featuresMsg));
        }
    }

    static byte[] encodeFeature(Value v) {
        if (v instanceof Raw raw) {
            return raw.featureMessage();
        }
        if (v instanceof BytesValue b) {
            byte[] list = message(out -> {
                for (byte[] x : b.values()) {
                    out.writeByteArray(1, x);
                }
            });
            return message(out -> out.writeByteArray(1, list));
        }
        if (v instanceof FloatValue f) {
            byte[] list = message(out -> {
                if (f.packed()) {
                    out.writeTag(1, 2);
                    out.writeUInt32NoTag(4 * f.values().length);
                    for (float x : f.values()) {
                        out.writeFloatNoTag(x);
                    }
                } else {
                    for (float x : f.values()) {
                        out.writeFloat(1, x);
                    }
                }
            });
            return message(out -> out.writeByteArray(2, list));
        }
        IntValue iv = (IntValue) v;
        byte[] list = message(out -> {
            if (iv.packed()) {
                int size = 0;
                for (long x : iv.values()) {
                    size += CodedOutputStream.computeInt64SizeNoTag(x);
                }
                out.writeTag(1, 2);
                out.writeUInt32NoTag(size);
                for (long x : iv.values()) {
                    out.writeInt64NoTag(x);
                }
            } else {
                for (long x : iv.values()) {
                    out.writeInt64(1, x);
                }
            }
        });
        return message(out -> out.writeByteArray(3, list));
    }

    interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    /** Encodes a message body with a CodedOutputStream. */
    static byte[] message(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
