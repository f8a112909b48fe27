package ai.legion.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.legion.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NDArrayLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void bf16IsWidenedExactlyAndEveryDtypeLoadsWithTheRightValues() throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                Checkpoint bin = Checkpoints.open(Fixtures.path("parity/legion_tiny"))) {
            int checked = 0;
            for (String key : bin.keys()) {
                TensorInfo info = bin.info(key);
                if (info.dtype() != DType.BF16 && info.dtype() != DType.F32) {
                    continue;
                }
                ByteBuffer raw = bin.read(key).order(ByteOrder.LITTLE_ENDIAN);
                float[] expected = new float[(int) info.numel()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = info.dtype() == DType.BF16
                            ? Float.intBitsToFloat((raw.getShort(i * 2) & 0xFFFF) << 16) : raw.getFloat(i * 4);
                }
                try (NDArray a = NDArrayLoader.load(bin, key, manager, NDArrayLoader.FloatPolicy.AS_STORED)) {
                    assertEquals(DataType.FLOAT32, a.getDataType(), key);
                    assertArrayEquals(info.shape(), a.getShape().getShape(), key);
                    assertArrayEquals(expected, a.toFloatArray(), key);
                }
                checked++;
            }
            assertEquals(bin.keys().size(), checked);
            assertEquals(0, manager.getManagedArrays().size());
        }
    }

    @Test
    void float16PolicyAndIntegerTensors() throws Exception {
        Path f = tmp.resolve("mixed.safetensors");
        ByteBuffer f32 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f)
                .putFloat(65504f).flip();
        ByteBuffer i64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-7).putLong(1L << 40).flip();
        ByteBuffer i16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -3).putShort((short) 300)
                .flip();
        ByteBuffer bool = ByteBuffer.wrap(new byte[] {1, 0, 1});
        new SafetensorsWriter().add("f", DType.F32, new long[] {3}, f32).add("l", DType.I64, new long[] {2}, i64)
                .add("s", DType.I16, new long[] {2}, i16).add("b", DType.BOOL, new long[] {3}, bool)
                .add("e", DType.F32, new long[] {0, 4}, ByteBuffer.allocate(0)).write(f);
        try (NDManager manager = NDManager.newBaseManager(); Checkpoint c = Checkpoints.open(f)) {
            try (NDArray a = NDArrayLoader.load(c, "f", manager, NDArrayLoader.FloatPolicy.FLOAT16)) {
                assertEquals(DataType.FLOAT16, a.getDataType());
                assertArrayEquals(new float[] {1.5f, -2f, 65504f}, a.toType(DataType.FLOAT32, false).toFloatArray());
            }
            try (NDArray a = NDArrayLoader.load(c, "l", manager, NDArrayLoader.FloatPolicy.FLOAT16)) {
                assertArrayEquals(new long[] {-7, 1L << 40}, a.toLongArray());
            }
            try (NDArray a = NDArrayLoader.load(c, "s", manager, NDArrayLoader.FloatPolicy.FLOAT32)) {
                assertEquals(DataType.INT32, a.getDataType());
                assertArrayEquals(new int[] {-3, 300}, a.toIntArray());
            }
            try (NDArray a = NDArrayLoader.load(c, "b", manager, NDArrayLoader.FloatPolicy.FLOAT32)) {
                assertArrayEquals(new boolean[] {true, false, true}, a.toBooleanArray());
            }
            try (NDArray a = NDArrayLoader.load(c, "e", manager, NDArrayLoader.FloatPolicy.FLOAT32)) {
                assertEquals(0, a.size());
                assertArrayEquals(new long[] {0, 4}, a.getShape().getShape());
            }
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> NDArrayLoader.load(c, "zz", manager, NDArrayLoader.FloatPolicy.FLOAT32));
            assertEquals("zz", e.tensor());
            manager.getManagedArrays().forEach(NDArray::close);
        }
    }

    /** Loaded arrays own their memory: the file may be closed (and unmapped) and the array stays valid. */
    @Test
    void arraysOutliveTheirCheckpointAndSurviveInPlaceUpdates() throws Exception {
        Path f = tmp.resolve("w.safetensors");
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3)
                .putFloat(4).flip();
        new SafetensorsWriter().add("w", DType.F32, new long[] {2, 2}, data).write(f);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a;
            try (Checkpoint c = Checkpoints.open(f)) {
                a = NDArrayLoader.load(c, "w", manager, NDArrayLoader.FloatPolicy.FLOAT32);
            }
            System.gc();
            a.addi(1); // an in-place op on a read-only mapping would crash the JVM
            assertArrayEquals(new float[] {2, 3, 4, 5}, a.toFloatArray());
        }
    }
}
