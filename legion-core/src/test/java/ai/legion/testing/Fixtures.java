package ai.legion.testing;

import ai.legion.core.io.CheckpointException;
import ai.legion.core.io.DType;
import ai.legion.core.io.SafetensorsFile;
import ai.legion.core.io.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the golden fixture root: {@code -Dlegion.fixtures=ROOT} (laid out like shared/fixtures), else
 * the copy in legion-core's test resources. Also reads fixture tensors as plain Java arrays so tests
 * compare against values that never went through the code under test.
 */
public final class Fixtures {

    private Fixtures() {}

    /** The fixture root. */
    public static Path root() {
        String prop = System.getProperty("legion.fixtures");
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop).toAbsolutePath();
        }
        Path dir = Paths.get("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolve("legion-core/src/test/resources/fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("fixture root not found: pass -Dlegion.fixtures=ROOT");
    }

    /** A path below the fixture root. */
    public static Path path(String relative) {
        return root().resolve(relative);
    }

    /** Test resources of legion-core that are not part of a fixture root (tokenizer.json, data samples). */
    public static Path resource(String relative) {
        Path fixtures = path("..").normalize();
        Path candidate = fixtures.resolve(relative);
        if (Files.exists(candidate)) {
            return candidate;
        }
        Path dir = Paths.get("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path c = p.resolve("legion-core/src/test/resources").resolve(relative);
            if (Files.exists(c)) {
                return c;
            }
        }
        throw new IllegalStateException("test resource not found: " + relative);
    }

    /** Reads a floating tensor of a safetensors file as float32 values (bf16/f16 widened exactly). */
    public static float[] floats(SafetensorsFile file, String key) throws CheckpointException {
        TensorInfo info = file.info(key);
        if (info == null) {
            throw new IllegalArgumentException(file.path() + " has no tensor " + key);
        }
        ByteBuffer b = file.read(key).order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(info.numel());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            switch (info.dtype()) {
                case F32 -> out[i] = b.getFloat(i * 4);
                case BF16 -> out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
                case F16 -> out[i] = halfToFloat(b.getShort(i * 2));
                default -> throw new IllegalArgumentException(key + " is " + info.dtype());
            }
        }
        return out;
    }

    /** Reads an integer tensor (I64, I32, U8, BOOL) as longs. */
    public static long[] longs(SafetensorsFile file, String key) throws CheckpointException {
        TensorInfo info = file.info(key);
        ByteBuffer b = file.read(key).order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(info.numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            DType t = info.dtype();
            out[i] = switch (t) {
                case I64 -> b.getLong(i * 8);
                case I32 -> b.getInt(i * 4);
                case U8, BOOL -> b.get(i) & 0xFF;
                case I8 -> b.get(i);
                default -> throw new IllegalArgumentException(key + " is " + t);
            };
        }
        return out;
    }

    /** IEEE half to float (for reading F16 fixtures independently of the engine). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            float v = mant / 1024f * (float) Math.pow(2, -14);
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Largest absolute difference. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " != " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
