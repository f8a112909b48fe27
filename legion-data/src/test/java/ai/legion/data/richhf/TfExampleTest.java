package ai.legion.data.richhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfExampleTest {

    @Test
    void handAssembledBytes() throws Exception {
        // Example{features{feature{key:"a" value{float_list{value:[1.0] packed}}}}}, encoded by hand:
        // FloatList 0A 04 00 00 80 3F; Feature 12 06 <6>; entry 0A 01 61 12 08 <8>; Features 0A 0D <13>; Example 0A 0F <15>
        byte[] bytes = {0x0A, 0x0F, 0x0A, 0x0D, 0x0A, 0x01, 'a', 0x12, 0x08, 0x12, 0x06, 0x0A, 0x04,
                0x00, 0x00, (byte) 0x80, 0x3F};
        TfExample ex = TfExample.parse(bytes);
        assertEquals(List.of("a"), List.copyOf(ex.names()));
        assertEquals(TfExample.Kind.FLOAT, ex.kind("a"));
        assertArrayEquals(new float[] {1.0f}, ex.floats("a"));
    }

    @Test
    void packedAndUnpackedFloatsAndInts() throws Exception {
        byte[] bytes = new TfRecordTestWriter.ExampleBuilder()
                .floats("fp", true, 0.5f, -2.25f, Float.MAX_VALUE)
                .floats("fu", false, 0.5f, -2.25f, Float.MAX_VALUE)
                .ints("ip", true, 0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 300)
                .ints("iu", false, 0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 300)
                .build();
        TfExample ex = TfExample.parse(bytes);
        float[] floats = {0.5f, -2.25f, Float.MAX_VALUE};
        long[] ints = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 300};
        assertArrayEquals(floats, ex.floats("fp"));
        assertArrayEquals(floats, ex.floats("fu"));
        assertArrayEquals(ints, ex.int64s("ip"));
        assertArrayEquals(ints, ex.int64s("iu"));
        assertEquals(List.of("fp", "fu", "ip", "iu"), List.copyOf(ex.names()));
    }

    @Test
    void mixedPackedAndUnpackedOccurrencesConcatenate() throws Exception {
        // FloatList with a packed run [1, 2] followed by an unpacked 3: protobuf parsers accept both
        byte[] list = TfRecordTestWriter.message(out -> {
            out.writeTag(1, 2);
            out.writeUInt32NoTag(8);
            out.writeFloatNoTag(1f);
            out.writeFloatNoTag(2f);
            out.writeFloat(1, 3f);
        });
        byte[] feature = TfRecordTestWriter.message(out -> {
            out.writeByteArray(2, list);
            out.writeByteArray(2, TfRecordTestWriter.message(o -> o.writeFloat(1, 4f))); // repeated: merges
        });
        TfExample ex = TfExample.parse(new TfRecordTestWriter.ExampleBuilder().raw("f", feature).build());
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, ex.floats("f"));
    }

    @Test
    void oneofLastKindWinsAndUnknownFieldsAreSkipped() throws Exception {
        byte[] bytesList = TfRecordTestWriter.message(out -> out.writeByteArray(1, new byte[] {1, 2}));
        byte[] intList = TfRecordTestWriter.message(out -> out.writeInt64(1, 7));
        byte[] feature = TfRecordTestWriter.message(out -> {
            out.writeByteArray(1, bytesList);
            out.writeString(9, "unknown field");
            out.writeByteArray(3, intList);
            out.writeFixed64(15, 42L);
        });
        TfExample ex = TfExample.parse(new TfRecordTestWriter.ExampleBuilder().raw("x", feature).build());
        assertEquals(TfExample.Kind.INT64, ex.kind("x"));
        assertArrayEquals(new long[] {7}, ex.int64s("x"));
    }

    @Test
    void bytesStringsAndAccessorContracts() throws Exception {
        byte[] bytes = new TfRecordTestWriter.ExampleBuilder()
                .string("filename", "train/abc-123.png")
                .bytes("multi", new byte[] {0}, new byte[] {1, 2, 3}, new byte[0])
                .bytes("empty")
                .bytes("binary", new byte[] {(byte) 0xff, (byte) 0xfe})
                .raw("unset", new byte[0])
                .floats("score", true, 0.25f)
                .build();
        TfExample ex = TfExample.parse(bytes);
        assertEquals("train/abc-123.png", ex.string("filename"));
        List<byte[]> multi = ex.bytes("multi");
        assertEquals(3, multi.size());
        assertArrayEquals(new byte[] {1, 2, 3}, multi.get(1));
        assertArrayEquals(new byte[0], multi.get(2));
        multi.get(1)[0] = 99; // a copy
        assertArrayEquals(new byte[] {1, 2, 3}, ex.bytes("multi").get(1));
        assertNull(ex.string("empty"));
        assertEquals(TfExample.Kind.BYTES, ex.kind("empty"));
        assertEquals(TfExample.Kind.NONE, ex.kind("unset"));
        assertEquals(0, ex.floats("unset").length);
        assertTrue(ex.has("unset"));
        assertFalse(ex.has("absent"));
        assertNull(ex.kind("absent"));
        assertNull(ex.string("absent"));
        assertEquals(0, ex.bytes("absent").size());
        assertEquals(0, ex.floats("absent").length);
        assertEquals(0, ex.int64s("absent").length);
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> ex.bytes("score"));
        assertTrue(wrong.getMessage().contains("'score' is a float_list, not a bytes_list"), wrong.getMessage());
        assertThrows(IllegalStateException.class, () -> ex.int64s("filename"));
        assertThrows(IllegalStateException.class, () -> ex.string("binary"));
        float[] f = ex.floats("score");
        f[0] = 9f;
        assertArrayEquals(new float[] {0.25f}, ex.floats("score"));
    }

    @Test
    void laterMapEntryWithSameKeyReplaces() throws Exception {
        byte[] first = new TfRecordTestWriter.ExampleBuilder().floats("k", true, 1f).build();
        byte[] second = new TfRecordTestWriter.ExampleBuilder().ints("k", true, 5).build();
        // two Example.features occurrences concatenated: protobuf merges them, the map entry is replaced
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        TfExample ex = TfExample.parse(both);
        assertEquals(TfExample.Kind.INT64, ex.kind("k"));
        assertArrayEquals(new long[] {5}, ex.int64s("k"));
    }

    @Test
    void malformedInputIsRejected() throws Exception {
        byte[] good = new TfRecordTestWriter.ExampleBuilder().string("filename", "x.png").floats("s", true, 1f).build();
        assertThrows(InvalidProtocolBufferException.class,
                () -> TfExample.parse(Arrays.copyOf(good, good.length - 3)));
        // packed floats whose length is not a multiple of 4
        byte[] badList = TfRecordTestWriter.message(out -> {
            out.writeTag(1, 2);
            out.writeUInt32NoTag(3);
            out.writeRawBytes(new byte[] {1, 2, 3});
        });
        byte[] feature = TfRecordTestWriter.message(out -> out.writeByteArray(2, badList));
        InvalidProtocolBufferException e = assertThrows(InvalidProtocolBufferException.class,
                () -> TfExample.parse(new TfRecordTestWriter.ExampleBuilder().raw("f", feature).build()));
        assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());
        // a map key that is not UTF-8
        byte[] entry = TfRecordTestWriter.message(out -> out.writeByteArray(1, new byte[] {(byte) 0xc3, 0x28}));
        byte[] features = TfRecordTestWriter.message(out -> out.writeByteArray(1, entry));
        byte[] example = TfRecordTestWriter.message(out -> out.writeByteArray(1, features));
        assertThrows(InvalidProtocolBufferException.class, () -> TfExample.parse(example));
        assertEquals(0, TfExample.parse(new byte[0]).names().size());
        assertEquals("x.png", new String(TfExample.parse(good).bytes("filename").get(0), StandardCharsets.UTF_8));
    }
}
